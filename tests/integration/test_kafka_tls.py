"""The Kafka adapters over mutual TLS, with the hub's own settings.

tansu has no TLS listener of its own, so a relay in front of it terminates TLS exactly as a
broker's SSL listener does: it requires a client certificate from the test CA and presents a
server certificate for 127.0.0.1. The hub connects with nothing but HUB_KAFKA_* settings.
"""

import datetime
import ipaddress
import json
import os
import signal
import ssl
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kafka import KafkaConsumer

from hub.bootstrap import bootstrap
from hub.settings import Settings
from tests.integration.kafka_broker import Outage, free_port, tansu
from tests.integration.test_kafka import environment, good, start
from tests.support import seed, submit


def _issue(directory: Path, name: str, ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
           | None) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(hours=2)))
    if ca is None:  # the test CA signs itself
        builder = builder.issuer_name(subject).add_extension(
            x509.BasicConstraints(ca=True, path_length=0), critical=True)
        signer = key
    else:
        builder = builder.issuer_name(ca[0].subject).add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        signer = ca[1]
    cert = builder.sign(signer, hashes.SHA256())
    (directory / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / f"{name}.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert, key


def test_relay_publishes_over_mutual_tls(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    pki.mkdir()
    ca = _issue(pki, "ca", None)
    _issue(pki, "broker", ca)
    _issue(pki, "hub", ca)
    listener = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki / "ca.pem")
    listener.load_cert_chain(pki / "broker.pem", pki / "broker.key")
    listener.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no connection

    broker_port = free_port()
    tls = Outage(broker_port, tls=listener)
    tls.up()
    brokers = f"127.0.0.1:{tls.port}"
    env = {**environment(tmp_path, brokers), "HUB_KAFKA_SECURITY_PROTOCOL": "SSL",
           "HUB_KAFKA_SSL_CAFILE": str(pki / "ca.pem"),
           "HUB_KAFKA_SSL_CERTFILE": str(pki / "hub.pem"),
           "HUB_KAFKA_SSL_KEYFILE": str(pki / "hub.key")}
    settings = Settings.from_env(env)
    with tansu(tmp_path / "tansu.log", {"hub.events.v1": 1, "schools.encompass.v1": 1},
               port=broker_port, advertised_port=tls.port,
               admin_options=settings.kafka_client()):
        hub = bootstrap(settings)
        try:
            seed(hub)
            notification_id = str(submit(hub, "notts-police", good(1)).id)
        finally:
            hub.close()

        log = tmp_path / "relay.log"
        relay = start(env, "relay", log=log)
        consumer = KafkaConsumer("hub.events.v1", **settings.kafka_client(),
                                 auto_offset_reset="earliest", enable_auto_commit=False,
                                 group_id=None, consumer_timeout_ms=2000)
        try:
            deadline = time.monotonic() + 60
            published: set[str] = set()
            while notification_id not in published:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                published |= {json.loads(r.value).get("notification_id") for r in consumer}
        finally:
            consumer.close()
            os.killpg(relay.pid, signal.SIGTERM)
        assert relay.wait(timeout=60) == 0, log.read_text()[-3000:]

        # Without a client certificate the listener refuses the client: nothing is read.
        no_cert = {**settings.kafka_client(), "ssl_certfile": None, "ssl_keyfile": None}
        stranger = KafkaConsumer("hub.events.v1", **no_cert, auto_offset_reset="earliest",
                                 group_id=None, consumer_timeout_ms=3000,
                                 request_timeout_ms=3000, api_version=(3, 9))
        try:
            assert list(stranger) == []
        finally:
            stranger.close()
        tls.down()
