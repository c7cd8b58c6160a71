"""How simulated notifications reach the hub: the application's intake (the same code the
HTTP and Kafka entry points call), or those entry points themselves: the HTTP API served on a
loopback port (``HttpPath``), or agencies' Kafka topics read by the hub's own ``hub ingest``
worker (``KafkaPath``), both in this process, on the simulated clock."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic as time_now
from time import sleep
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.indexes import source_ref_key
from domain.notifications import Notification
from hub.bootstrap import Hub
from hub.errors import HubError, InvalidInput
from hub.shapes import parse_notification

if TYPE_CHECKING:
    from simulation.engine import Simulation


class PathFailed(RuntimeError):
    """The way in (HTTP, Kafka) failed: the run stops rather than count it as a refusal."""


@dataclass(frozen=True)
class Receipt:
    id: UUID
    child_ids: list[UUID]


Sender = Callable[["Simulation", str, dict[str, Any]], Receipt]


def application_path(sim: "Simulation", agency: str, body: dict[str, Any]) -> Receipt:
    receipt = sim.hub.intake.submit(agency, "simulation",
                                    parse_notification(json.dumps(body).encode()))
    return Receipt(receipt.id, receipt.child_ids)


class HttpPath:
    """Notifications POSTed to the hub's HTTP API, served by uvicorn on a loopback port in
    this process, so that it shares the simulated clock."""

    def __init__(self, hub: Hub) -> None:
        import socket
        import threading

        import uvicorn

        from hub.api.app import create_app

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(create_app(hub, checkpointer=False), host="127.0.0.1",
                                port=self.port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="simulate-http",
                                        daemon=True)
        self._thread.start()
        deadline = time_now() + 30
        while not self._server.started:
            if time_now() > deadline or not self._thread.is_alive():
                raise HubError("the simulation's HTTP server did not start")
            sleep(0.05)

    def __call__(self, sim: "Simulation", agency: str, body: dict[str, Any]) -> Receipt:
        from urllib.error import HTTPError
        from urllib.request import Request, urlopen

        request = Request(f"http://127.0.0.1:{self.port}/v1/notifications",
                          data=json.dumps(body).encode(), method="POST",
                          headers={"Authorization": f"Bearer {sim.tokens[agency]}",
                                   "Content-Type": "application/json"})
        try:
            with urlopen(request, timeout=60) as response:  # noqa: S310 (loopback only)
                answer = json.loads(response.read())
        except HTTPError as error:
            try:
                reason = json.loads(error.read() or b"{}").get("error", {}).get("message", "")
            except ValueError:
                reason = ""
            if error.code >= 500:  # the hub failed: not part of the workload, stop
                raise PathFailed(f"the HTTP API answered {error.code}") from None
            raise InvalidInput(f"HTTP {error.code}: {reason}") from None
        return Receipt(UUID(answer["id"]), [UUID(c) for c in answer["child_ids"]])

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


# Which inbound topic carries which simulated agency's notifications (docs/interface.md). Schools
# write to one shared topic, which names no single school, so their concerns stay on the
# application path.
KAFKA_TOPICS = {"police": "police.notifications.v1", "health": "health.concerns.v1"}


class KafkaPath:
    """Police and health notifications produced to their inbound topics and stored by the
    hub's own ``hub ingest`` worker (run in this process, on the simulated clock); each is
    waited for, because what follows needs its id."""

    def __init__(self, hub: Hub, client: dict[str, object],
                 consumer_options: dict[str, object] | None = None,
                 idempotent: bool = True) -> None:
        import threading

        from kafka import KafkaProducer

        from adapters.kafka_ingest import Ingest

        self._hub = hub
        self._producer = KafkaProducer(**client, acks="all", enable_idempotence=idempotent)
        self._ingest = Ingest(hub, client, {t: a for a, t in KAFKA_TOPICS.items()},
                              consumer_options=consumer_options, idempotent=idempotent)
        self._thread = threading.Thread(target=self._ingest.run, name="simulate-ingest",
                                        daemon=True)
        self._thread.start()

    def __call__(self, sim: "Simulation", agency: str, body: dict[str, Any]) -> Receipt:
        topic = KAFKA_TOPICS.get(agency)
        if topic is None:
            return application_path(sim, agency, body)
        self._producer.send(topic, key=body["source_ref"].encode(),
                            value=json.dumps(body).encode()).get(timeout=60)
        key = source_ref_key(agency, body["source_ref"])
        deadline = time_now() + 120
        while (found := self._hub.store.lookup(key)) is None:
            if time_now() > deadline or not self._thread.is_alive():
                raise PathFailed("hub ingest did not store the simulated notification")
            sleep(0.01)
        stored = self._hub.store.find(found, Notification)
        if stored is None:
            raise PathFailed("the ingested notification is not in the store")
        return Receipt(stored.id, stored.child_ids)

    def close(self) -> None:
        self._producer.flush(timeout=30)
        self._producer.close(timeout=30)
        self._ingest.stop.set()
        self._thread.join(timeout=60)
