"""ScalableClient: a Dask ``Client`` whose ``submit``/``map`` take ``tag=``.

A tag names a component; the task runs only on that component's workers
(every worker of group ``g`` holds the Dask resource ``g``). Submissions are
recorded with their scalar arguments so failures can be correlated with
parameters later.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

from dask.utils import key_split
from distributed import Client, Future
from distributed.client import futures_of

from scalable.telemetry import Telemetry

_SCALARS = (str, int, float, bool, type(None))
_MAX_ARG_CHARS = 200


class ScalableClient(Client):
    """A ``distributed.Client`` that routes tasks by component tag."""

    def __init__(
        self,
        address: Any,
        *,
        groups: dict[str, dict[str, Any]],
        telemetry: Telemetry | None = None,
        **kwargs: Any,
    ) -> None:
        self._groups = groups
        self._telemetry = telemetry
        self._signatures: dict[Callable[..., Any], inspect.Signature | None] = {}
        super().__init__(address, **kwargs)

    @property
    def tags(self) -> list[str]:
        """The tags tasks can be routed to: the plan's worker groups that have workers."""
        return sorted(self._groups)

    def _route(self, tag: str | None, kwargs: dict[str, Any]) -> None:
        if tag is None:
            return
        group = self._groups.get(tag)
        if group is None:
            known = ", ".join(self.tags) or "none"
            raise ValueError(f"unknown tag {tag!r}; known tags: {known}")
        kwargs["resources"] = {**(kwargs.get("resources") or {}), tag: 1}
        if "retries" not in kwargs and group.get("retries"):
            kwargs["retries"] = group["retries"]

    def submit(
        self, func: Callable[..., Any], *args: Any, tag: str | None = None, **kwargs: Any
    ) -> Future[Any]:
        """``Client.submit`` with ``tag=``: run on the workers of that component."""
        self._route(tag, kwargs)
        future = super().submit(func, *args, **kwargs)
        self._submitted(future.key, func, tag, args, kwargs)
        return future

    def map(
        self,
        func: Callable[..., Any],
        *iterables: Iterable[Any],
        tag: str | None = None,
        **kwargs: Any,
    ) -> list[Future[Any]]:
        """``Client.map`` with ``tag=``."""
        self._route(tag, kwargs)
        materialised = [list(it) for it in iterables]
        futures: list[Future[Any]] = super().map(func, *materialised, **kwargs)
        for future, args in zip(futures, zip(*materialised, strict=True), strict=True):
            self._submitted(future.key, func, tag, args, kwargs)
        return futures

    async def _gather(
        self,
        futures: Any,
        errors: str = "raise",
        direct: Any = None,
        local_worker: Any = None,
    ) -> Any:
        # A result the worker cannot pickle fails here, on the way to the
        # client, after its task "finished": record it as the task's failure,
        # or the run record would call the task a success.
        try:
            return await super()._gather(
                futures, errors=errors, direct=direct, local_worker=local_worker
            )
        except Exception as e:
            if self._telemetry is not None and _is_serialization(e):
                await self._record_unpicklable(futures_of(futures), e)
            raise

    async def _record_unpicklable(self, futures: list[Future[Any]], error: Exception) -> None:
        """Find which results cannot be pickled (asked where they are, so
        nothing is transferred) and record each as a failed task."""
        keys = [f.key for f in futures if f.status == "finished"]
        found: dict[str, str] = {}
        try:
            replies = await self._run(_unpicklable_results, keys, on_error="return")
            for reply in replies.values():
                if isinstance(reply, dict):
                    found.update(reply)
        except Exception:
            pass
        if not found and len(keys) == 1:
            found[str(keys[0])] = f"{type(error).__name__}: {error}"
        assert self._telemetry is not None
        for key, message in found.items():
            kind, _, text = message.partition(": ")
            event = {
                "event": "failed",
                "key": key,
                "task": key_split(key),
                "exception": {
                    "type": kind,
                    "message": f"{text} (the task's result could not be sent to the client)",
                    "traceback": "",
                },
                "evidence": "gather",
            }
            self._telemetry.record_soon("tasks", event)
            self._telemetry.record_soon("failures", dict(event))

    def _submitted(
        self,
        key: Any,
        func: Callable[..., Any],
        tag: str | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        if self._telemetry is None:
            return
        self._telemetry.record_soon(
            "tasks",
            {
                "event": "submitted",
                "key": str(key),
                "task": getattr(func, "__name__", type(func).__name__),
                "function": _qualified_name(func),
                "tag": tag,
                "retries": kwargs.get("retries", 0),
                "args": self._scalar_args(func, args, _call_kwargs(kwargs)),
            },
        )

    def _scalar_args(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        if func not in self._signatures:
            try:
                self._signatures[func] = inspect.signature(func)
            except (TypeError, ValueError):
                self._signatures[func] = None
        signature = self._signatures[func]
        try:
            bound = (
                dict(signature.bind_partial(*args, **kwargs).arguments)
                if signature is not None
                else {f"arg{i}": a for i, a in enumerate(args)}
            )
        except TypeError:
            bound = {f"arg{i}": a for i, a in enumerate(args)}
        out: dict[str, Any] = {}
        for name, value in bound.items():
            if isinstance(value, _SCALARS):
                if isinstance(value, str) and len(value) > _MAX_ARG_CHARS:
                    value = value[:_MAX_ARG_CHARS] + "…"
                out[name] = value
        return out


_DASK_KWARGS = {
    "key",
    "workers",
    "resources",
    "retries",
    "priority",
    "fifo_timeout",
    "allow_other_workers",
    "actor",
    "actors",
    "pure",
    "batch_size",
}


def _is_serialization(error: Exception) -> bool:
    text = str(error).lower()
    return isinstance(error, (TypeError, AttributeError)) and (
        "serializ" in text or "pickl" in text
    )


def _unpicklable_results(keys: list[Any], dask_worker: Any = None) -> dict[str, str]:
    """Runs on each worker: the results among ``keys`` it holds that do not
    pickle, with why."""
    from distributed.protocol.pickle import dumps

    out: dict[str, str] = {}
    data = getattr(dask_worker, "data", {})
    for key in keys:
        if key not in data:
            continue
        try:
            dumps(data[key])
        except Exception as e:
            out[str(key)] = f"{type(e).__name__}: {e}"
    return out


def _call_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments meant for the function, not for Dask."""
    return {k: v for k, v in kwargs.items() if k not in _DASK_KWARGS}


def _qualified_name(func: Callable[..., Any]) -> str:
    module = getattr(func, "__module__", None) or "?"
    return f"{module}.{getattr(func, '__qualname__', type(func).__name__)}"
