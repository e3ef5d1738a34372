"""Task and worker events, from the scheduler to the run record.

A scheduler plugin turns Dask's task transitions and worker arrivals and
departures into small event dicts and publishes them, in batches, on a Dask
event topic; the client subscribes and a writer thread hands them to the Rust
recorder. Events travel
over Dask's own comms, so a remote scheduler works exactly like a local one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import threading
import time
import uuid
import weakref
from contextlib import suppress
from queue import Empty, SimpleQueue
from typing import Any, Protocol

from dask.utils import key_split
from distributed import Client
from distributed.diagnostics.plugin import SchedulerPlugin

TOPIC = "scalable-events"
# The scheduler plugin sends its events in batches: at most this long after
# the first one, or at this many.
_BATCH_SECONDS = 0.1
_BATCH_EVENTS = 1000

logger = logging.getLogger(__name__)


class Recorder(Protocol):
    """What telemetry needs of a run recorder (``scalable._core.RunRecorder``)."""

    def record(self, stream: str, event_json: str) -> None: ...


# A bad event in a batch: ``record_many`` then writes none of it.
_BAD_EVENT = "E_RUN_EVENT"


def _exception(kwargs: dict[str, Any]) -> dict[str, str]:
    text = str(kwargs.get("exception_text") or "")
    kind = text.split("(", 1)[0].strip() or "Exception"
    message = _exception_str(kwargs.get("exception"))
    if message is None:
        message = text[len(kind) :].strip()
        if message.startswith("(") and message.endswith(")"):
            message = message[1:-1].strip().strip("'\"")
    return {
        "type": kind,
        "message": message,
        "traceback": str(kwargs.get("traceback_text") or ""),
    }


def _exception_str(pickled: Any) -> str | None:
    """``str()`` of the task's exception, which keeps what its repr drops (the
    file name of a FileNotFoundError); None when it cannot be loaded here (a
    class only the workers can import)."""
    try:
        if hasattr(pickled, "header") and hasattr(pickled, "frames"):  # Serialized
            from distributed.protocol.serialize import deserialize

            exc = deserialize(pickled.header, pickled.frames)
        else:
            exc = getattr(pickled, "data", pickled)
        if isinstance(exc, bytes):  # the worker's pickle of the exception
            exc = pickle.loads(exc)
    except Exception:
        return None
    return str(exc) if isinstance(exc, BaseException) else None


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
        # key -> address of the worker running it; a dict, not a scan per transition.
        self.running_on: dict[str, str] = {}
        # Events waiting to go out together (see _publish).
        self._batch: list[dict[str, Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, scheduler: Any) -> None:
        self.scheduler = scheduler
        self._loop = asyncio.get_running_loop()
        for address in list(scheduler.workers):
            self.add_worker(scheduler, address)

    async def close(self) -> None:
        self._send_batch()

    def _publish(self, event: dict[str, Any]) -> None:
        """Queue an event; the batch goes out within ``_BATCH_SECONDS``.

        One topic message per event cost the scheduler (and a client in the
        same process) a message to build, send, read and dispatch each; a
        batch costs that once.
        """
        event.setdefault("time", time.time())
        if self._loop is None:  # not started by a scheduler: send at once
            self.scheduler.log_event(TOPIC, {"stream": "batch", "events": [event]})
            return
        if not self._batch:
            self._loop.call_later(_BATCH_SECONDS, self._send_batch)
        self._batch.append(event)
        if len(self._batch) >= _BATCH_EVENTS:
            self._send_batch()

    def _send_batch(self) -> None:
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        self.scheduler.log_event(TOPIC, {"stream": "batch", "events": batch})
        # The scheduler keeps the last messages of every topic for
        # ``get_events``; batches would hold far more events than single
        # events did, and the client has them already.
        broker = getattr(self.scheduler, "_broker", None)
        if broker is not None:
            with suppress(Exception):
                broker.truncate(TOPIC)

    def log_event(self, topic: str, msg: Any) -> None:
        """A client's flush marker: send what is queued, then the marker. A
        nanny restarting its worker over the memory limit: the evidence."""
        if topic == TOPIC and isinstance(msg, dict) and msg.get("stream") == "barrier-request":
            self._send_batch()
            self.scheduler.log_event(TOPIC, {"stream": "barrier", "id": msg.get("id")})
        elif topic == "worker-restart-memory" and isinstance(msg, dict):
            facts = self._worker_facts(msg.get("worker"))
            rss = int(msg.get("rss") or 0)
            limit = int(facts.get("memory_limit") or 0)
            self._publish(
                {
                    "stream": "failures",
                    "event": "memory-limit",
                    "evidence": "nanny",
                    **facts,
                    "worker_memory": rss,
                    "pid": msg.get("pid"),
                    "reason": f"the nanny restarted the worker at {rss / 2**20:.0f} MiB"
                    + (f" of its {limit / 2**20:.0f} MiB limit" if limit else ""),
                }
            )

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
        if start != "processing" and finish not in ("processing", "erred"):
            # Nothing to publish; and a key is in ``running_on`` only from its
            # transition to processing until the next one, which starts there.
            return
        ts = self.scheduler.tasks.get(key)
        base: dict[str, Any] = {"stream": "tasks", "key": str(key), "task": key_split(key)}
        ran_on = self.running_on.pop(str(key), None)
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
                self.running_on[str(key)] = address
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
        lost = [key for key, address in self.running_on.items() if address == worker]
        for key in lost:
            del self.running_on[key]
        processing = sorted(lost)
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


class _Reply:
    """The outcome of one synchronous record, set by the writer thread."""

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None


# How long the writer lets events gather before it writes them (unless a
# synchronous record or a flush is waiting).
_WRITE_SECONDS = 0.1

# What the writer thread's queue holds, in order: (stream, event dict) to write
# soon; (stream, event JSON, _Reply) to write and answer; a threading.Event to
# set once everything before it is written; None to stop.
_Item = tuple[str, dict[str, Any]] | tuple[str, str, _Reply] | threading.Event | None


def _write_events(recorder: Recorder, queue: SimpleQueue[_Item], urgent: threading.Event) -> None:
    """The writer thread: takes whatever is queued and writes it in order,
    each stream's run of events in one ``record_many`` call when the recorder
    has one. It never raises: an event the recorder refuses is logged."""
    record_many = getattr(recorder, "record_many", None)
    run_stream = ""
    run: list[str] = []

    def write_run() -> None:
        if not run:
            return
        try:
            if len(run) == 1 or record_many is None:
                for line in run:
                    recorder.record(run_stream, line)
            else:
                record_many(run_stream, run)
        except Exception as e:
            if record_many is None or len(run) == 1 or getattr(e, "code", None) != _BAD_EVENT:
                logger.warning(
                    "could not record %d %s event(s)", len(run), run_stream, exc_info=True
                )
            else:
                # One bad event must not cost the batch: write them one by one.
                for line in run:
                    try:
                        recorder.record(run_stream, line)
                    except Exception:
                        logger.warning(
                            "could not record a %s event: %s", run_stream, line, exc_info=True
                        )
        run.clear()

    while True:
        items = [queue.get()]
        if isinstance(items[0], tuple) and len(items[0]) == 2:
            # Let a batch gather: each wake-up costs the busy threads a GIL switch.
            urgent.wait(_WRITE_SECONDS)
        urgent.clear()
        with suppress(Empty):
            while True:
                items.append(queue.get_nowait())
        for item in items:
            if item is None:
                write_run()
                return
            if isinstance(item, threading.Event):
                write_run()
                item.set()
            elif len(item) == 2:
                stream, event = item
                if stream != run_stream:
                    write_run()
                    run_stream = stream
                try:
                    run.append(json.dumps(event, default=str))
                except Exception:
                    logger.warning("could not record a %s event", stream, exc_info=True)
            else:
                stream, line, reply = item
                write_run()
                try:
                    recorder.record(stream, line)
                except BaseException as e:
                    reply.error = e
                reply.done.set()
                # The error holds its caller's frame: keep no reference here.
                del reply
        write_run()
        del items, item


class Telemetry:
    """The client side: forwards events to the recorder, in order.

    Events from the scheduler (task started/finished/failed, workers) and the
    client's own submissions are written by a writer thread, in the order they
    were queued, each stream's run in one ``record_many`` call. The recorder
    releases the GIL while it writes, and a thread that releases the GIL when
    others want it waits up to the interpreter's switch interval to get it
    back, so the busy threads (the one submitting tasks, and the client's event
    loop, which also runs a local scheduler) only queue. :meth:`record` and
    :meth:`flush` return once what they cover is written.
    """

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self._barriers: dict[str, threading.Event] = {}
        self._queue: SimpleQueue[_Item] = SimpleQueue()
        self._urgent = threading.Event()
        # Started here, before a session installs its excepthook (every
        # thread keeps the hook it started under).
        self._writer = threading.Thread(
            target=_write_events,
            args=(recorder, self._queue, self._urgent),
            name="scalable-telemetry",
            daemon=True,
        )
        self._writer.start()
        # The thread holds the queue, not this object: stop it with it (not at
        # exit, where a session's atexit close may still record).
        weakref.finalize(self, self._queue.put, None).atexit = False

    def attach(self, client: Client) -> None:
        """Subscribe before any task is submitted, then install the plugin."""
        client.subscribe_topic(TOPIC, self._handle)
        client.register_plugin(EventsPlugin())

    def _handle(self, event: tuple[float, dict[str, Any]]) -> None:
        # Runs on the client's event loop: only queues.
        _, msg = event
        stream = msg.pop("stream", "tasks")
        if stream == "batch":
            for e in msg.get("events", ()):
                self._queue.put((e.pop("stream", "tasks"), e))
        elif stream == "barrier":
            done = self._barriers.pop(str(msg.get("id")), None)
            if done is not None:
                self._queue.put(done)
        elif stream == "barrier-request":
            pass  # the plugin answers it with "barrier", after what it holds
        else:
            self._queue.put((stream, msg))

    def record(self, stream: str, event: dict[str, Any]) -> None:
        """Record an event made on the client (artifacts, workers): written
        after every event queued before it, before this returns; raises what
        the recorder raises."""
        event.setdefault("time", time.time())
        line = json.dumps(event, default=str)
        if not self._writer.is_alive():
            self.written()
            self._recorder.record(stream, line)
            return
        reply = _Reply()
        self._queue.put((stream, line, reply))
        self._urgent.set()
        reply.done.wait()
        if reply.error is not None:
            raise reply.error

    def record_soon(self, stream: str, event: dict[str, Any]) -> None:
        """Queue an event made on the client (submissions): the writer thread
        writes it shortly, in order with the scheduler's events."""
        event.setdefault("time", time.time())
        self._queue.put((stream, event))

    def written(self, timeout: float | None = None) -> bool:
        """Wait until every event queued so far has been written."""
        if not self._writer.is_alive():
            # No writer (it never stops while this object lives, but a fork
            # leaves it behind): write what is queued here.
            self._queue.put(None)
            _write_events(self._recorder, self._queue, self._urgent)
            return True
        done = threading.Event()
        self._queue.put(done)
        self._urgent.set()
        return done.wait(timeout)

    def flush(self, client: Client, timeout: float = 10.0) -> bool:
        """Wait until every event published so far has been recorded.

        The plugin answers our marker after sending the events it holds, and
        the scheduler relays topic events to a subscriber in the order it logs
        them, so once the answer comes back and is written, everything before
        it has been too.
        """
        token = uuid.uuid4().hex
        done = threading.Event()
        self._barriers[token] = done
        client.log_event(TOPIC, {"stream": "barrier-request", "id": token})
        ok = done.wait(timeout)
        return self.written(timeout) and ok
