"""A feedback consumer, written the way a service would: bus in, validation gate, rate control.

Coordinators publish FeedbackEvent envelopes when their queues fill up; this consumer turns each
event's backpressure level into a rate scale for that coordinator. Every message goes through the
`ValidationGate` first: in `log` mode invalid events are reported and still used where possible,
in `enforce` mode they go to the dead-letter sink. A message is acknowledged only once it was
processed or safely dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from pytest_schema_registry import DeadLetterError, ValidationGate

log = logging.getLogger("feedback_consumer")

SCALE_FOR_LEVEL = {"ok": 1.0, "soft": 0.5, "hard": 0.1}


@dataclass
class Message:
    """One envelope on the bus, with its acknowledgement state."""

    envelope: dict[str, Any]
    acked: bool = False
    deliveries: int = 0


@dataclass
class InProcessBus:
    """A tiny in-process bus: enough to show the consumer's contract, no broker to run."""

    queue: asyncio.Queue[Message] = field(default_factory=asyncio.Queue)
    unacked: list[Message] = field(default_factory=list)

    def publish(self, envelope: dict[str, Any]) -> Message:
        message = Message(envelope)
        self.queue.put_nowait(message)
        return message


@dataclass
class RateController:
    """Remember the rate scale each coordinator should run at."""

    scales: dict[str, float] = field(default_factory=dict)

    def apply(self, payload: dict[str, Any]) -> bool:
        """Adjust one coordinator's scale; say whether the payload could be used at all."""
        if not isinstance(payload, dict):
            return False
        level = payload.get("level")  # untrusted in log mode: a list here must not raise
        scale = SCALE_FOR_LEVEL.get(level) if isinstance(level, str) else None
        coordinator = payload.get("coordinator_id")
        if scale is None or not isinstance(coordinator, str):
            return False
        self.scales[coordinator] = scale
        return True


@dataclass
class FeedbackConsumer:
    """Drain the bus through the gate into the rate controller."""

    bus: InProcessBus
    gate: ValidationGate
    controller: RateController = field(default_factory=RateController)
    processed: int = 0
    dead_lettered: int = 0

    async def drain(self) -> None:
        """Handle every message currently on the bus."""
        while not self.bus.queue.empty():
            await self.handle(self.bus.queue.get_nowait())

    async def handle(self, message: Message) -> None:
        message.deliveries += 1
        try:
            decision = await self.gate.check(message.envelope)
        except DeadLetterError:
            log.exception("could not dead-letter message %s", message.envelope.get("id"))
            self.bus.unacked.append(message)  # not acknowledged: the broker redelivers it
            return
        if decision.accepted:
            if not self.controller.apply(message.envelope["payload"]):
                log.warning("message %s carried no usable feedback", message.envelope.get("id"))
            self.processed += 1
        else:
            self.dead_lettered += 1
        message.acked = True


def envelope(payload: Any, *, track: str, message_id: str = "m-1") -> dict[str, Any]:
    """Wrap a payload the way producers put it on the bus (the seed's envelope)."""
    return {
        "id": message_id,
        "key": payload.get("coordinator_id", "?") if isinstance(payload, dict) else "?",
        "ts": 0.0,
        "meta": {"schema_id": "telemetry.FeedbackEvent", "track": track, "headers": {}, "hash": ""},
        "payload": payload,
    }
