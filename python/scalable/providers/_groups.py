"""Worker groups beside the one Dask scales, for SpecCluster-based launchers
(dask-cloudprovider's ECS and GCP clusters).

A SpecCluster scales one worker template (``new_spec``): the fan-out
component's. The other components' workers are added as named specs and
*pinned*: ``scale`` and adaptive scale-down leave them alone, so an idle
moment never retires the only worker of a component (after which ``tag=``
tasks for it could never run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from distributed.deploy.adaptive import Adaptive

from scalable.providers._launch import count


class PinnedAdaptive(Adaptive):
    """Adaptive scaling that retires only workers of the scaled group.

    Dask asks the scheduler which workers to close and retires them before
    telling the cluster; the scheduler knows nothing of groups, so its
    choice is filtered here by the Dask resource every worker holds.
    """

    async def workers_to_close(self, target: int) -> list[str]:
        names: list[str] = await super().workers_to_close(target)
        group = getattr(self.cluster, "scaled_group", "")
        by_name = {w.get("name"): w for w in self.cluster.scheduler_info["workers"].values()}
        return [n for n in names if group in by_name.get(n, {}).get("resources", {})]


class PinnedGroups:
    """Mixin for a ``SpecCluster`` subclass (it must come first in the bases)."""

    _pinned: set[str]
    worker_spec: dict[Any, dict[str, Any]]
    #: The component whose workers Dask scales (the fan-out one).
    scaled_group: str = ""

    def adapt(self, *args: Any, **kwargs: Any) -> Any:
        """``Cluster.adapt`` with :class:`PinnedAdaptive`."""
        kwargs.setdefault("Adaptive", PinnedAdaptive)
        return super().adapt(*args, **kwargs)  # type: ignore[misc]

    def pin(self, specs: dict[str, dict[str, Any]]) -> None:
        """Add ``specs`` (worker name -> spec) as pinned workers and start them."""
        self._pinned = getattr(self, "_pinned", set()) | set(specs)
        self.worker_spec.update(specs)
        self.sync(self._correct_state)  # type: ignore[attr-defined]

    def scale(self, n: int = 0, memory: Any = None, cores: Any = None) -> Any:
        """Scale the fan-out group so the cluster has ``n`` workers in all."""
        pinned = {k: self.worker_spec.pop(k) for k in list(self.worker_spec) if k in self._names()}
        try:
            return super().scale(max(n - len(pinned), 0), memory, cores)  # type: ignore[misc]
        finally:
            self.worker_spec.update(pinned)

    async def scale_down(self, workers: Any) -> None:
        """Retire ``workers``, except pinned ones."""
        keep = self._names()
        await super().scale_down([w for w in workers if w not in keep])  # type: ignore[misc]

    def start_groups(
        self,
        plan: dict[str, Any],
        default: dict[str, Any],
        spec_for: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> None:
        """Pin the planned workers of every group but the fan-out ``default``
        (``spec_for(group)`` is a worker spec of that group), then let Dask
        scale the fan-out group within its bounds when the plan makes it adaptive."""
        self.pin(
            {
                f"{g['name']}-{i}": spec_for(g)
                for g in plan["worker_groups"]
                if g["name"] != default["name"]
                for i in range(count(g))
            }
        )
        if default["scaling"]["mode"] == "adaptive":
            pinned = sum(count(g) for g in plan["worker_groups"] if g is not default)
            self.adapt(
                minimum=default["scaling"]["minimum"] + pinned,
                maximum=default["scaling"]["maximum"] + pinned,
            )

    def _names(self) -> set[str]:
        return getattr(self, "_pinned", set())
