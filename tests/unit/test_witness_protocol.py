"""The witness protocol and cosignatures against the examples in their C2SP specifications.

The example request and response bodies are from https://c2sp.org/tlog-witness, and the
example cosigned checkpoint and signed message from https://c2sp.org/tlog-cosignature,
(c) the C2SP authors, licensed under CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/). They are copied unchanged as test data. The
specifications give no witness keys, so their signatures cannot be checked here; what can be
checked is that the hub reads and writes exactly those shapes.
"""

import base64

import pytest

from hub.audit.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosigned_message,
)
from hub.audit.notes import BadSignature, Checkpoint, NoteSigner, parse_note
from hub.audit.witness_protocol import (
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    parse_cosignatures,
    parse_size,
    size_body,
)

# c2sp.org/tlog-witness, "add-checkpoint", example request body.
SPEC_REQUEST = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\u2014 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks"
    "+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
)
# c2sp.org/tlog-witness, example response body.
SPEC_RESPONSE = (
    "\u2014 witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTS"
    "vVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==\n"
    "\u2014 witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt6"
    "4vWhO+DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==\n"
    "\u2014 witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrK"
    "bYKA7nC3HNJhm/kWl7oJlqU3rXXvpysAdyP3wQ==\n"
)
# c2sp.org/tlog-cosignature: the example checkpoint with a cosignature, and the message a
# cosignature at that time signs.
SPEC_CHECKPOINT = ("example.com/behind-the-sofa\n20852163\n"
                   "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
SPEC_COSIGNATURE = ("\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHe"
                    "olMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n")
SPEC_MESSAGE = ("cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
                "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")


def test_the_spec_example_request_reads_and_writes_back_unchanged() -> None:
    request = AddCheckpoint.parse(SPEC_REQUEST.encode())
    assert request.old_size == 20852014
    assert [base64.b64encode(h).decode() for h in request.proof] == [
        "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=",
        "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=",
        "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=",
        "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0="]
    text, signatures = parse_note(request.note)
    checkpoint = Checkpoint.parse(text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert len(signatures) == 2
    assert request.encode() == SPEC_REQUEST.encode()


def test_the_spec_example_response_is_three_cosignature_lines() -> None:
    note = AddCheckpoint.parse(SPEC_REQUEST.encode()).note
    assert note.startswith(SPEC_CHECKPOINT + "\n\u2014 ")
    lines = parse_cosignatures(note, SPEC_RESPONSE.encode())
    assert [line.name for line in lines] == ["witness.example/w1", "witness.example/w1",
                                             "witness.example/w2"]
    assert all(len(line.signature) == 72 for line in lines)  # timestamp and Ed25519
    assert "".join(line.line() for line in lines) == SPEC_RESPONSE


def test_the_spec_example_cosignature_and_its_signed_message() -> None:
    note = SPEC_CHECKPOINT + "\n" + SPEC_COSIGNATURE
    text, (signature,) = parse_note(note)
    assert signature.name == "witness.example.com/w1"
    timestamp = int.from_bytes(signature.signature[:8], "big")
    assert timestamp == 1679315147
    assert cosigned_message(text, timestamp) == SPEC_MESSAGE.encode()


def test_cosignatures_made_here_have_the_spec_shape_and_verify() -> None:
    witness = CosignatureSigner.generate("witness.example.com/w1")
    line = witness.cosign(SPEC_CHECKPOINT, 1679315147)
    raw = base64.b64decode(line.line().split(" ")[2])
    assert len(raw) == 4 + 8 + 64
    assert raw[4:12] == (1679315147).to_bytes(8, "big")
    vkey = witness.verifier_key()
    name, _, key = vkey.split("+", 2)
    assert name == "witness.example.com/w1"
    assert base64.b64decode(key)[0] == 0x04  # the cosignature/v1 signature type
    verifier = CosignatureVerifier.parse(vkey)
    assert verifier.verify(SPEC_CHECKPOINT + "\n" + line.line()) == (SPEC_CHECKPOINT,
                                                                    1679315147)
    other_time = witness.cosign(SPEC_CHECKPOINT, 1679315148)
    forged = line.line()[:-6] + other_time.line()[-6:]
    with pytest.raises(BadSignature):
        verifier.verify(SPEC_CHECKPOINT + "\n" + forged)
    with pytest.raises(ValueError, match="0x04"):  # a log's (0x01) key is not a witness's
        CosignatureVerifier.parse(NoteSigner.generate("w").verifier_key())
    with pytest.raises(BadSignature):  # a log's signature is not a cosignature
        verifier.verify(NoteSigner.generate("witness.example.com/w1").sign(SPEC_CHECKPOINT))


@pytest.mark.parametrize("body", [
    b"old 01\n\n" + SPEC_CHECKPOINT.encode(),
    b"old -1\n\n" + SPEC_CHECKPOINT.encode(),
    b"new 1\n\n" + SPEC_CHECKPOINT.encode(),
    b"old 1\nnot base64\n\n" + SPEC_CHECKPOINT.encode(),
    b"old 1\nAAAA\n\n" + SPEC_CHECKPOINT.encode(),
    b"old 1\n" + b"".join([b"A" * 43 + b"=\n"] * 64) + b"\n" + SPEC_CHECKPOINT.encode(),
    b"old 1\n" + SPEC_CHECKPOINT.encode(),
    b"\xff\xfe",
])
def test_malformed_requests_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError, match=r"."):
        AddCheckpoint.parse(body)


def test_the_size_answer() -> None:
    assert SIZE_CONTENT_TYPE == "text/x.tlog.size"
    assert size_body(20852014) == b"20852014\n"
    assert parse_size(b"0\n") == 0
    for bad in (b"12", b"012\n", b"x\n", b"1 2\n"):
        with pytest.raises(ValueError, match=r"."):
            parse_size(bad)
