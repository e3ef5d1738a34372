"""Keeps Dask's shutdown races out of the workflow's output."""

from __future__ import annotations

import logging
from typing import Any

from distributed import WorkerPlugin
from distributed.core import Status

_CLOSING = {Status.closing, Status.closing_gracefully, Status.closed}
_HEARTBEAT_FAILED = "Failed to communicate with scheduler during heartbeat"


class _WhileClosing(logging.Filter):
    """Drops a closing worker's failed-heartbeat traceback: the scheduler went
    away first, which is how every cluster ends, not a failure to report."""

    def __init__(self, worker: Any) -> None:
        super().__init__()
        self.worker = worker

    def filter(self, record: logging.LogRecord) -> bool:
        closing = getattr(self.worker, "status", None) in _CLOSING
        return not (closing and record.getMessage().startswith(_HEARTBEAT_FAILED))


class QuietShutdown(WorkerPlugin):
    """Installed on every worker by the session."""

    name = "scalable-quiet-shutdown"

    def setup(self, worker: Any) -> None:
        logging.getLogger("distributed.worker").addFilter(_WhileClosing(worker))
