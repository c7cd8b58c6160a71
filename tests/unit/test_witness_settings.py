"""The witnessing settings: HUB_AUDIT_WITNESSES, HUB_WITNESS_NAME, HUB_WITNESS_LOGS."""

import pytest

from hub.audit.cosignature import CosignatureSigner
from hub.audit.notes import NoteSigner
from hub.settings import Settings, SettingsError


def test_witnesses_are_keys_at_urls() -> None:
    one = CosignatureSigner.generate("county.example.gov.uk/witness").verifier_key()
    two = CosignatureSigner.generate("ig.example.nhs.uk/witness").verifier_key()
    settings = Settings.from_env({"HUB_AUDIT_WITNESSES": f" {one}@https://w1.example/sub/ ,"
                                                         f"{two}@http://127.0.0.1:7380"})
    assert [(w.name, w.url) for w in settings.audit_witnesses] == [
        ("county.example.gov.uk/witness", "https://w1.example/sub"),
        ("ig.example.nhs.uk/witness", "http://127.0.0.1:7380")]
    assert Settings.from_env({}).audit_witnesses == ()


@pytest.mark.parametrize("raw", [
    "not-a-key@https://w.example",
    "KEY",
    "{one}",  # no URL
    "{one}@ftp://w.example",
    "{one}@https://w.example,{one}@https://other.example",  # the same witness twice
    "{log}@https://w.example",  # a log's key (type 0x01), not a witness's (0x04)
])
def test_malformed_witnesses_are_refused(raw: str) -> None:
    one = CosignatureSigner.generate("w.example/1").verifier_key()
    log = NoteSigner.generate("w.example/1").verifier_key()
    with pytest.raises(SettingsError, match="HUB_AUDIT_WITNESSES"):
        Settings.from_env({"HUB_AUDIT_WITNESSES": raw.format(one=one, log=log)})


def test_the_witness_name_and_logs() -> None:
    settings = Settings.from_env({"HUB_WITNESS_NAME": "witness.example.org/w1",
                                  "HUB_WITNESS_LOGS": "a+1+x, b+2+y ,"})
    assert settings.witness_name == "witness.example.org/w1"
    assert settings.witness_logs == ("a+1+x", "b+2+y")
    assert Settings.from_env({}).witness_name.endswith("/hub-witness")
    for bad in ("two words", "a+b"):
        with pytest.raises(SettingsError, match="HUB_WITNESS_NAME"):
            Settings.from_env({"HUB_WITNESS_NAME": bad})
