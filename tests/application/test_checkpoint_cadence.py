"""While entries arrive, a checkpoint is signed at least every 10 seconds or 1,000 entries,
each consistent with the one before; with nothing new, none is signed."""

from datetime import timedelta
from pathlib import Path

from domain.audit import AuditKind
from hub.audit.checkpoints import Checkpoints, SigningKeys
from hub.audit.merkle import verify_consistency
from hub.bootstrap import bootstrap
from hub.settings import Settings
from tests.support import Clock


def test_checkpoints_every_ten_seconds_or_thousand_entries(store_url: str,
                                                           tmp_path: Path) -> None:
    clock = Clock()
    hub = bootstrap(Settings(store_url=store_url, home=tmp_path), clock)
    checkpoints = Checkpoints(hub.store, hub.audit, SigningKeys(hub.keys, "test/audit"), clock)
    try:
        def entries(n: int) -> None:
            for i in range(n):
                hub.audit.record(kind=AuditKind.DENIAL, action="read-child",
                                 actor={"user_id": "u", "agency": "a", "role": "r",
                                        "agency_kind": "police"}, details={"i": i})

        first = checkpoints.checkpoint()
        assert first is not None
        entries(5)
        clock.now += timedelta(seconds=9)
        assert checkpoints.checkpoint() == first  # neither 10 s nor 1,000 entries yet
        clock.now += timedelta(seconds=1)
        second = checkpoints.checkpoint()
        assert second is not None
        assert second.size == first.size + 5
        entries(1000)  # 1,000 entries come before 10 s have passed
        third = checkpoints.checkpoint()
        assert third is not None
        assert third.size == second.size + 1000
        clock.now += timedelta(minutes=5)
        assert checkpoints.checkpoint() == third  # nothing new: nothing signed
        tree = checkpoints.tree()
        for old, new in ((first, second), (second, third)):
            proof = tree.consistency_proof(old.size, new.size)
            assert verify_consistency(old.size, new.size, bytes.fromhex(old.root),
                                      bytes.fromhex(new.root), proof)
    finally:
        hub.close()
