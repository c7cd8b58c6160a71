"""The audit trail over HTTP as a tiled log (c2sp.org/tlog-tiles), and its alarms.

Anyone following the log (a witness, a mirror, a monitor) reads the checkpoint and the tiles
of hashes without a token: from them alone it recomputes the signed root. Tiles are immutable
and say so to caches; the entry bundles, which hold ids, roles, purposes and case references
about pseudonymous children, are for auditors only, audited, and never cached. A witness that
cannot be reached, or a checkpointer that refused to sign, shows in the log, the metrics and
/readyz.
"""

import hashlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.access import Purpose
from domain.audit import AuditKind
from hub.api.app import create_app
from hub.audit.notes import Checkpoint, NoteVerifier
from hub.audit.witnesses import parse_witnesses
from hub.bootstrap import Hub, bootstrap
from hub.disclosure import ReadContext
from hub.settings import Settings
from tests.e2e.conftest import free_port
from tests.support import notification, seed, submit
from tests.witness_support import hub_verifier_key, witness_thread

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Hub, dict[str, str]]]:
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=tmp_path))
    tokens = seed(hub)
    child_id = submit(hub, "notts-police", notification()).child_ids[0]
    mash = hub.registry.authenticate(tokens["city-mash"])
    for _ in range(300):
        hub.disclosure.chronology(ReadContext(mash, Purpose.TRIAGE, "MASH-1"), child_id)
    hub.checkpoints.checkpoint(force=True)
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield client, hub, tokens
    hub.close()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 MTH over leaf hashes, as any tlog client computes it."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:])).digest()


def index_path(n: int) -> str:
    groups = []
    while True:
        n, group = divmod(n, 1000)
        groups.append(f"{group:03d}")
        if n == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def hashes(data: bytes) -> list[bytes]:
    return [data[i:i + 32] for i in range(0, len(data), 32)]


def test_a_follower_recomputes_the_signed_root_from_public_tiles(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, _ = api
    before = hub.audit.size()
    answer = client.get("/v1/audit/checkpoint")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["cache-control"] == "no-store"  # mutable: not kept
    key = NoteVerifier.parse((hub.settings.home / "audit" / "verifier-key").read_text().strip())
    checkpoint = Checkpoint.parse(key.verify(answer.text))
    size = checkpoint.size
    assert size > 256  # a full level-0 tile, a partial one, and a level-1 tile

    leaves: list[bytes] = []
    for n in range(size // 256):
        tile = client.get(f"/v1/audit/tile/0/{index_path(n)}")
        assert tile.status_code == 200
        assert tile.headers["content-type"] == "application/octet-stream"
        assert tile.headers["cache-control"] == IMMUTABLE
        assert tile.headers["x-content-type-options"] == "nosniff"
        assert len(tile.content) == 8192
        leaves += hashes(tile.content)
    width = size % 256
    partial = client.get(f"/v1/audit/tile/0/{index_path(size // 256)}.p/{width}")
    assert partial.status_code == 200
    assert partial.headers["cache-control"] == IMMUTABLE
    leaves += hashes(partial.content)
    assert mth(leaves) == checkpoint.root
    level1 = client.get(f"/v1/audit/tile/1/000.p/{size // 256}")
    assert hashes(level1.content) == [mth(leaves[i:i + 256])
                                      for i in range(0, 256 * (size // 256), 256)]

    # Nothing beyond the signed tree; one spelling per tile.
    assert client.get(f"/v1/audit/tile/0/{index_path(size // 256)}").status_code == 404
    assert client.get(f"/v1/audit/tile/0/{index_path(size // 256)}.p/{width + 1}"
                      ).status_code == 404
    assert client.get("/v1/audit/tile/0/0").status_code == 404
    assert client.get("/v1/audit/tile/00/000").status_code == 404
    assert hub.audit.size() == before  # a public read is not an auditor's access


def test_entry_bundles_are_for_auditors_only(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, tokens = api
    assert client.get("/v1/audit/tile/entries/000").status_code == 401
    mash = client.get("/v1/audit/tile/entries/000",
                      headers={"Authorization": f"Bearer {tokens['city-mash']}"})
    assert mash.status_code == 403
    auditor = {"Authorization": f"Bearer {tokens['info-governance']}"}
    bundle = client.get("/v1/audit/tile/entries/000", headers=auditor)
    assert bundle.status_code == 200
    assert bundle.headers["cache-control"] == "no-store"
    entries, offset = [], 0
    while offset < len(bundle.content):
        length = int.from_bytes(bundle.content[offset:offset + 2], "big")
        entries.append(bundle.content[offset + 2:offset + 2 + length])
        offset += 2 + length
    assert len(entries) == 256
    assert [int.from_bytes(e[:8], "big") for e in entries] == list(range(256))
    tile = client.get("/v1/audit/tile/0/000")
    assert [leaf_hash(e) for e in entries] == hashes(tile.content)
    kinds = [(e.kind, e.action) for e in hub.audit.entries(hub.audit.size() - 2)]
    assert kinds == [("denial", "audit-entry-bundle"), ("audit-access", "audit-entry-bundle")]
    # The auditor's JSON checkpoint is still there, with a token.
    json_checkpoint = client.get("/v1/audit/checkpoint", headers=auditor).json()
    assert json_checkpoint["note"].startswith("safeguarding-hub/audit\n")


def test_an_unreachable_witness_raises_the_alarm(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with witness_thread(tmp_path / "w", "ig.example.nhs.uk/witness",
                        [hub_verifier_key(tmp_path / "home")]) as witness:
        witnesses = parse_witnesses(f"{witness.vkey}@{closed}")
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3",
                             home=tmp_path / "home", audit_witnesses=witnesses))
    try:
        hub.audit.record(kind=AuditKind.DENIAL, action="x", actor={"user_id": "u"})
        with caplog.at_level(logging.ERROR, logger="hub.audit"):
            signed = hub.checkpoints.checkpoint(force=True)
        assert signed is not None  # still signed and kept: the witness is asked next time
        assert "audit witness alarm: ig.example.nhs.uk/witness" in caplog.text
        with TestClient(create_app(hub, checkpointer=False)) as client:
            ready = client.get("/readyz").json()
            assert ready["status"] == "ready"
            assert ready["audit"]["alarm"] is True
            [state] = ready["audit"]["witnesses"]
            assert state["witness"] == "ig.example.nhs.uk/witness"
            assert state["ok"] is False
            assert "unreachable" in state["problem"]
            metrics = client.get("/metrics", headers={
                "Authorization": f"Bearer {hub.settings.resolved_metrics_token()}"}).text
        assert 'hub_audit_witness_up{witness="ig.example.nhs.uk/witness"} 0.0' in metrics
        assert ('hub_audit_witness_failures_total{reason="unreachable",'
                'witness="ig.example.nhs.uk/witness"} 1.0') in metrics
        assert "hub_audit_checkpointer_stopped 0.0" in metrics
    finally:
        hub.close()


def test_a_witness_that_knows_a_larger_tree_stops_the_checkpointer(tmp_path: Path) -> None:
    """Another store signed under the same key and origin is, to a witness, this log rolled
    back: the checkpointer stops, says why, and signs nothing more."""
    home = tmp_path / "home"
    with witness_thread(tmp_path / "w", "county.example.gov.uk/witness",
                        [hub_verifier_key(home)]) as witness:
        configured = parse_witnesses(witness.config)
        first = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/one.sqlite3", home=home,
                                   audit_witnesses=configured))
        try:
            for _ in range(20):
                first.audit.record(kind=AuditKind.DENIAL, action="x", actor={"user_id": "u"})
            first.checkpoints.checkpoint(force=True)
        finally:
            first.close()
        hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/two.sqlite3", home=home,
                                 audit_witnesses=configured))
        try:
            hub.audit.record(kind=AuditKind.DENIAL, action="x", actor={"user_id": "u"})
            with TestClient(create_app(hub, checkpointer=False)) as client:
                worker = threading.Thread(target=hub.checkpoints.run,
                                          args=(threading.Event(), 0.01), daemon=True)
                worker.start()
                worker.join(timeout=60)
                assert not worker.is_alive()  # it stopped by itself
                assert hub.checkpoints.all() == []
                ready = client.get("/readyz").json()["audit"]
                assert ready["checkpointer"] == "stopped"
                assert "rolled back: the witness county.example.gov.uk/witness cosigned " \
                       "size 21" in ready["alarms"][0]
                metrics = client.get("/metrics", headers={
                    "Authorization": f"Bearer {hub.settings.resolved_metrics_token()}"}).text
                assert "hub_audit_checkpointer_stopped 1.0" in metrics
        finally:
            hub.close()
