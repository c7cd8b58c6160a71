"""``hub witness serve`` against a second client, written here from c2sp.org/tlog-witness,
c2sp.org/tlog-cosignature, c2sp.org/signed-note and RFC 6962 alone: it imports nothing of the
hub's (not its notes, its Merkle tree or its submitter), signs its log's checkpoints with the
``cryptography`` package directly, makes its own consistency proofs, and checks the witness's
cosignatures itself. The witness cosigns a log that grows; it refuses a fork, a smaller tree,
a bad proof, an unknown log and a forged signature, with the spec's status codes, and it
remembers across a restart; having lost its state, it starts again only when told to.
"""

import base64
import hashlib
import http.client
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from tests.e2e.conftest import free_port
from tests.witness_support import RunningWitness, witness_env, witness_process

ORIGIN = "example.org/log"
WITNESS = "witness.example.org/w1"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# RFC 6962, section 2.1 --------------------------------------------------------------------

def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(entries: list[bytes]) -> bytes:
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return leaf(entries[0])
    k = split(len(entries))
    return node(mth(entries[:k]), mth(entries[k:]))


def subproof(m: int, entries: list[bytes], whole: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if whole else [mth(entries)]
    k = split(n)
    if m <= k:
        return [*subproof(m, entries[:k], whole), mth(entries[k:])]
    return [*subproof(m - k, entries[k:], False), mth(entries[:k])]


def proof(m: int, entries: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 section 2.1.2."""
    return subproof(m, entries, True) if 0 < m < len(entries) else []


# A log: Ed25519 signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint)

@dataclass
class Log:
    origin: str
    key: Ed25519PrivateKey

    @property
    def public(self) -> bytes:
        return self.key.public_key().public_bytes_raw()

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.origin.encode() + b"\n\x01" + self.public).digest()[:4]

    def vkey(self) -> str:
        typed = b"\x01" + self.public
        return f"{self.origin}+{self.key_id.hex()}+{b64(typed)}"

    def checkpoint(self, entries: list[bytes]) -> tuple[str, str]:
        """(text, signed note) of the tree of ``entries``."""
        text = f"{self.origin}\n{len(entries)}\n{b64(mth(entries))}\n"
        signature = self.key.sign(text.encode())
        return text, f"{text}\n\u2014 {self.origin} {b64(self.key_id + signature)}\n"


class Client:
    """POST <prefix>/add-checkpoint, as the spec says."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port,
                                                     timeout=10)

    def close(self) -> None:
        self.connection.close()

    def add(self, old: int, hashes: list[bytes], note: str) -> tuple[int, str, bytes]:
        body = f"old {old}\n" + "".join(b64(h) + "\n" for h in hashes) + "\n" + note
        self.connection.request("POST", "/add-checkpoint", body=body.encode())
        response = self.connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()


def check_cosignature(witness_vkey: str, text: str, body: bytes) -> int:
    """The time of the witness's cosignature/v1 in ``body``, checked from the vkey alone."""
    name, key_id, encoded = witness_vkey.split("+", 2)
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x04
    assert len(raw) == 33
    public = raw[1:]
    assert hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4].hex() == key_id
    [line] = body.decode().splitlines()
    dash, signer, signature = line.split(" ")
    assert (dash, signer) == ("\u2014", name)
    data = base64.b64decode(signature)
    assert data[:4].hex() == key_id
    assert len(data) == 4 + 8 + 64
    timestamp = int.from_bytes(data[4:12], "big")
    message = f"cosignature/v1\ntime {timestamp}\n{text}".encode()
    Ed25519PublicKey.from_public_bytes(public).verify(data[12:], message)  # raises if bad
    return timestamp


@pytest.fixture
def log() -> Log:
    return Log(ORIGIN, Ed25519PrivateKey.generate())


@pytest.fixture
def witness(tmp_path: Path, log: Log) -> Iterator[RunningWitness]:
    with witness_process(tmp_path / "witness", WITNESS, [log.vkey()]) as running:
        yield running


@pytest.fixture
def client(witness: RunningWitness) -> Iterator[Client]:
    with closing(Client(witness.url)) as connected:
        yield connected


def test_the_witness_cosigns_a_growing_log_and_refuses_forks_and_smaller_trees(
        witness: RunningWitness, client: Client, log: Log) -> None:
    entries = [f"entry {i}".encode() for i in range(20)]

    text, note = log.checkpoint(entries[:5])
    status, _, body = client.add(0, [], note)
    assert status == 200, body
    assert check_cosignature(witness.vkey, text, body) > 1_700_000_000

    # It knows size 5 now: old size 0 is a conflict, answered with its size.
    assert client.add(0, [], note) == (409, "text/x.tlog.size", b"5\n")

    text, note = log.checkpoint(entries[:12])
    status, _, body = client.add(5, proof(5, entries[:12]), note)
    assert status == 200, body
    check_cosignature(witness.vkey, text, body)
    status, _, body = client.add(12, [], note)  # the same tree again: cosigned again
    assert status == 200, body

    # A smaller tree: refused, whatever old size the client claims.
    _, smaller = log.checkpoint(entries[:8])
    assert client.add(5, proof(5, entries[:8]), smaller) == (409, "text/x.tlog.size", b"12\n")
    assert client.add(8, [], smaller)[0] == 409
    assert client.add(12, [], smaller)[0] == 400  # an old size above the checkpoint's

    # A fork: another tree of the same size, and a fork that grew.
    forked = [*entries[:3], b"rewritten", *entries[4:]]
    _, fork = log.checkpoint(forked[:12])
    assert client.add(12, [], fork) == (409, "text/x.tlog.size", b"12\n")
    _, grown = log.checkpoint(forked[:16])
    assert client.add(12, proof(12, forked[:16]), grown)[0] == 422
    # A proof that does not verify; proof lines from size 0.
    _, honest = log.checkpoint(entries[:16])
    assert client.add(12, [hashlib.sha256(b"x").digest()] * 3, honest)[0] == 422
    assert client.add(0, proof(5, entries[:16]), honest)[0] == 409  # old 0 is not its size

    # An unknown log; a log's checkpoint signed by someone else; a malformed body.
    stranger = Log("example.org/other", Ed25519PrivateKey.generate())
    assert client.add(0, [], stranger.checkpoint(entries[:2])[1])[0] == 404
    impostor = Log(ORIGIN, Ed25519PrivateKey.generate())
    assert client.add(12, proof(12, entries[:16]), impostor.checkpoint(entries[:16])[1])[
        0] == 403
    assert client.add(12, [], "not a checkpoint\n")[0] == 400

    # The honest log goes on.
    text, note = log.checkpoint(entries)
    status, _, body = client.add(12, proof(12, entries), note)
    assert status == 200, body
    check_cosignature(witness.vkey, text, body)

    # Refused requests signed by the log are kept as evidence, in the witness's own store.
    with sqlite3.connect(f"file:{witness.home / 'witness.sqlite3'}?mode=ro", uri=True) as db:
        assert db.execute("SELECT size FROM latest WHERE origin = ?", (ORIGIN,)).fetchone() \
            == ("20",)
        statuses = [s for (s,) in db.execute("SELECT status FROM refused")]
    assert statuses.count(409) >= 4
    assert statuses.count(422) == 2


def test_the_witness_remembers_across_a_restart(tmp_path: Path, log: Log) -> None:
    entries = [f"entry {i}".encode() for i in range(9)]
    home = tmp_path / "witness"
    with witness_process(home, WITNESS, [log.vkey()]) as running, \
            closing(Client(running.url)) as client:
        status, _, _ = client.add(0, [], log.checkpoint(entries)[1])
        assert status == 200
        first_key = running.vkey
    with witness_process(home, WITNESS, [log.vkey()]) as running, \
            closing(Client(running.url)) as client:
        assert running.vkey == first_key  # the same key, kept in its HUB_HOME
        assert client.add(0, [], log.checkpoint(entries[:4])[1]) == (
            409, "text/x.tlog.size", b"9\n")


def test_a_witness_that_lost_its_state_starts_again_only_when_told(
        tmp_path: Path, log: Log) -> None:
    entries = [f"entry {i}".encode() for i in range(9)]
    home = tmp_path / "witness"
    serve = [sys.executable, "-m", "hub", "witness", "serve", "--port", str(free_port()),
             "--log", log.vkey()]
    with witness_process(home, WITNESS, [log.vkey()]) as running, \
            closing(Client(running.url)) as client:
        assert client.add(0, [], log.checkpoint(entries)[1])[0] == 200
    for lost in home.glob("witness.sqlite3*"):
        lost.unlink()
    refused = subprocess.run(serve, env=witness_env(home, WITNESS), capture_output=True,
                             text=True, timeout=60, check=False)
    assert refused.returncode == 2, refused.stderr
    assert "missing or empty" in refused.stderr
    assert "--new-state" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not (home / "witness.sqlite3").exists()  # no empty state made meanwhile
    with witness_process(home, WITNESS, [log.vkey()], ["--new-state"]) as running, \
            closing(Client(running.url)) as client:
        assert client.add(0, [], log.checkpoint(entries[:4])[1])[0] == 200  # as it was told
    left_on = subprocess.run([*serve, "--new-state"], env=witness_env(home, WITNESS),
                             capture_output=True, text=True, timeout=60, check=False)
    assert left_on.returncode == 2, left_on.stderr
    assert "start it without --new-state" in left_on.stderr


def test_a_witness_keeps_out_of_a_hubs_home(tmp_path: Path, log: Log) -> None:
    home = tmp_path / "hub-home"
    (home / "keys").mkdir(parents=True)
    (home / "keys" / "audit-signing.key").write_text(b64(bytes(32)) + "\n")
    done = subprocess.run([sys.executable, "-m", "hub", "witness", "serve", "--log",
                           log.vkey()], env=witness_env(home, WITNESS), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "HUB_HOME of its own" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    nothing = subprocess.run([sys.executable, "-m", "hub", "witness", "serve"],
                             env=witness_env(tmp_path / "empty", WITNESS),
                             capture_output=True, text=True, timeout=60, check=False)
    assert nothing.returncode == 2
    assert "no log to witness" in nothing.stderr
