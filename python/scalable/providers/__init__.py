"""Cluster launchers: plan JSON in, a Dask cluster with one worker group per component out.

Each provider's launcher lives in its own module; this table is the only place
that knows them all.
"""

from __future__ import annotations

import importlib
from typing import Any

from distributed.deploy.cluster import Cluster

from scalable._core import ScalableError

_LAUNCHERS = {
    "local": "scalable.providers.local",
    "slurm": "scalable.providers.slurm",
    "kubernetes": "scalable.providers.kubernetes",
    "aws": "scalable.providers.aws",
    "gcp": "scalable.providers.gcp",
}


def launch(plan: dict[str, Any]) -> Cluster:
    """Start the cluster the plan describes and return it once its workers are up."""
    provider = plan["provider"]["name"]
    module = _LAUNCHERS.get(provider)
    if module is None:
        known = ", ".join(sorted(_LAUNCHERS))
        raise ScalableError(
            f"this release launches {known} clusters; `{provider}` targets can be planned "
            f"(`scalable plan --target {plan['target']} --emit DIR`) but not started yet"
        )
    launcher = importlib.import_module(module)
    cluster: Cluster = launcher.launch(plan)
    return cluster


def evidence(plan: dict[str, Any], cluster: Cluster) -> list[dict[str, Any]]:
    """What the provider knows of workers that ended (Slurm job states, pod
    terminations), as `failures.jsonl` events; asked before the cluster closes."""
    module = _LAUNCHERS.get(plan["provider"]["name"])
    launcher = importlib.import_module(module) if module else None
    collect = getattr(launcher, "evidence", None)
    if collect is None:
        return []
    events: list[dict[str, Any]] = collect(cluster)
    return events
