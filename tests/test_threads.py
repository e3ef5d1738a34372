"""Objects from the Rust core may be used and freed on any thread: a session
can end up released on a Dask thread (its close hook, a callback)."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import Any

from distributed.core import Status

from scalable import ScalableSession
from scalable.worker_plugin import _WhileClosing

EXAMPLE = Path(__file__).resolve().parents[1] / "docs/examples/scalable.demeter.yaml"


def test_session_freed_on_another_thread_raises_nothing() -> None:
    raised: list[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = raised.append
    try:
        holder = [ScalableSession.from_yaml(EXAMPLE, target="local")]

        def use_and_free() -> None:
            try:
                session = holder.pop()
                assert session.validate().ok
                del session
            except BaseException as e:  # a thread's exception would go unseen
                raised.append(e)

        thread = threading.Thread(target=use_and_free)
        thread.start()
        thread.join()
    finally:
        sys.unraisablehook = previous
    assert holder == []
    assert raised == []


class _Worker:
    def __init__(self, status: Status) -> None:
        self.status = status


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1, message, (), None)


def test_heartbeat_failure_is_dropped_only_while_closing() -> None:
    failed = _record("Failed to communicate with scheduler during heartbeat.")
    other = _record("Compute Failed")
    assert not _WhileClosing(_Worker(Status.closing)).filter(failed)
    assert _WhileClosing(_Worker(Status.closing)).filter(other)
    assert _WhileClosing(_Worker(Status.running)).filter(failed)
