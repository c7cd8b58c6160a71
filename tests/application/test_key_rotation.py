"""Rotating the master key rewraps every data key; a hub that started before the rotation keeps
reading, and nothing is lost."""

from pathlib import Path

from domain.people import PersonRecord
from hub.bootstrap import bootstrap, rotate_master
from hub.settings import Settings
from tests.support import child, notification, seed, submit


def test_master_key_rotation_without_downtime(store_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    if store_url == "memory://":  # one process: rotate and keep reading in the same hub
        running = bootstrap(Settings(store_url=store_url, home=home))
        rotating = running
    else:
        running = bootstrap(Settings(store_url=store_url, home=home))
        rotating = bootstrap(Settings(store_url=store_url, home=home))
    try:
        seed(running)
        before = submit(running, "notts-police", notification("R-1", subjects=[child("Rhea")]))
        old_master = running.data_keys.master.key_id
        assert rotate_master(rotating) >= 1
        assert rotating.data_keys.master.key_id != old_master
        running.store.cipher.forget(before.child_ids[0])
        record = running.store.find(before.child_ids[0], PersonRecord)
        assert record is not None
        assert record.identity["given_name"].value == "Rhea"
        after = submit(running, "notts-police", notification("R-2", subjects=[child("Sol")]))
        fresh = bootstrap(Settings(store_url=store_url, home=home)) if running is not rotating \
            else running
        for receipt, name in ((before, "Rhea"), (after, "Sol")):
            fresh.store.cipher.forget(receipt.child_ids[0])
            person = fresh.store.find(receipt.child_ids[0], PersonRecord)
            assert person is not None
            assert person.identity["given_name"].value == name
        if fresh is not running:
            fresh.close()
    finally:
        running.close()
        if rotating is not running:
            rotating.close()
