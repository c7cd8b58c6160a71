"""The container image, built from the Dockerfile and run with Podman.

Slow (it builds the image) and needs root and Podman, so it runs only when asked:
``HUB_TEST_IMAGE=1`` (``make test-image``). It builds FROM a local base image (no public
registry needed): ``HUB_TEST_BASE_IMAGE``, default ``localhost/debian-python:bookworm``,
made with deploy/container/make-local-base.sh (debootstrap) when missing.

What it checks, each as the compose file and the chart run the image:
- the image: a fixed non-root user, the health check, nothing in HUB_HOME, no pip;
- development: the default command with a read-only root, no capabilities and no network
  at all; the health check, one agency, one person and one notification, all inside;
- production against the PostgreSQL at 127.0.0.1:5432 (``--network host``, each server on
  127.0.0.1): keys made by ``hub keys init`` on the volume, the roles and grants of
  deploy/postgres-grants.sql, the first start as the owner role, then ``hub serve``,
  ``hub ingest`` and ``hub relay`` as the app role, with their secrets read from files,
  ingest and relay over mutual TLS (certificates from deploy/compose/init-secrets.sh) to a
  Kafka-protocol broker (tansu, behind a TLS listener).

``HUB_TEST_PODMAN`` is the Podman command (default ``podman``). Where the default runtime
cannot start containers (crun on a hybrid cgroup host, or limits the host may not raise),
the test retries with ``--runtime runc`` and lower ulimits, and says so.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer

from tests.integration.kafka_broker import Outage, free_port, tansu
from tests.support import POSTGRES, notification, require_postgres

pytestmark = pytest.mark.skipif(
    os.environ.get("HUB_TEST_IMAGE") != "1",
    reason="the image test builds and runs containers (slow, root, Podman): "
           "HUB_TEST_IMAGE=1, or make test-image")

ROOT = Path(__file__).resolve().parents[2]
BASE = os.environ.get("HUB_TEST_BASE_IMAGE", "localhost/debian-python:bookworm")
IMAGE = os.environ.get("HUB_TEST_IMAGE_NAME", "localhost/safeguarding-hub:test")
ENGINE = shlex.split(os.environ.get("HUB_TEST_PODMAN", "podman"))
# What this kind of sandbox needs: runc (crun refuses hybrid cgroups) and limits no higher
# than the host's own.
SANDBOX_GLOBAL = ["--runtime", "runc"]
SANDBOX_LIMITS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]
LOCKED = ["--read-only", "--tmpfs", "/tmp:size=64m,mode=1777", "--cap-drop", "ALL",
          "--security-opt", "no-new-privileges"]
AUDIT_ORIGIN = "safeguarding-hub.test/audit"


@dataclass
class Podman:
    command: list[str]
    limits: list[str] = field(default_factory=list)
    made: list[tuple[str, str]] = field(default_factory=list)  # (kind, name) to remove

    def __call__(self, *args: str, timeout: float = 120,
                 check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self.command, *args], capture_output=True, text=True,
                              timeout=timeout, check=False, cwd=ROOT)
        if check:
            assert done.returncode == 0, f"{shlex.join(args)}: {done.stdout}{done.stderr}"
        return done

    def run(self, *args: str, timeout: float = 120,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        """podman run with the limits this host needs."""
        return self("run", *self.limits, *args, timeout=timeout, check=check)

    def volume(self) -> str:
        name = f"hub-test-{uuid.uuid4().hex[:10]}"
        self("volume", "create", name)
        self.made.append(("volume", name))
        return name

    def start(self, name: str, *args: str) -> str:
        self.made.append(("container", name))
        self.run("-d", "--name", name, *args)
        return name

    def logs(self, name: str) -> str:
        done = self("logs", name, check=False)
        return done.stdout + done.stderr

    def clean(self) -> None:
        for kind, name in reversed(self.made):
            if kind == "container":
                self("rm", "-f", "-t", "5", name, check=False)
            else:
                self("volume", "rm", "-f", name, check=False)
        self.made.clear()


@pytest.fixture(scope="module")
def podman() -> Iterator[Podman]:
    if shutil.which(ENGINE[0]) is None:
        pytest.fail(f"HUB_TEST_IMAGE=1 but {ENGINE[0]} is not installed "
                    "(apt-get install -y podman runc)")
    if os.geteuid() != 0:
        pytest.fail("HUB_TEST_IMAGE=1 needs root (rootful Podman, debootstrap)")
    engine = Podman(list(ENGINE))
    if engine("image", "exists", BASE, check=False).returncode != 0:
        made = subprocess.run(
            ["bash", str(ROOT / "deploy" / "container" / "make-local-base.sh")],
            env={**os.environ, "BASE_IMAGE": BASE, "PODMAN": shlex.join(ENGINE),
                 "SMOKE_TEST": "0"},
            capture_output=True, text=True, timeout=1200, check=False)
        assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    probe = engine.run("--rm", "--network", "none", BASE, "true", check=False)
    if probe.returncode != 0:
        sandboxed = Podman([*ENGINE, *SANDBOX_GLOBAL], SANDBOX_LIMITS)
        second = sandboxed.run("--rm", "--network", "none", BASE, "true", check=False)
        assert second.returncode == 0, (
            f"cannot start a container: {probe.stderr.strip()}; with runc and lower "
            f"limits: {second.stderr.strip()}")
        print(f"!!! podman's defaults cannot start containers here ({probe.stderr.strip()});"
              f" using {shlex.join(SANDBOX_GLOBAL + SANDBOX_LIMITS)} !!!")
        engine = sandboxed
    try:
        yield engine
    finally:
        engine.clean()


@pytest.fixture(scope="module")
def image(podman: Podman) -> str:
    """The image, built from the repository's Dockerfile on the local base."""
    build = ["build", "--format", "docker", *podman.limits, "--build-arg",
             f"BASE_IMAGE={BASE}", "-t", IMAGE, "-f", "Dockerfile", "."]
    cert = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    if cert and Path(cert).is_file():  # a TLS-inspecting proxy's CA, for pip in the build
        build[1:1] = ["--secret", f"id=pip_cert,src={cert}"]
    done = podman(*build, timeout=1800)
    assert "Successfully tagged" in done.stdout + done.stderr
    return IMAGE


def _inspect(podman: Podman, what: str, name: str) -> Any:
    (found,) = json.loads(podman(what, "inspect", name).stdout)
    return found


def test_the_image_runs_as_a_fixed_non_root_user_and_holds_nothing_secret(
        podman: Podman, image: str) -> None:
    inspected = _inspect(podman, "image", image)
    config = inspected["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["hub-entrypoint"]
    assert config["Cmd"] == ["hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
    # Podman shows the Docker-format image's HEALTHCHECK beside Config, not in it.
    health = inspected.get("Healthcheck") or config.get("Healthcheck")
    assert health["Test"] == ["CMD", "hub-healthcheck"]
    for variable in config["Env"]:
        assert not re.search(r"PASSWORD|TOKEN|SECRET|STORE_URL|PIP_CERT", variable), variable
    inside = podman.run("--rm", "--network", "none", image, "sh", "-c",
                        "id -u; id -g; ls -A /var/lib/hub | wc -l; "
                        "python3 -m pip --version >/dev/null 2>&1 && echo pip || echo no-pip; "
                        "ls /src /dist 2>/dev/null | wc -l; hub --help >/dev/null && echo hub")
    assert inside.stdout.split() == ["10001", "10001", "0", "no-pip", "0", "hub"], inside.stdout


def _wait(check: Any, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(1)


def _register(podman: Podman, container: str) -> str:
    """An agency and one person in it, by the CLI inside the container; their token."""
    podman("exec", container, "hub", "agencies", "add", "--id", "notts-police", "--kind",
           "police", "--name", "Nottinghamshire Police")
    added = podman("exec", "-e", "LOGNAME=image-test", container, "hub", "users", "add",
                   "--agency", "notts-police", "--role", "police-officer", "--name", "PC Test")
    return added.stdout.strip().splitlines()[-1]


def test_the_default_command_serves_with_a_read_only_root_and_no_network(
        podman: Podman, image: str) -> None:
    home = podman.volume()
    name = podman.start(f"hub-dev-{uuid.uuid4().hex[:8]}", "--network", "none", *LOCKED,
                        "-v", f"{home}:/var/lib/hub", image)

    def healthy() -> bool:
        return podman("healthcheck", "run", name, check=False).returncode == 0

    _wait(healthy, "the image's health check")
    token = _register(podman, name)
    body = json.dumps(notification())
    post = ("import json, os, urllib.request\n"
            "request = urllib.request.Request('http://127.0.0.1:8000/v1/notifications',\n"
            "    data=os.environ['BODY'].encode(), method='POST', headers={\n"
            "    'Authorization': 'Bearer ' + os.environ['TOKEN'],\n"
            "    'Content-Type': 'application/json'})\n"
            "with urllib.request.urlopen(request) as response:\n"
            "    print(response.status, response.read().decode())\n")
    sent = podman("exec", "-e", f"TOKEN={token}", "-e", f"BODY={body}", name, "python3", "-c",
                  post)
    status, answer = sent.stdout.split(" ", 1)
    assert status == "201", podman.logs(name)
    assert len(json.loads(answer)["child_ids"]) == 1
    # The root file system is read-only; only HUB_HOME (the volume) and /tmp take writes.
    assert podman("exec", name, "touch", "/opt/hub/x", check=False).returncode != 0
    assert podman("exec", name, "touch", "/var/lib/hub/x", "/tmp/x", check=False).returncode == 0
    listing = podman("exec", name, "ls", "/var/lib/hub/keys").stdout.split()
    assert {"link.key", "master.key", "audit-signing.key"} <= set(listing)
    podman("stop", "-t", "30", name, timeout=60)
    assert _inspect(podman, "container", name)["State"]["ExitCode"] == 0, podman.logs(name)


# --- production, PostgreSQL, Kafka over mutual TLS ------------------------------------------


@dataclass
class Database:
    name: str
    roles: dict[str, str]  # owner, app, backup -> role name
    passwords: dict[str, str]

    def url(self, role: str) -> str:
        return (f"postgresql://{self.roles[role]}:{self.passwords[role]}@127.0.0.1:5432/"
                f"{self.name}?schema=hub&lock_timeout=5")

    def grants(self) -> None:
        """deploy/postgres-grants.sql, as compose's postgres-init.sh and db-grants run it."""
        psql = shutil.which("psql")
        assert psql
        done = subprocess.run(
            [psql, "-h", "127.0.0.1", "-U", "postgres", "-d", self.name, "-q",
             "-v", "ON_ERROR_STOP=1", "-v", "schema=hub", "-v", "app_connections=60",
             *[f"--variable={kind}_role={role}" for kind, role in self.roles.items()],
             "-f", str(ROOT / "deploy" / "postgres-grants.sql")],
            capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr


@pytest.fixture
def database() -> Iterator[Database]:
    require_postgres()
    if shutil.which("psql") is None:
        pytest.skip("!!! SKIPPED: psql is not installed: deploy/postgres-grants.sql needs it "
                    "(apt-get install postgresql-client) !!!")
    tag = uuid.uuid4().hex[:10]
    db = Database(f"hub_image_{tag}",
                  {k: f"hubimg_{tag}_{k}" for k in ("owner", "app", "backup")},
                  {k: secrets.token_hex(16) for k in ("owner", "app", "backup")})
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db.name}"')
    try:
        db.grants()
        with psycopg.connect(POSTGRES.replace("dbname=test", f"dbname={db.name}"),
                             autocommit=True) as conn:
            for kind, role in db.roles.items():
                conn.execute(f"ALTER ROLE \"{role}\" PASSWORD '{db.passwords[kind]}'")
        yield db
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
            for role in db.roles.values():
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def _secret_files(folder: Path, values: dict[str, str]) -> list[str]:
    """Files holding secrets, mounted read-only at /run/secrets/NAME as compose does."""
    folder.mkdir(mode=0o700)
    mounts = []
    for name, value in values.items():
        path = folder / name
        path.write_text(value)
        path.chmod(0o444)  # read inside the container by the hub's user; the folder is 0700
        mounts += ["-v", f"{path}:/run/secrets/{name}:ro"]
    return mounts


def _get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}
                                     if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _post(url: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status), json.loads(response.read())


def _tls_material(folder: Path) -> Path:
    """deploy/compose/init-secrets.sh's files, the broker's certificate naming 127.0.0.1."""
    done = subprocess.run(["bash", str(ROOT / "deploy" / "compose" / "init-secrets.sh")],
                          env={**os.environ, "SECRETS_DIR": str(folder),
                               "KAFKA_HOSTNAMES": "kafka,127.0.0.1"},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return folder


def _metric(podman: Podman, container: str, port: int, name: str, label: str = "") -> float:
    """A metric of hub ingest or hub relay (summed over the series whose labels include
    ``label``), read inside its container: the metrics listen on 127.0.0.1 only."""
    read = ("import os, urllib.request\n"
            f"request = urllib.request.Request('http://127.0.0.1:{port}/metrics', headers={{\n"
            "    'Authorization': 'Bearer ' + open(os.environ['HUB_METRICS_TOKEN_FILE'])"
            ".read().strip()})\n"
            "print(urllib.request.urlopen(request, timeout=5).read().decode())\n")
    done = podman("exec", container, "python3", "-c", read, check=False)
    total = 0.0
    for line in done.stdout.splitlines():
        if line.startswith((f"{name}{{", f"{name} ")) and label in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_production_serve_ingest_and_relay_against_postgresql_and_tls_kafka(
        podman: Podman, image: str, database: Database, tmp_path: Path) -> None:
    home = podman.volume()
    volume = ["-v", f"{home}:/var/lib/hub"]
    production = ["-e", "HUB_ENV=production", "-e", f"HUB_AUDIT_ORIGIN={AUDIT_ORIGIN}"]

    # Production never makes keys on its own: a start without them stops at once (exit 2).
    refused = podman.run("--rm", "--network", "none", *LOCKED, *production, *volume, image,
                         check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "run 'hub keys init'" in refused.stderr
    made = podman.run("--rm", "--network", "none", *LOCKED, *production, *volume, image,
                      "hub", "keys", "init")
    assert made.stdout.strip() == "created: link, audit-signing, master, web-session"

    metrics_token = secrets.token_hex(32)
    mounts = _secret_files(tmp_path / "secrets", {
        "hub-store-url": database.url("app"), "hub-owner-store-url": database.url("owner"),
        "hub-metrics-token": metrics_token})
    # The first start as the owner role makes the tables (compose: hub-migrate), then the
    # grants again (compose: db-grants); from here on every process connects as hub_app.
    podman.run("--rm", "--network", "host", *LOCKED, *production, *volume, *mounts,
               "-e", "HUB_STORE_URL_FILE=/run/secrets/hub-owner-store-url", image,
               "hub", "policy", "history")
    database.grants()
    app = [*production, *volume, *mounts, "-e", "CREATE_TABLE=false",
           "-e", "HUB_STORE_URL_FILE=/run/secrets/hub-store-url",
           "-e", "HUB_METRICS_TOKEN_FILE=/run/secrets/hub-metrics-token"]

    port = free_port()
    serve = podman.start(f"hub-serve-{uuid.uuid4().hex[:8]}", "--network", "host", *LOCKED,
                         *app, image, "hub", "serve", "--host", "127.0.0.1", "--port",
                         str(port), "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    _wait(lambda: _get(f"{base}/readyz") == 200, "hub serve to be ready")
    assert _get(f"{base}/healthz") == 200
    assert _get(f"{base}/metrics") == 401
    assert _get(f"{base}/metrics", metrics_token) == 200
    token = _register(podman, serve)
    status, created = _post(f"{base}/v1/notifications", token, notification())
    assert status == 201, podman.logs(serve)

    # Kafka over mutual TLS: tansu behind a TLS listener, with init-secrets.sh's certificates.
    pki = _tls_material(tmp_path / "pki")
    listener = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki / "kafka-ca.pem")
    listener.load_cert_chain(pki / "kafka-broker.pem")
    listener.verify_mode = ssl.CERT_REQUIRED
    broker_port = free_port()
    tls = Outage(broker_port, tls=listener)
    tls.up()
    admin = {"bootstrap_servers": f"127.0.0.1:{tls.port}", "security_protocol": "SSL",
             "ssl_cafile": str(pki / "kafka-ca.pem"), "ssl_certfile": str(pki / "kafka-admin.pem"),
             "ssl_check_hostname": True}
    kafka_mounts = ["-v", f"{pki / 'kafka-ca.pem'}:/run/secrets/kafka-ca:ro"]
    for worker in ("ingest", "relay"):
        kafka_mounts += ["-v", f"{pki / f'kafka-{worker}.crt'}:/run/secrets/kafka-{worker}-cert:ro",
                         "-v", f"{pki / f'kafka-{worker}.key'}:/run/secrets/kafka-{worker}-key:ro"]
    kafka = ["-e", f"HUB_KAFKA_BOOTSTRAP=127.0.0.1:{tls.port}", "-e",
             "HUB_KAFKA_SECURITY_PROTOCOL=SSL", "-e", "HUB_KAFKA_SSL_CAFILE=/run/secrets/kafka-ca",
             # tansu's producer ids are not reliable; production brokers keep the default.
             "-e", "HUB_KAFKA_IDEMPOTENT=false", "-e", "HUB_KAFKA_SESSION_TIMEOUT_MS=6000",
             *kafka_mounts]
    topics = {"hub.events.v1": 1, "schools.encompass.v1": 1, "police.notifications.v1": 1,
              "police.notifications.v1.dlq": 1}
    try:
        with tansu(tmp_path / "tansu.log", topics, port=broker_port, advertised_port=tls.port,
                   admin_options=admin):
            relay = podman.start(
                f"hub-relay-{uuid.uuid4().hex[:8]}", "--network", "host", *LOCKED, *app, *kafka,
                "-e", "HUB_KAFKA_SSL_CERTFILE=/run/secrets/kafka-relay-cert",
                "-e", "HUB_KAFKA_SSL_KEYFILE=/run/secrets/kafka-relay-key",
                image, "hub", "relay", "--metrics-port", str(free_port()))
            ingest_port = free_port()
            ingest = podman.start(
                f"hub-ingest-{uuid.uuid4().hex[:8]}", "--network", "host", *LOCKED, *app, *kafka,
                "-e", "HUB_KAFKA_SSL_CERTFILE=/run/secrets/kafka-ingest-cert",
                "-e", "HUB_KAFKA_SSL_KEYFILE=/run/secrets/kafka-ingest-key",
                image, "hub", "ingest", "--source", "police.notifications.v1=notts-police",
                "--metrics-port", str(ingest_port))

            # The relay publishes the notification sent over HTTP.
            consumer = KafkaConsumer("hub.events.v1", auto_offset_reset="earliest", **admin)
            relayed: list[Any] = []

            def published() -> bool:
                for records in consumer.poll(timeout_ms=1000).values():
                    relayed.extend(records)
                return bool(relayed)

            try:
                _wait(published, "the relay to publish", seconds=120)
            finally:
                consumer.close()
            assert relayed[0].value

            # Ingest stores what an agency sends to its topic.
            producer = KafkaProducer(acks="all", enable_idempotence=False, **admin)
            sent = notification(source_ref="NTP-2026-009999")
            producer.send("police.notifications.v1", key=b"NTP-2026-009999",
                          value=json.dumps(sent).encode()).get(timeout=30)
            producer.close()
            _wait(lambda: _metric(podman, ingest, ingest_port, "hub_ingest_records_total",
                                  'outcome="stored"') >= 1,
                  "ingest to store the record: " + podman.logs(ingest)[-2000:], seconds=120)
            checked = podman("exec", ingest, "hub-healthcheck", "--metrics", str(ingest_port))
            assert checked.returncode == 0

            # Each stops cleanly on SIGTERM, as the runtime stops it.
            for container in (ingest, relay, serve):
                podman("stop", "-t", "30", container, timeout=60)
                state = _inspect(podman, "container", container)["State"]
                assert state["ExitCode"] == 0, podman.logs(container)[-3000:]
    finally:
        tls.down()
    assert created["child_ids"]
