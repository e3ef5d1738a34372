"""What Scalable installs on every worker: it says where the worker runs and
keeps Dask's shutdown races out of the workflow's output."""

from __future__ import annotations

import logging
import os
import socket
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


# Environment variables that name the batch job or pod a worker runs in.
_JOB_VARIABLES = {
    "SLURM_JOB_ID": "slurm_job_id",
    "SLURM_JOB_NODELIST": "slurm_nodes",
}


def identity(worker: Any) -> dict[str, Any]:
    """The `workers` event a worker sends once it runs: its host, process and
    batch job, so failures can be traced to a node or a Slurm job."""
    event: dict[str, Any] = {
        "stream": "workers",
        "event": "identity",
        "worker": worker.name if isinstance(worker.name, str) else str(worker.address),
        "worker_address": worker.address,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    for variable, field in _JOB_VARIABLES.items():
        value = os.environ.get(variable)
        if value and field not in event:
            event[field] = value
    return event


class ScalableWorkerPlugin(WorkerPlugin):
    """Installed on every worker (now and later) by the session."""

    name = "scalable-worker"

    def __init__(self, topic: str) -> None:
        self.topic = topic

    def setup(self, worker: Any) -> None:
        logging.getLogger("distributed.worker").addFilter(_WhileClosing(worker))
        # Over the scheduler to the client's topic subscription: no shared
        # files. As a batch: the scheduler stamps a worker's message with
        # `worker: <address>`, which would hide the worker's name.
        worker.log_event(self.topic, {"stream": "batch", "events": [identity(worker)]})
