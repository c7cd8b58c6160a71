"""Issue 17, attacker's review of the witnessed audit trail: each test is an attack by someone
who runs the hub (write access to the database, and to HUB_HOME unless stated: so the audit
signing key too), or by someone on the network, and asserts the SAFE behaviour, so a failing
test is a live weakness (the application is not fixed here).

Attacks already covered by tests/application/test_witnessing.py, test_audit_tamper.py,
tests/integration/test_witness.py, test_audit_tiles_api.py and tests/unit/test_audit_verify.py
are not repeated here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.keys import KeyFiles
from domain.access import Purpose
from domain.audit import AuditKind
from hub.api.app import create_app
from hub.audit.checkpoints import CHECKPOINT_LOG_ID, LogMismatch
from hub.audit.cosignature import CosignatureSigner
from hub.audit.memory import SignerMemory
from hub.audit.merkle import EMPTY_ROOT, MerkleTree
from hub.audit.notes import Checkpoint, NoteSigner, parse_note
from hub.audit.trail import AUDIT_LOG_ID, audit_leaf_hash
from hub.audit.witnesses import Witnesses, parse_witnesses
from hub.bootstrap import Hub, bootstrap
from hub.cli import main
from hub.disclosure import ReadContext
from hub.settings import Settings
from hub.witness import Witness, open_witness, state_sizes
from tests.application.test_audit_tamper import Database
from tests.e2e.conftest import free_port
from tests.support import notification, postgres_schema, seed, submit
from tests.witness_support import RunningWitness, forget_memory, hub_verifier_key, witness_thread

ORIGIN = "safeguarding-hub/audit"
COUNTY = "county.example.gov.uk/witness"
IG = "ig.example.nhs.uk/witness"


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/hub.sqlite3"


@pytest.fixture
def witnesses(tmp_path: Path, home: Path) -> Iterator[list[RunningWitness]]:
    """Two witnesses, each in a HUB_HOME of its own, trusting the hub's audit key."""
    log = hub_verifier_key(home)
    with witness_thread(tmp_path / "w1", COUNTY, [log]) as one, \
            witness_thread(tmp_path / "w2", IG, [log]) as two:
        yield [one, two]


def settings(url: str, home: Path, witnesses: Sequence[RunningWitness] = ()) -> Settings:
    return Settings(store_url=url, home=home, audit_witnesses=parse_witnesses(
        ",".join(w.config for w in witnesses)))


def record(hub: Hub, count: int) -> None:
    for i in range(count):
        hub.audit.record(kind=AuditKind.DENIAL, action="read-chronology",
                         actor={"user_id": f"u{i}", "agency": "a", "agency_kind": "police",
                                "role": "police-officer"}, purpose="triage", details={"n": i})


def write(url: str, home: Path, witnesses: Sequence[RunningWitness], count: int) -> str:
    """Append ``count`` entries and sign a checkpoint (submitted to the witnesses)."""
    hub = bootstrap(settings(url, home, witnesses))
    try:
        record(hub, count)
        signed = hub.checkpoints.checkpoint(force=True)
        assert signed is not None
        return signed.note
    finally:
        hub.close()


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
        home: Path, witnesses: Sequence[RunningWitness], *args: str) -> tuple[int, str]:
    """``hub ARGS`` in this process; exit code and output. A traceback fails the test."""
    monkeypatch.setenv("HUB_STORE_URL", url)
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.setenv("HUB_AUDIT_WITNESSES", ",".join(w.config for w in witnesses))
    try:
        code = main(list(args))
    except Exception as error:  # main() let an exception out: a traceback for the user
        pytest.fail(f"hub {' '.join(args)} raised {type(error).__name__}: {error}")
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def relink(db: Database, k: int, size: int) -> None:
    """Edit entry ``k``, and make every later entry's ``previous`` name its new predecessor."""
    previous = None
    for index in range(k, size):
        state = json.loads(db.state(AUDIT_LOG_ID, index + 1))
        if index == k:
            state["details"] = {"n": "rewritten"}
        else:
            state["previous"] = previous
        stored = json.dumps(state, separators=(",", ":")).encode()
        db.set_state(AUDIT_LOG_ID, index + 1, stored)
        previous = audit_leaf_hash(index, stored).hex()


def size_of(url: str) -> int:
    return len(Database(url)._run("SELECT originator_version FROM {t} WHERE originator_id = %s",
                                  (AUDIT_LOG_ID,)))


def forge_with_the_stolen_key(url: str, home: Path) -> None:
    """The operator's rewrite: entry 12 edited, the chain re-linked, every checkpoint deleted,
    HUB_HOME's memory deleted, then the hub's own key (in HUB_HOME) signs the forged tree: the
    hub is simply run once with HUB_AUDIT_WITNESSES unset, as its operator may."""
    db = Database(url)
    relink(db, 12, size_of(url))
    db.delete_from(CHECKPOINT_LOG_ID, 1)
    forget_memory(home)
    hub = bootstrap(settings(url, home))
    try:
        assert hub.checkpoints.checkpoint(force=True) is not None
    finally:
        hub.close()


# --- 1. A rewrite re-signed with the hub's own key, HUB_HOME's memory rewritten -------------


def test_verify_catches_a_rewrite_re_signed_with_the_stolen_key(
        url: str, home: Path, tmp_path: Path, witnesses: list[RunningWitness],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The witnesses cosigned size N. The operator rewrites entry 12 < N, re-links the chain
    and re-signs a checkpoint of size N with the key from HUB_HOME. Each witness holds another
    root for size N: verify must ask it about that root, not only about its size."""
    write(url, home, witnesses, 29)
    size = size_of(url)
    assert all(state_sizes(w.home) == {ORIGIN: size} for w in witnesses)
    forge_with_the_stolen_key(url, home)

    code, out = cli(monkeypatch, capsys, url, home, witnesses, "audit", "verify")
    assert code == 1, out
    assert f"inconsistent with the witness {COUNTY}" in out

    # An auditor verifying an export offline, with the real key and the real witnesses.
    cli(monkeypatch, capsys, url, home, witnesses, "audit", "export", "--out",
        str(tmp_path / "evidence"))
    code, out = cli(monkeypatch, capsys, url, tmp_path / "auditor", witnesses, "audit",
                    "verify", "--export", str(tmp_path / "evidence"), "--public-key",
                    hub_verifier_key(home))
    assert code == 1, out


def test_the_checkpointer_refuses_to_sign_on_after_a_rewrite_with_the_stolen_key(
        url: str, home: Path, witnesses: list[RunningWitness]) -> None:
    """Same forgery; when the hub (with its witnesses again) has a new entry to checkpoint,
    the witnesses' consistency proofs fail and it stops, signing nothing more."""
    write(url, home, witnesses, 29)
    forge_with_the_stolen_key(url, home)
    hub = bootstrap(settings(url, home, witnesses))
    try:
        before = len(hub.checkpoints.all())
        record(hub, 1)
        with pytest.raises(LogMismatch, match="inconsistent with the witness"):
            hub.checkpoints.checkpoint(force=True)
        assert len(hub.checkpoints.all()) == before
    finally:
        hub.close()


# --- 2. The operator's configuration: no memory, no witness, or a witness of their own ------


def test_a_rollback_with_no_memory_and_no_witness_is_not_reported_intact(
        url: str, home: Path, tmp_path: Path, witnesses: list[RunningWitness],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Restore an older backup, delete HUB_HOME's last checkpoint, and unset
    HUB_AUDIT_WITNESSES: nothing left can prove the rollback, but verify must not call the
    trail intact without saying that nothing held it against a witness or a kept
    checkpoint."""
    write(url, home, witnesses, 10)
    backup = tmp_path / "backup.sqlite3"
    backup.write_bytes(Path(url.split("///", 1)[1]).read_bytes())
    write(url, home, witnesses, 10)
    Path(url.split("///", 1)[1]).write_bytes(backup.read_bytes())
    forget_memory(home)
    code, out = cli(monkeypatch, capsys, url, home, [], "audit", "verify")
    assert code != 0 or "witness" in out.lower(), out


def test_verify_does_not_make_a_witness_cosign(
        url: str, home: Path, tmp_path: Path, witnesses: list[RunningWitness],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``hub audit verify`` only reads. Shown to a witness that has cosigned nothing of the
    log (a witness the operator swapped in, or a new one) it must not commit that witness to
    the tree in this store (which may be a rolled-back copy), nor count its word as a check."""
    write(url, home, [], 20)  # signed before any witness was configured
    code, out = cli(monkeypatch, capsys, url, home, witnesses, "audit", "verify")
    assert all(state_sizes(w.home) == {} for w in witnesses), out
    assert code == 1 or "cannot be told" in out, out


# --- 3. HUB_HOME's memory damaged: refuse and raise the alarm, never loop in silence ---------


def _damage_memory(url: str, home: Path, how: str) -> None:
    memory = SignerMemory(home, url)
    if how == "not JSON":
        memory.path.write_text("{not json")
    elif how == "a note that is not a note":
        memory.path.write_text(json.dumps({"store": memory.store, "note": "garbage"}))
    elif how == "a checkpoint of no size":
        memory.path.write_text(json.dumps({"store": memory.store,
                                           "note": "origin\nx\nroot\n\n\u2014 a AAAAAAAA\n"}))


@pytest.mark.parametrize("how", ["not JSON", "a note that is not a note",
                                 "a checkpoint of no size"])
def test_a_damaged_memory_stops_the_checkpointer_with_the_alarm(
        url: str, home: Path, how: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    write(url, home, [], 5)
    _damage_memory(url, home, how)
    hub = bootstrap(settings(url, home))
    try:
        record(hub, 1)
        with pytest.raises(LogMismatch, match="damaged"):
            hub.checkpoints.checkpoint(force=True)
        stop = threading.Event()
        worker = threading.Thread(target=hub.checkpoints.run, args=(stop, 0.01), daemon=True)
        worker.start()
        worker.join(timeout=10)
        stop.set()
        worker.join(timeout=10)
        health = hub.checkpoints.health()
        assert health["alarm"] is True, health
        assert health["checkpointer"] == "stopped", health
    finally:
        hub.close()
    code, out = cli(monkeypatch, capsys, url, home, [], "audit", "checkpoint")
    assert code == 1, out


def test_an_unreadable_latest_checkpoint_in_the_store_raises_the_alarm(
        url: str, home: Path) -> None:
    """A DB-only attacker overwrites the latest checkpoint event's note with junk (keeping its
    size and root): the checkpointer must stop with the alarm, not retry in silence."""
    write(url, home, [], 5)
    db = Database(url)
    versions = db._run("SELECT originator_version FROM {t} WHERE originator_id = %s",
                       (CHECKPOINT_LOG_ID,))
    last = max(int(v) for (v,) in versions)
    state = json.loads(db.state(CHECKPOINT_LOG_ID, last))
    state["note"] = "junk"
    db.set_state(CHECKPOINT_LOG_ID, last, json.dumps(state).encode())
    forget_memory(home)  # the attacker has HUB_HOME too
    hub = bootstrap(settings(url, home))
    try:
        record(hub, 1)
        stop = threading.Event()
        worker = threading.Thread(target=hub.checkpoints.run, args=(stop, 0.01), daemon=True)
        worker.start()
        worker.join(timeout=10)
        stop.set()
        worker.join(timeout=10)
        assert hub.checkpoints.health()["alarm"] is True, hub.checkpoints.health()
    finally:
        hub.close()


# --- 4. Two hub pods racing to the witnesses --------------------------------------------------


def test_two_hub_processes_racing_to_a_witness_raise_no_false_rollback(
        url: str, tmp_path: Path) -> None:
    """Two `hub serve` pods on one database, each with its own HUB_HOME (the chart's default:
    an emptyDir each) and so its own signer lock, sign when due, at the same moment. Pod B's
    larger checkpoint reaches the witness first; pod A then hears 409 with B's size. Nothing
    was rolled back: A must look again, not stop with 'rolled back'."""
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    KeyFiles(home_a, may_generate=True).secret("audit-signing")
    (home_b / "keys").mkdir(parents=True)
    (home_b / "keys" / "audit-signing.key").write_bytes(
        (home_a / "keys" / "audit-signing.key").read_bytes())  # one key, from a Secret
    for name in ("link", "master"):
        KeyFiles(home_a, may_generate=True).secret(name)
        (home_b / "keys" / f"{name}.key").write_bytes(
            (home_a / "keys" / f"{name}.key").read_bytes())
    with witness_thread(tmp_path / "w", COUNTY, [hub_verifier_key(home_a)]) as witness:
        pod_a = bootstrap(settings(url, home_a, [witness]))
        pod_b = bootstrap(settings(url, home_b, [witness]))
        try:
            record(pod_a, 5)
            assert pod_a.checkpoints.checkpoint(force=True) is not None
            record(pod_a, 3)
            prepare = pod_a.checkpoints.witnesses.prepare

            def b_signs_first(kept: str | None, latest: str | None, size: int) -> None:
                record(pod_b, 4)  # B has more entries, and reaches the witness first
                assert pod_b.checkpoints.checkpoint(force=True) is not None
                prepare(kept, latest, size)

            pod_a.checkpoints.witnesses.prepare = b_signs_first  # type: ignore[method-assign]
            try:
                pod_a.checkpoints.checkpoint(force=True)
            except LogMismatch as error:
                pytest.fail(f"a false alarm stops pod A's checkpointer: {error}")
        finally:
            pod_a.close()
            pod_b.close()


def test_the_chart_keeps_the_signers_memory_across_pod_restarts() -> None:
    """With the recommended values (keys in a Secret) HUB_HOME is an emptyDir: the last
    checkpoint the hub signed (HUB_HOME/audit/) is lost at every pod restart, and each serve
    pod has its own signer lock. It must be on a volume that outlives the pod and is shared."""
    from tests.integration.test_deploy_files import CHART_VALUES, _deployments, _render, _values

    for values in CHART_VALUES:
        serve = _deployments(_render(_values(values)))["serve"]["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in serve["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in serve["containers"][0]["volumeMounts"]}
        audit = mounts.get("/var/lib/hub/audit", mounts["/var/lib/hub"])
        assert "persistentVolumeClaim" in volumes[audit], (values.name, volumes[audit])


def test_every_worker_shows_the_witness_alarm(url: str, home: Path) -> None:
    """`hub serve --workers 2`: two processes on one store and one HUB_HOME, each with its own
    checkpointer and its own view of the alarms. Worker A's checkpoint found the witness
    unreachable; worker B then polls (nothing due), and answers /readyz: the alarm must not
    depend on which worker the load balancer picked."""
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    vkey = CosignatureSigner.generate(IG).verifier_key()
    configured = Settings(store_url=url, home=home,
                          audit_witnesses=parse_witnesses(f"{vkey}@{closed}"))
    worker_a, worker_b = bootstrap(configured), bootstrap(configured)
    try:
        record(worker_a, 3)
        assert worker_a.checkpoints.checkpoint(force=True) is not None
        assert worker_a.checkpoints.health()["alarm"] is True
        worker_b.checkpoints.checkpoint()  # its own thread's poll: nothing new to sign
        with TestClient(create_app(worker_b, checkpointer=False)) as client:
            metrics = client.get("/metrics", headers={
                "Authorization": f"Bearer {worker_b.settings.resolved_metrics_token()}"}).text
        ready = worker_b.checkpoints.health()  # what its /readyz says (see the next test)
        assert ready["alarm"] is True, ready
        assert f'hub_audit_witness_up{{witness="{IG}"}} 0.0' in metrics
    finally:
        worker_a.close()
        worker_b.close()


# --- 5. The witness itself, attacked with hostile add-checkpoint requests ---------------------


class Log:
    """A log signed with a key the witness trusts (the hub's, stolen: the operator's)."""

    def __init__(self, signer: NoteSigner | None = None) -> None:
        self.signer = signer or NoteSigner.generate(ORIGIN)
        self.leaves = [hashlib.sha256(f"entry {i}".encode()).digest() for i in range(300)]

    def tree(self, size: int, fork_at: int | None = None) -> MerkleTree:
        leaves = list(self.leaves[:size])
        if fork_at is not None:
            leaves[fork_at] = hashlib.sha256(b"forked").digest()
        return MerkleTree(leaves)

    def note(self, size: int, fork_at: int | None = None, extra: str = "") -> str:
        root = self.tree(size, fork_at).root() if size else EMPTY_ROOT
        return self.signer.sign(Checkpoint(ORIGIN, size, root).body() + extra)

    def request(self, old: int, size: int, fork_at: int | None = None) -> bytes:
        proof = self.tree(size, fork_at).consistency_proof(old, size) if 0 < old < size else []
        lines = [f"old {old}\n", *(base64.b64encode(h).decode() + "\n" for h in proof), "\n"]
        return ("".join(lines) + self.note(size, fork_at)).encode()


def _witness(home: Path, log: Log) -> Witness:
    return open_witness(home, COUNTY, [log.signer.verifier_key()], may_generate=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_the_witness_refuses_hostile_requests_and_keeps_its_size(tmp_path: Path) -> None:
    log = Log()
    witness = _witness(tmp_path / "w", log)
    try:
        assert witness.add_checkpoint(log.request(0, 5)).status == 200
        text = Checkpoint(ORIGIN, 9, log.tree(9).root()).body()
        proof = log.tree(9).consistency_proof(5, 9)
        head = "old 5\n" + "".join(_b64(h) + "\n" for h in proof) + "\n"
        impostor = NoteSigner.generate(ORIGIN)
        non_canonical = _b64(proof[0])[:-2] + ("B" if _b64(proof[0])[-2] != "B" else "C") + "="
        hostile = {
            "signed by another key of the same origin": (head + impostor.sign(text)).encode(),
            "the log's signature moved onto a forked tree's text":
                (head + Checkpoint(ORIGIN, 9, log.tree(9, fork_at=6).root()).body() + "\n"
                 + log.note(9).split("\n\n", 1)[1]).encode(),
            "size 2^64": (head + log.signer.sign(
                f"{ORIGIN}\n18446744073709551616\n{_b64(bytes(32))}\n")).encode(),
            "size with a leading zero": (head + log.signer.sign(
                f"{ORIGIN}\n09\n{_b64(log.tree(9).root())}\n")).encode(),
            "old 2^64": ("old 18446744073709551616\n\n" + log.note(9)).encode(),
            "old with a plus sign": ("old +5\n" + head[6:] + log.note(9)).encode(),
            "CRLF line ends": (head + log.note(9)).replace("\n", "\r\n").encode(),
            "a non-canonical proof line": (
                "old 5\n" + non_canonical + "\n"
                + "".join(_b64(h) + "\n" for h in proof[1:]) + "\n" + log.note(9)).encode(),
            "a proof line of 31 bytes": ("old 5\n" + _b64(bytes(31)) + "\n\n"
                                         + log.note(9)).encode(),
            "a huge proof": ("old 5\n" + (_b64(bytes(32)) + "\n") * 63 + "\n"
                             + log.note(9)).encode(),
            "a body over 64 KiB": ("old 5\n\n" + log.note(9)).encode() + b" " * 70_000,
            "a tree of 2^64-1 leaves with a made-up proof": (
                "old 5\n" + (_b64(bytes(32)) + "\n") * 63 + "\n" + log.signer.sign(
                    f"{ORIGIN}\n18446744073709551615\n{_b64(bytes(32))}\n")).encode(),
            "a fork of the same size": log.request(5, 5, fork_at=2),
            "a fork that grew": log.request(5, 9, fork_at=2),
            "a smaller tree": ("old 5\n\n" + log.note(3)).encode(),
            "an empty tree with another root": ("old 0\n\n" + log.signer.sign(
                f"{ORIGIN}\n0\n{_b64(bytes(32))}\n")).encode(),
            "not UTF-8": b"old 5\n\n\xff\xfe" + log.note(9).encode(),
            "an extra blank line inside the checkpoint": (head + log.signer.sign(
                text + "\nextension\n")).encode(),
        }
        for what, body in hostile.items():
            answer = witness.add_checkpoint(body)
            assert answer.status in (400, 403, 409, 422), (what, answer)
            assert witness.state.size_of(ORIGIN) == 5, what
        assert witness.add_checkpoint(log.request(5, 9)).status == 200  # the honest log goes on
    finally:
        witness.state.close()


def test_racing_forks_at_two_witness_processes_on_one_state(tmp_path: Path) -> None:
    """Two `hub witness serve` processes on one HUB_HOME (two WitnessStates, two SQLite
    connections) and many requests at once, half of one fork, half of another: only one fork
    is ever cosigned."""
    log = Log()
    first = _witness(tmp_path / "w", log)
    second = _witness(tmp_path / "w", log)
    try:
        assert first.add_checkpoint(log.request(0, 5)).status == 200
        requests = [(first if i % 2 else second, log.request(5, 40 + i % 3,
                                                              fork_at=None if i % 4 < 2 else 7))
                    for i in range(24)]
        with ThreadPoolExecutor(max_workers=24) as pool:
            answers = list(pool.map(lambda r: r[0].add_checkpoint(r[1]), requests))
        cosigned = {i % 4 < 2 for i, a in enumerate(answers) if a.status == 200}
        assert len(cosigned) == 1, [a.status for a in answers]
        size = first.state.size_of(ORIGIN)
        assert size in (40, 41, 42)
    finally:
        first.state.close()
        second.state.close()


def test_a_witness_that_lost_its_state_does_not_start_afresh(tmp_path: Path) -> None:
    """The witness's memory is what makes it a witness. Its key is still there but its state
    was truncated (or restored from an old backup, or deleted): starting afresh, it would
    cosign any tree, a rolled-back one included. It must refuse to start until its operator
    says so."""
    log = Log()
    home = tmp_path / "w"
    witness = _witness(home, log)
    assert witness.add_checkpoint(log.request(0, 50)).status == 200
    witness.state.close()
    (home / "witness.sqlite3").write_bytes(b"")  # truncated
    for suffix in ("-wal", "-shm"):
        (home / f"witness.sqlite3{suffix}").unlink(missing_ok=True)
    try:
        again = _witness(home, log)
    except ValueError:
        return  # refused: safe
    try:
        answer = again.add_checkpoint(log.request(0, 10))
        assert answer.status != 200, "a witness with its key and no memory cosigned size 10"
    finally:
        again.state.close()


def test_a_corrupt_witness_state_is_a_clean_error(tmp_path: Path) -> None:
    log = Log()
    home = tmp_path / "w"
    _witness(home, log).state.close()
    (home / "witness.sqlite3").write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (home / f"witness.sqlite3{suffix}").unlink(missing_ok=True)
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("HUB_")}
    env.update(HUB_HOME=str(home), HUB_WITNESS_NAME=COUNTY)
    try:
        done = subprocess.run([sys.executable, "-m", "hub", "witness", "serve", "--port",
                               str(free_port()), "--log", log.signer.verifier_key()],
                              env=env, capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("hub witness serve started on a corrupt state file")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def _raw_http(url: str, request: bytes, wait: float) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as connection:
        connection.sendall(request)
        try:
            return connection.recv(4096)
        except TimeoutError:
            return b"(no answer)"


@pytest.mark.parametrize("length", ["\u00b2", "-1", "1e3", "99999999999999999999999"])
def test_the_witness_answers_any_content_length(tmp_path: Path, length: str) -> None:
    with witness_thread(tmp_path / "w", COUNTY, [Log().signer.verifier_key()]) as running:
        answer = _raw_http(running.url, b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n"
                           b"Content-Length: " + length.encode("latin-1") + b"\r\n\r\n", 10)
    assert answer.startswith(b"HTTP/1.1 4"), answer


def test_the_witness_drops_a_request_that_never_arrives(tmp_path: Path) -> None:
    """Slowloris: a connection that promises a body and never sends it holds one of the
    witness's threads for ever (no socket timeout); enough of them and the hub's checkpoints
    go unwitnessed. The witness must give up on it (here: within 35 seconds)."""
    with witness_thread(tmp_path / "w", COUNTY, [Log().signer.verifier_key()]) as running:
        started = time.monotonic()
        answer = _raw_http(running.url, b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n"
                           b"Content-Length: 100\r\n\r\n", 35)
    assert answer != b"(no answer)", f"still waiting after {time.monotonic() - started:.0f} s"


# --- 6. The HTTP side: /readyz, public checkpoint and tiles, entry bundles --------------------


@pytest.fixture
def api(url: str, home: Path) -> Iterator[tuple[TestClient, Hub, dict[str, str], str]]:
    hub = bootstrap(settings(url, home))
    tokens = seed(hub)
    child_id = submit(hub, "notts-police", notification()).child_ids[0]
    mash = hub.registry.authenticate(tokens["city-mash"])
    for _ in range(20):
        hub.disclosure.chronology(ReadContext(mash, Purpose.TRIAGE, "MASH-2026/000123"),
                                  child_id)
    hub.checkpoints.checkpoint(force=True)
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield client, hub, tokens, str(child_id)
    hub.close()


def test_readyz_answers_with_the_audit_alarm(
        api: tuple[TestClient, Hub, dict[str, str], str]) -> None:
    """The readiness probe of every serve pod, and where operators see the audit alarm: its
    answer must pass the route's own response model."""
    client, _, _, _ = api
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json()["audit"]["alarm"] is False


HOSTILE_TILES = [
    "0/%2e%2e/entries/000", "..%2fentries%2f000", "0/..%2f..%2f..%2fetc%2fpasswd", "-1/000",
    "0/-01", "64/000", "00/000", "0/000.p/0", "0/000.p/256", "0/000.p/00", "0/000.p/01",
    "0/000.p/-1", "0/000.p/1.p/1", "0/000.p/1/", "0/000/", "0/x000/000", "0/x000/001",
    "0/1000", "0/0000", "0/x999/x999/x999/x999/x999/x999/x999/999",
    "0/x001/x000/x000/x000/x000/x000/x000/x000/000", "63/000.p/1", "63/000", "0/%00",
    "0/000%00", "0/%D9%A0%D9%A0%D9%A0", "0/+00", "0/%20000", "0/0x0", "ENTRIES/000",
    "Entries/000", "0/000.P/1", "0/000.p/1%2F", "0/000.p/%2B1", "1/x1/000", "0/x01/000",
]


@pytest.mark.parametrize("path", HOSTILE_TILES)
def test_hostile_tile_paths_are_not_found(
        api: tuple[TestClient, Hub, dict[str, str], str], path: str) -> None:
    client, hub, _, _ = api
    before = hub.audit.size()
    answer = client.get(f"/v1/audit/tile/{path}")
    assert answer.status_code == 404, (path, answer.status_code, answer.content[:80])
    assert hub.audit.size() == before


def test_the_public_checkpoint_and_tiles_hold_nothing_personal(
        api: tuple[TestClient, Hub, dict[str, str], str]) -> None:
    client, hub, tokens, child_id = api
    checkpoint = client.get("/v1/audit/checkpoint")
    assert checkpoint.status_code == 200
    size = Checkpoint.parse(parse_note(checkpoint.text)[0]).size
    public = checkpoint.content
    for n in range(size // 256 + 1):
        width = min(256, size - n * 256)
        path = f"0/{n:03d}" + ("" if width == 256 else f".p/{width}")
        tile = client.get(f"/v1/audit/tile/{path}")
        assert tile.status_code == 200, path
        assert len(tile.content) == 32 * width
        public += tile.content
    readers = [hub.registry.authenticate(t) for t in tokens.values()]
    secrets = [child_id, child_id.replace("-", ""), "MASH-2026/000123", "triage",
               *(r.user_id for r in readers), *(r.agency_id for r in readers),
               "Hart", "Amy", "Staff", "police-officer"]
    for secret in secrets:
        assert str(secret).encode() not in public, secret
        assert str(secret).encode() not in base64.b64decode(
            base64.b64encode(public)), secret
    # The entry bundle of the same range is not public.
    assert client.get("/v1/audit/tile/entries/000.p/1").status_code == 401


def test_a_non_auditor_probing_entry_bundles_is_refused_and_audited(
        api: tuple[TestClient, Hub, dict[str, str], str]) -> None:
    """Entry bundles are auditors' only and every call is audited: a MASH worker asking for a
    bundle beyond the signed tree (or a malformed one) is refused, and the refusal is an
    entry, as it is for a bundle within it."""
    client, hub, tokens, _ = api
    mash = {"Authorization": f"Bearer {tokens['city-mash']}"}
    for path in ("x001/000", "000.p/0"):
        before = hub.audit.size()
        answer = client.get(f"/v1/audit/tile/entries/{path}", headers=mash)
        assert answer.status_code == 403, (path, answer.status_code)
        assert hub.audit.size() == before + 1, path
        [entry] = hub.audit.entries(before)
        assert entry.kind == "denial"


# --- 7. Export and offline verification ---------------------------------------------------


def test_export_reads_no_private_key(url: str, home: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`hub audit export` only reads, and reads no private key: without the published
    verifier key it must not fall back to the signing key."""
    write(url, home, [], 5)
    (home / "audit" / "verifier-key").unlink()
    read: list[str] = []
    secret = KeyFiles.secret

    def spy(self: KeyFiles, name: str) -> bytes:
        read.append(name)
        return secret(self, name)

    monkeypatch.setattr(KeyFiles, "secret", spy)
    cli(monkeypatch, capsys, url, home, [], "audit", "export", "--out", str(tmp_path / "x"))
    assert "audit-signing" not in read


def test_verify_with_a_public_key_file_that_is_not_text(
        url: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    write(url, home, [], 5)
    cli(monkeypatch, capsys, url, home, [], "audit", "export", "--out", str(tmp_path / "b"))
    binary = tmp_path / "key.bin"
    binary.write_bytes(b"\xff\xfe\x00" * 20)
    code, out = cli(monkeypatch, capsys, url, tmp_path / "auditor", [], "audit", "verify",
                    "--export", str(tmp_path / "b"), "--public-key", str(binary))
    assert code == 2, out


def test_a_bundle_re_signed_by_another_key_does_not_verify(
        url: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The operator edits an entry in the export and re-signs every checkpoint with a key of
    their own, putting its verifier key in the bundle's public-key file; the auditor gives the
    real key. Nor is a signing key accepted as the verifier key, nor a trusted checkpoint
    signed by another key."""
    write(url, home, [], 30)
    bundle = tmp_path / "bundle"
    cli(monkeypatch, capsys, url, home, [], "audit", "export", "--out", str(bundle))
    real = (home / "audit" / "verifier-key").read_text().strip()
    forger = NoteSigner.generate(ORIGIN)
    lines = (bundle / "entries.jsonl").read_text().splitlines()
    edited = json.loads(lines[7])
    stored = json.loads(base64.b64decode(edited["stored"]))
    stored["purpose"] = "audit"
    edited["stored"] = _b64(json.dumps(stored, separators=(",", ":")).encode())
    lines[7] = json.dumps(edited)
    leaves = []
    previous = ""
    for number, line in enumerate(lines):  # re-link the whole chain
        item = json.loads(line)
        entry = json.loads(base64.b64decode(item["stored"]))
        entry["previous"] = previous
        raw = json.dumps(entry, separators=(",", ":")).encode()
        item["stored"] = _b64(raw)
        lines[number] = json.dumps(item)
        previous = audit_leaf_hash(number, raw).hex()
        leaves.append(audit_leaf_hash(number, raw))
    (bundle / "entries.jsonl").write_text("\n".join(lines) + "\n")
    for note in (bundle / "checkpoints").iterdir():
        size = Checkpoint.parse(parse_note(note.read_text())[0]).size
        note.write_text(forger.sign(Checkpoint(ORIGIN, size,
                                               MerkleTree(leaves[:size]).root()).body()))
    (bundle / "public-key").write_text(forger.verifier_key() + "\n")

    code, out = cli(monkeypatch, capsys, url, tmp_path / "auditor", [], "audit", "verify",
                    "--export", str(bundle), "--public-key", real)
    assert code == 1, out
    code, out = cli(monkeypatch, capsys, url, tmp_path / "auditor", [], "audit", "verify",
                    "--export", str(bundle), "--public-key",
                    str(home / "keys" / "audit-signing.key"))
    assert code == 2, out
    kept = tmp_path / "kept.note"
    kept.write_text(forger.sign(Checkpoint(ORIGIN, 999, bytes(32)).body()))
    code, out = cli(monkeypatch, capsys, url, home, [], "audit", "verify",
                    "--trusted-checkpoint", str(kept))
    assert code == 1, out
    assert "trusted checkpoint is not signed by the trusted key" in out


@pytest.mark.postgres
def test_every_row_deleted_by_sql_on_postgresql(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    log = hub_verifier_key(home)
    with postgres_schema() as pg, witness_thread(tmp_path / "w1", COUNTY, [log]) as witness:
        write(pg, home, [witness], 25)
        db = Database(pg)
        db.delete_from(AUDIT_LOG_ID, 1)
        db.delete_from(CHECKPOINT_LOG_ID, 1)
        code, out = cli(monkeypatch, capsys, pg, home, [], "audit", "verify")
        assert code == 1, out
        assert "rolled back" in out
        forget_memory(home)
        code, out = cli(monkeypatch, capsys, pg, home, [witness], "audit", "verify")
        assert code == 1, out
        assert COUNTY in out
        hub = bootstrap(settings(pg, home, [witness]))
        try:
            record(hub, 1)
            with pytest.raises(LogMismatch, match=f"rolled back: the witness {COUNTY}"):
                hub.checkpoints.checkpoint(force=True)
        finally:
            hub.close()
        assert state_sizes(witness.home) == {ORIGIN: 26}


# --- 8. What a witness answers, from the hub's side -------------------------------------------


class Scripted:
    """A witness (or a man in the middle) that answers what the test says."""

    answer: tuple[int, str, bytes] = (500, "text/plain", b"")

    def __init__(self, url: str, timeout: float) -> None:
        del url, timeout

    def add_checkpoint(self, body: bytes) -> tuple[int, str, bytes]:
        del body
        return Scripted.answer

    def close(self) -> None:
        pass


def test_replayed_foreign_or_bogus_cosignatures_are_not_kept() -> None:
    log = Log()
    witness = CosignatureSigner.generate(COUNTY)
    other = CosignatureSigner.generate(COUNTY)  # same name, another key
    configured = Witnesses(parse_witnesses(f"{witness.verifier_key()}@http://w.example"),
                           transport=Scripted)
    old_text = Checkpoint(ORIGIN, 5, log.tree(5).root()).body()
    new = Checkpoint(ORIGIN, 9, log.tree(9).root())
    note = log.signer.sign(new.body())
    answers = {
        "its cosignature of an older checkpoint": witness.cosign(old_text, 1).line(),
        "another key's cosignature under its name": other.cosign(new.body(), 1).line(),
        "its cosignature with the timestamp changed":
            witness.cosign(new.body(), 1).line()[:-8] + witness.cosign(new.body(), 2
                                                                       ).line()[-8:],
        "the hub's own signature line": note.split("\n\n", 1)[1],
    }
    for what, body in answers.items():
        Scripted.answer = (200, "text/plain", body.encode())
        assert configured.cosign(note, new, lambda a, b: log.tree(9).consistency_proof(a, b)) \
            == [], what
        [state] = configured.status()
        assert state["ok"] is False, what
    Scripted.answer = (200, "text/plain", witness.cosign(new.body(), 7).line().encode())
    assert len(configured.cosign(note, new, lambda a, b: [])) == 1


def test_production_refuses_witnesses_over_plain_http() -> None:
    """Production refuses unencrypted Kafka; a witness over plain HTTP lets anyone on the path
    answer 409 with any size (stopping the checkpointer) or hide the witness."""
    from hub.settings import SettingsError

    vkey = CosignatureSigner.generate(COUNTY).verifier_key()
    with pytest.raises(SettingsError, match="HUB_AUDIT_WITNESSES"):
        Settings.from_env({"HUB_ENV": "production", "HUB_STORE_URL": "postgresql://h/db",
                           "HUB_METRICS_TOKEN": "f" * 64,
                           "HUB_AUDIT_WITNESSES": f"{vkey}@http://witness.example.org"})


# --- 9. HUB_HOME's memory bypassed without touching HUB_HOME; a witness that stalls -----------


def test_the_memory_cannot_be_bypassed_by_naming_the_store_another_way(
        url: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Only the database is restored (HUB_HOME untouched, no witness): HUB_HOME's memory
    catches it. But the memory is keyed by the store's URL, so the same file named another
    way (here `/./`) has no memory: verify says intact and the hub signs the rolled-back
    tree. The memory should be per log (origin and key), not per spelling of a URL."""
    write(url, home, [], 10)
    database = Path(url.split("///", 1)[1])
    backup = tmp_path / "backup.sqlite3"
    backup.write_bytes(database.read_bytes())
    write(url, home, [], 10)
    database.write_bytes(backup.read_bytes())
    code, out = cli(monkeypatch, capsys, url, home, [], "audit", "verify")
    assert code == 1, out  # as the store is usually named
    assert "rolled back" in out, out
    alias = f"sqlite:///{database.parent}/./{database.name}"
    code, out = cli(monkeypatch, capsys, alias, home, [], "audit", "verify")
    assert code == 1, out
    assert "rolled back" in out, out
    hub = bootstrap(settings(alias, home))
    try:
        record(hub, 1)
        with pytest.raises(LogMismatch, match="rolled back"):
            hub.checkpoints.checkpoint(force=True)
    finally:
        hub.close()


class _Trickle(threading.Thread):
    """A witness (or a man in the middle) that answers 200 and then sends its body one byte a
    second: each read is within the client's 5-second timeout."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.done = threading.Event()

    def run(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               b"Content-Length: 60\r\n\r\n")
            for _ in range(60):
                if self.done.wait(1.0):
                    return
                try:
                    connection.sendall(b"x")
                except OSError:
                    return

    def stop(self) -> None:
        self.done.set()
        self.server.close()


def test_a_stalling_witness_does_not_hold_the_checkpointer(url: str, home: Path) -> None:
    """While the checkpointer waits on a witness it holds the signer's lock: no worker signs,
    and no alarm is raised. A submission must have a deadline as a whole (here: 15 s)."""
    trickle = _Trickle()
    trickle.start()
    vkey = CosignatureSigner.generate(IG).verifier_key()
    hub = bootstrap(Settings(store_url=url, home=home, audit_witnesses=parse_witnesses(
        f"{vkey}@http://127.0.0.1:{trickle.port}")))
    finished = threading.Event()

    def sign() -> None:
        hub.checkpoints.checkpoint(force=True)
        finished.set()

    signer = threading.Thread(target=sign, daemon=True)
    try:
        record(hub, 3)
        signer.start()
        assert finished.wait(15), "the checkpointer is still waiting on the witness"
        assert hub.checkpoints.health()["alarm"] is True
    finally:
        trickle.stop()
        if signer.is_alive():
            signer.join(timeout=90)  # the witness is gone: the read fails, the thread ends
        hub.close()
