"""Task and worker events, from the scheduler to the run record.

A scheduler plugin turns Dask's task transitions and worker arrivals and
departures into small event dicts and publishes them on a Dask event topic;
the client subscribes and hands each one to the Rust recorder. Events travel
over Dask's own comms, so a remote scheduler works exactly like a local one.
"""

from __future__ import annotations

import json
import pickle
import threading
import time
import uuid
from typing import Any, Protocol

from dask.utils import key_split
from distributed import Client
from distributed.diagnostics.plugin import SchedulerPlugin

TOPIC = "scalable-events"


class Recorder(Protocol):
    """What telemetry needs of a run recorder (``scalable._core.RunRecorder``)."""

    def record(self, stream: str, event_json: str) -> None: ...


def _exception(kwargs: dict[str, Any]) -> dict[str, str]:
    text = str(kwargs.get("exception_text") or "")
    kind = text.split("(", 1)[0].strip() or "Exception"
    message = text[len(kind) :].strip()
    if message.startswith("(") and message.endswith(")"):
        message = message[1:-1].strip().strip("'\"")
    return {
        "type": kind,
        "message": message,
        "traceback": str(kwargs.get("traceback_text") or ""),
    }


def _killed(pickled: Any) -> dict[str, str]:
    """The KilledWorker the scheduler pickled, as type and message."""
    try:
        exc = pickle.loads(pickled) if isinstance(pickled, bytes) else pickled
    except Exception:
        return {"type": "KilledWorker", "message": "", "traceback": ""}
    return {"type": type(exc).__name__, "message": str(exc), "traceback": ""}


class EventsPlugin(SchedulerPlugin):
    """Runs in the scheduler; publishes task and worker events on ``TOPIC``."""

    name = "scalable-events"

    def __init__(self) -> None:
        self.scheduler: Any = None
        # What the scheduler forgets when a worker dies, kept for the evidence.
        self.known: dict[str, dict[str, Any]] = {}
        self.running: dict[str, set[str]] = {}

    async def start(self, scheduler: Any) -> None:
        self.scheduler = scheduler
        for address in list(scheduler.workers):
            self.add_worker(scheduler, address)

    def _publish(self, event: dict[str, Any]) -> None:
        event.setdefault("time", time.time())
        self.scheduler.log_event(TOPIC, event)

    def _worker_facts(self, address: str | None) -> dict[str, Any]:
        ws = self.scheduler.workers.get(address) if address else None
        if ws is None:
            return {"worker": address, **self.known.get(address or "", {})}
        return {
            "worker": ws.name if isinstance(ws.name, str) else address,
            "worker_address": address,
            "worker_memory": int(ws.memory.process),
            "memory_limit": int(ws.memory_limit or 0),
        }

    def transition(
        self, key: Any, start: str, finish: str, *args: Any, stimulus_id: str, **kwargs: Any
    ) -> None:
        ts = self.scheduler.tasks.get(key)
        base: dict[str, Any] = {"stream": "tasks", "key": str(key), "task": key_split(key)}
        ran_on = None
        for address, keys in self.running.items():
            if str(key) in keys:
                keys.discard(str(key))
                ran_on = address
        if finish == "erred" and kwargs.get("exception") and not kwargs.get("exception_text"):
            # The scheduler gave up: workers kept dying while running it (KilledWorker).
            event = {
                **base,
                "event": "failed",
                **self._worker_facts(kwargs.get("worker") or ran_on),
                "exception": _killed(kwargs["exception"]),
                "worker_deaths": int(getattr(ts, "suspicious", 0)),
            }
            self._publish(event)
            self._publish({**event, "stream": "failures", "evidence": "scheduler"})
        elif finish == "processing":
            address = ts.processing_on.address if ts is not None and ts.processing_on else None
            if address:
                self.running.setdefault(address, set()).add(str(key))
            self._publish({**base, "event": "started", **self._worker_facts(address)})
        elif start == "processing" and finish == "memory":
            compute = [s for s in kwargs.get("startstops", ()) if s.get("action") == "compute"]
            event = {**base, "event": "finished", **self._worker_facts(kwargs.get("worker"))}
            if compute:
                event["start"] = compute[0]["start"]
                event["stop"] = compute[-1]["stop"]
            self._publish(event)
        elif finish == "erred" and start == "processing":
            event = {
                **base,
                "event": "failed",
                **self._worker_facts(kwargs.get("worker")),
                "exception": _exception(kwargs),
            }
            compute = [s for s in kwargs.get("startstops", ()) if s.get("action") == "compute"]
            if compute:
                event["start"] = compute[0]["start"]
                event["stop"] = compute[-1]["stop"]
            self._publish(event)
            self._publish({**event, "stream": "failures"})
        elif start == "processing" and finish in ("waiting", "released", "no-worker"):
            self._publish({**base, "event": "retried", "reason": stimulus_id})
            if "worker" in stimulus_id and ran_on is not None:
                # Its worker died under it (a nanny restart, an OOM kill, a lost node).
                self._publish(
                    {
                        **base,
                        "stream": "failures",
                        "event": "worker-lost",
                        **self._worker_facts(ran_on),
                        "reason": stimulus_id,
                    }
                )
        elif finish == "erred":
            # A dependency failed.
            exc = _exception(kwargs)
            if exc["type"] == "KilledWorker" or kwargs.get("exception_text"):
                event = {**base, "event": "failed", "exception": exc}
                self._publish(event)
                self._publish({**event, "stream": "failures", "evidence": "scheduler"})

    def add_worker(self, scheduler: Any, worker: str) -> None:
        ws = scheduler.workers.get(worker)
        if ws is not None:
            self.known[worker] = {
                "worker": ws.name if isinstance(ws.name, str) else worker,
                "worker_address": worker,
                "memory_limit": int(ws.memory_limit or 0),
            }
        self._publish(
            {
                "stream": "workers",
                "event": "added",
                "worker": ws.name if ws is not None else worker,
                "worker_address": worker,
                "nthreads": ws.nthreads if ws is not None else None,
                "memory_limit": int(ws.memory_limit or 0) if ws is not None else None,
                "resources": dict(ws.resources) if ws is not None else {},
            }
        )

    def remove_worker(self, scheduler: Any, worker: str, *, stimulus_id: str, **kw: Any) -> None:
        ws = scheduler.workers.get(worker)
        facts = self._worker_facts(worker)
        processing = sorted(self.running.pop(worker, set()))
        if ws is not None:
            processing = sorted({*processing, *(str(ts.key) for ts in ws.processing)})
        limit = facts.get("memory_limit") or 0
        near_limit = bool(limit) and facts.get("worker_memory", 0) >= 0.9 * limit
        self._publish(
            {
                "stream": "workers",
                "event": "removed",
                **facts,
                "reason": stimulus_id,
                "processing": processing,
                "memory_near_limit": near_limit,
            }
        )
        if processing:
            self._publish(
                {
                    "stream": "failures",
                    "event": "worker-lost",
                    **facts,
                    "reason": stimulus_id,
                    "tasks": processing,
                    "memory_near_limit": near_limit,
                }
            )


class Telemetry:
    """The client side: forwards published events to the recorder in order."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self._barriers: dict[str, threading.Event] = {}

    def attach(self, client: Client) -> None:
        """Subscribe before any task is submitted, then install the plugin."""
        client.subscribe_topic(TOPIC, self._handle)
        client.register_plugin(EventsPlugin())

    def _handle(self, event: tuple[float, dict[str, Any]]) -> None:
        _, msg = event
        stream = msg.pop("stream", "tasks")
        if stream == "barrier":
            done = self._barriers.pop(str(msg.get("id")), None)
            if done is not None:
                done.set()
            return
        self._recorder.record(stream, json.dumps(msg, default=str))

    def record(self, stream: str, event: dict[str, Any]) -> None:
        """Record an event made on the client (submissions, artifacts)."""
        event.setdefault("time", time.time())
        self._recorder.record(stream, json.dumps(event, default=str))

    def flush(self, client: Client, timeout: float = 10.0) -> bool:
        """Wait until every event published so far has been recorded.

        The scheduler relays topic events to a subscriber in the order it logs
        them, so once our own marker comes back, everything before it has too.
        """
        token = uuid.uuid4().hex
        done = threading.Event()
        self._barriers[token] = done
        client.log_event(TOPIC, {"stream": "barrier", "id": token})
        return done.wait(timeout)
