"""The GCP launcher: Dask on Compute Engine VMs through dask-cloudprovider's
``GCPCluster`` (a scheduler VM and one VM per worker, each running the
component's image under Docker).

The fan-out component's workers are the ones Dask scales; every other
component gets its fixed number of pinned workers with its own machine type
and image. Each worker advertises its component as a Dask resource
(``{<component>: 1}``), which ``tag=`` routes by.

Credentials come from Application Default Credentials
(``GOOGLE_APPLICATION_CREDENTIALS``, ``gcloud auth application-default
login``, or the metadata server on GCP); the launcher never reads, logs or
records them itself. GCP places VMs in a zone and the manifest names a
region: the zone is Dask's ``cloudprovider.gcp.zone`` setting when it lies in
that region.
"""

from __future__ import annotations

import re
from typing import Any

from scalable.providers._groups import PinnedGroups
from scalable.providers._launch import (
    MASKED,
    check_single_adaptive_group,
    count,
    fail,
    fan_out_group,
    require,
    secret_env,
    unsupported,
)

PROVIDER = "gcp"
EXTRA = "gcp"
DEFAULT_IMAGE = "ghcr.io/dask/dask:latest"


def check(plan: dict[str, Any]) -> None:
    """Refuse, before anything is created, what these VMs cannot run."""
    options = plan["provider"]["options"]
    for option in ("project_id", "region"):
        if not options.get(option):
            unsupported(
                PROVIDER,
                option,
                "the target does not set it, and every Compute Engine request needs it",
                f"set `{option}:` on the target",
            )
    for g in plan["worker_groups"]:
        if g["sizing"]["kind"] != "instance":
            unsupported(
                PROVIDER,
                f"components.{g['name']}",
                f"the plan sized it as `{g['sizing']['kind']}`, not as a VM",
                "plan the target again with this release",
            )
        if g["mounts"]:
            m = g["mounts"][0]
            unsupported(
                PROVIDER,
                f"components.{g['name']}.mounts",
                f"`{m['host']}` -> `{m['container']}` is a host bind mount, "
                "and a fresh VM has no such path",
                "read inputs from Cloud Storage (`project.default_storage: gs://...`) or "
                "bake them into the image, and drop `mounts` in an overlay for this target",
            )
    check_single_adaptive_group(plan, PROVIDER)


def zone(plan: dict[str, Any], configured: str | None) -> str:
    """The zone VMs are created in: the configured one, when in the region."""
    region = plan["provider"]["options"]["region"]
    if configured and configured.rsplit("-", 1)[0] == region:
        return configured
    unsupported(
        PROVIDER,
        "region",
        f"Compute Engine places VMs in a zone, and the Dask setting `cloudprovider.gcp.zone` "
        f"(`{configured}`) is not one of region `{region}`",
        f"choose a zone of `{region}`: `export DASK_CLOUDPROVIDER__GCP__ZONE={region}-b` "
        "(see `gcloud compute zones list`)",
    )


def _label(value: str) -> str:
    """A GCP label value: lowercase letters, digits, `-` and `_`, at most 63."""
    return re.sub(r"[^a-z0-9_-]", "-", value.lower())[:63]


def _env(group: dict[str, Any]) -> dict[str, str]:
    """The component's environment; masked (secret) values from this process."""
    masked = [k for k, v in group["env"].items() if MASKED in v]
    env = {k: v for k, v in group["env"].items() if k not in masked}
    return {**env, **secret_env(masked)}


def worker_options(group: dict[str, Any]) -> dict[str, Any]:
    """Per-VM options of a component's workers (``GCPWorker`` keyword arguments)."""
    sizing = group["sizing"]
    return {
        "machine_type": sizing["instance_type"],
        "docker_image": (group["image"] or DEFAULT_IMAGE).removeprefix("docker://"),
        "env_vars": _env(group),
        "preemptible": bool(group["spot"]),
        "worker_options": {
            "resources": {group["name"]: 1},
            "nthreads": int(sizing["vcpus"]),
            "memory_limit": int(sizing["memory_gib"] * 2**30),
        },
    }


def cluster_options(plan: dict[str, Any], zone_name: str) -> dict[str, Any]:
    """``GCPCluster`` keyword arguments; the fan-out component is the worker
    template Dask scales."""
    options = plan["provider"]["options"]
    default = fan_out_group(plan)
    worker = worker_options(default)
    return {
        "projectid": options["project_id"],
        "zone": zone_name,
        "machine_type": worker["machine_type"],
        "docker_image": options.get("image") or worker["docker_image"],
        "env_vars": worker["env_vars"],
        "worker_options": worker["worker_options"],
        "preemptible": worker["preemptible"],
        "n_workers": count(default),
        "instance_labels": {
            "scalable-project": _label(plan["project"]),
            "scalable-target": _label(plan["target"]),
        },
        "silence_logs": 40,
    }


def launch(plan: dict[str, Any]) -> Any:
    """Create the scheduler and worker VMs and return the cluster once the
    scheduler answers."""
    check(plan)
    dask = require("dask", EXTRA)
    gcp = require("dask_cloudprovider.gcp", EXTRA)
    zone_name = zone(plan, dask.config.get("cloudprovider.gcp.zone", None))
    default = fan_out_group(plan)
    cls = _cluster_class(gcp.GCPCluster)
    try:
        cluster = cls(**cluster_options(plan, zone_name))
    except Exception as e:
        if type(e).__name__ == "GCPCredentialsError":
            fail(
                "E_LAUNCH_CREDENTIALS",
                "no Google Cloud credentials found (Application Default Credentials)",
                "`gcloud auth application-default login`, or set "
                "`GOOGLE_APPLICATION_CREDENTIALS` to a service-account key file",
            )
        fail(
            "E_LAUNCH_FAILED",
            f"the GCP cluster did not start: {type(e).__name__}: {e}",
            f"`gcloud compute instances list --project {plan['provider']['options']['project_id']} "
            "--filter=labels.creator=dask-cloudprovider` shows what is left to delete",
        )
    cluster.scaled_group = default["name"]
    try:
        cluster.start_groups(
            plan,
            default,
            lambda g: {
                "cls": cluster.new_spec["cls"],
                "options": {**cluster.new_spec["options"], **worker_options(g)},
            },
        )
    except Exception as e:
        cluster.close()
        fail(
            "E_LAUNCH_FAILED",
            f"the GCP cluster started but its worker groups did not: {e}",
            "the cluster has been closed (its VMs deleted)",
        )
    return cluster


def _cluster_class(base: type[Any]) -> type[Any]:
    class ScalableGCPCluster(PinnedGroups, base):  # type: ignore[misc]
        """A GCP cluster with a worker group per component."""

    return ScalableGCPCluster
