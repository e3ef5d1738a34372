"""The local launcher: a Dask SpecCluster on this machine with one worker group
per component, every worker advertising its component as a Dask resource."""

from __future__ import annotations

import logging
import os
from typing import Any

from distributed import Nanny, Scheduler, SpecCluster, Worker

LOOPBACK = "127.0.0.1"


def worker_specs(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One Dask worker spec per planned worker, named ``<group>-<i>``.

    A worker of group ``g`` with ``n`` threads holds resource ``g = n``; tasks
    submitted with ``tag="g"`` ask for ``g = 1``, so they run only there, ``n``
    at a time.
    """
    processes = plan["provider"]["options"].get("processes", True)
    specs: dict[str, dict[str, Any]] = {}
    for group in plan["worker_groups"]:
        sizing = group["sizing"]
        count = group["scaling"].get("count", group["scaling"].get("maximum", 0))
        options: dict[str, Any] = {
            "host": LOOPBACK,
            "nthreads": sizing["threads"],
            "memory_limit": sizing["memory_limit_bytes"],
            "resources": {group["name"]: sizing["threads"]},
        }
        if processes:
            options["env"] = {**worker_env(group["env"]), **cache_env(plan, group)}
        for i in range(count):
            name = f"{group['name']}-{i}"
            specs[name] = {
                "cls": Nanny if processes else Worker,
                "options": {**options, "name": name},
            }
    return specs


def worker_env(env: dict[str, str]) -> dict[str, str]:
    """The component's environment. Masked (secret) values come from this
    process's environment, never from the plan, which only holds ``***``."""
    out: dict[str, str] = {}
    for name, value in env.items():
        if value == "***":
            if name in os.environ:
                out[name] = os.environ[name]
        else:
            out[name] = value
    return out


def cache_env(plan: dict[str, Any], group: dict[str, Any]) -> dict[str, str]:
    """What ``@cacheable`` needs on a worker: the cache directory (the user's
    ``SCALABLE_CACHE_DIR``, else the plan's) and the component's image, which
    is part of every key computed there."""
    env: dict[str, str] = {}
    cache = os.environ.get("SCALABLE_CACHE_DIR") or plan.get("storage", {}).get("cache")
    if cache:
        env["SCALABLE_CACHE_DIR"] = os.path.abspath(cache)
    if group.get("image"):
        env["SCALABLE_IMAGE"] = str(group["image"])
    for name in ("SCALABLE_CACHE_PARANOID", "SCALABLE_CACHE_LEASE_SECONDS"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def launch(plan: dict[str, Any]) -> SpecCluster:
    """Start the scheduler and every worker on 127.0.0.1 and wait for them."""
    # Workers log at WARNING unless the user asks otherwise: their INFO start-up
    # and shutdown lines would bury the workflow's own output. A spawned worker
    # configures logging when it imports distributed, before the Nanny applies
    # the worker's `env`, so the setting must be in this process's environment,
    # and stay there for the workers a nanny restarts later.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    # The nannies live in this process; their INFO lines would bury the workflow's output.
    logging.getLogger("distributed.nanny").setLevel(logging.WARNING)
    scheduler = {
        "cls": Scheduler,
        "options": {"host": LOOPBACK, "port": 0, "dashboard": False},
    }
    specs = worker_specs(plan)
    cluster = SpecCluster(
        scheduler=scheduler,
        workers=specs,
        name=f"scalable-{plan['project']}-{plan['target']}",
        silence_logs=40,
    )
    return cluster
