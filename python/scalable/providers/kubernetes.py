"""The Kubernetes launcher: a Dask Kubernetes Operator cluster built from the
very resources ``scalable plan --emit`` writes (``Plan.artifacts()``), so a
launched cluster and the emitted ``daskcluster.yaml`` cannot drift apart.

The ``DaskCluster`` (its default worker group runs the fan-out component)
goes to ``KubeCluster(custom_cluster_spec=...)``; every ``DaskWorkerGroup``
to ``add_worker_group``; a ``DaskAutoscaler`` becomes ``adapt(minimum,
maximum)``. Workers advertise their component as a Dask resource
(``--resources <component>=1``), which ``tag=`` routes by.

Secret variables are never in the plan: the pods read them from the Secret
``<cluster>-secrets``. When this process's environment holds them, the
launcher creates that Secret and makes the DaskCluster its owner, so
Kubernetes deletes it with the cluster; otherwise the Secret must already
exist (``kubectl create secret generic ...``).
"""

from __future__ import annotations

import json
import logging
from typing import Any, NoReturn

import yaml  # type: ignore[import-untyped]  # dask depends on PyYAML

from scalable._core import Plan
from scalable.providers._launch import (
    check_single_adaptive_group,
    fail,
    missing_secrets,
    require,
    secret_env,
    unsupported,
)

log = logging.getLogger(__name__)

PROVIDER = "kubernetes"
EXTRA = "kubernetes"


def resources(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The operator resources the plan renders: a ``DaskCluster``, then a
    ``DaskWorkerGroup`` per other component, then a ``DaskAutoscaler`` when
    the fan-out group scales adaptively."""
    text = Plan.from_json(json.dumps(plan)).artifacts()["daskcluster.yaml"]
    return [doc for doc in yaml.safe_load_all(text) if doc]


def secret_names(docs: list[dict[str, Any]]) -> tuple[str | None, list[str]]:
    """The Secret the pods read and the keys they read from it."""
    secret, names = None, set()
    for doc in docs:
        for container in _pod(doc).get("containers", []):
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    secret = ref["name"]
                    names.add(ref["key"])
    return secret, sorted(names)


def _pod(doc: dict[str, Any]) -> dict[str, Any]:
    worker = doc.get("spec", {}).get("worker")
    return worker["spec"] if worker else {}


def check(plan: dict[str, Any]) -> None:
    """Refuse, before anything is created, what a pod cannot do.

    A host bind mount (``mounts``) means nothing on a Kubernetes node: each
    one must be served by one of the component's ``volume_mounts``.
    """
    for g in plan["worker_groups"]:
        served = {m.get("mountPath") for m in g.get("volume_mounts", [])}
        for mount in g["mounts"]:
            if mount["container"] not in served:
                unsupported(
                    PROVIDER,
                    f"components.{g['name']}.mounts",
                    f"`{mount['host']}` -> `{mount['container']}` is a host bind mount, "
                    "and pods see no host paths",
                    f"add a `volume_mounts` entry with `mountPath: {mount['container']}` "
                    "and the `volumes` entry behind it (e.g. a PersistentVolumeClaim)",
                )
    check_single_adaptive_group(plan, PROVIDER)


def launch(plan: dict[str, Any]) -> Any:
    """Create the cluster in the target's namespace and return the
    ``KubeCluster`` once its scheduler answers; the worker groups and the
    autoscaler are created before it is returned."""
    docs = resources(plan)
    check(plan)
    kr8s = require("kr8s", EXTRA)
    operator = require("dask_kubernetes.operator", EXTRA)

    cluster_doc, *rest = docs
    groups = [d for d in rest if d["kind"] == "DaskWorkerGroup"]
    autoscaler = next((d for d in rest if d["kind"] == "DaskAutoscaler"), None)
    name = cluster_doc["metadata"]["name"]

    api = _connect(kr8s, cluster_doc["metadata"].get("namespace"))
    namespace = cluster_doc["metadata"].get("namespace") or api.namespace
    if _exists(kr8s, api, "DaskCluster", "kubernetes.dask.org/v1", name, namespace):
        fail(
            "E_LAUNCH_EXISTS",
            f"a DaskCluster `{name}` already exists in namespace `{namespace}`",
            f"another run may be using it; when it is not, "
            f"`kubectl delete daskcluster {name} --namespace {namespace}`",
        )
    secret = _prepare_secret(kr8s, api, docs, namespace)

    try:
        cluster = operator.KubeCluster(
            custom_cluster_spec=cluster_doc,
            namespace=namespace,
            create_mode=operator.kubecluster.kubecluster.CreateMode.CREATE_ONLY,
            shutdown_on_close=True,
            quiet=True,
        )
    except Exception as e:
        if secret is not None:
            secret.delete()
        _failed(e, name, namespace)
    try:
        for doc in groups:
            suffix = doc["metadata"]["name"].removeprefix(f"{name}-")
            cluster.add_worker_group(name=suffix, custom_spec=doc["spec"]["worker"])
        if autoscaler is not None:
            cluster.adapt(autoscaler["spec"]["minimum"], autoscaler["spec"]["maximum"])
        if secret is not None:
            _own(kr8s, api, secret, name, namespace)
    except Exception as e:
        # Deleting the DaskCluster deletes its worker groups and autoscaler.
        cluster.close()
        if secret is not None and secret.exists():
            secret.delete()
        _failed(e, name, namespace)
    return cluster


def _connect(kr8s: Any, namespace: str | None) -> Any:
    """The Kubernetes API from the standard places: ``$KUBECONFIG``,
    ``~/.kube/config``, or the pod's service account."""
    try:
        return kr8s.api(namespace=namespace) if namespace else kr8s.api()
    except Exception as e:
        fail(
            "E_LAUNCH_CREDENTIALS",
            f"cannot reach a Kubernetes cluster: {e}",
            "point `KUBECONFIG` (or ~/.kube/config) at a cluster with the Dask operator "
            "installed; `kubectl get daskclusters` should answer (docs/providers.md)",
        )


def _exists(kr8s: Any, api: Any, kind: str, version: str, name: str, namespace: str) -> bool:
    cls = kr8s.objects.new_class(kind, version, asyncio=False)
    return bool(cls(name, namespace=namespace, api=api).exists())


def _no_operator(namespace: str) -> NoReturn:
    fail(
        "E_LAUNCH_OPERATOR",
        f"the Kubernetes cluster does not know DaskCluster resources (namespace `{namespace}`)",
        "install the Dask Kubernetes Operator: `helm install --repo "
        "https://helm.dask.org --create-namespace -n dask-operator "
        "--generate-name dask-kubernetes-operator`",
    )


def _prepare_secret(kr8s: Any, api: Any, docs: list[dict[str, Any]], namespace: str) -> Any:
    """Create the Secret the pods read, from this process's environment.

    Returns the Secret created (None when there is nothing to create). When
    the environment lacks some of the variables, a Secret already in the
    cluster must hold them.
    """
    secret_name, names = secret_names(docs)
    if secret_name is None:
        return None
    missing = missing_secrets(names)
    if missing:
        existing = kr8s.objects.Secret(secret_name, namespace=namespace, api=api)
        if existing.exists():
            return None
        fail(
            "E_LAUNCH_SECRET",
            f"worker pods read {', '.join(f'`{n}`' for n in missing)} from the Secret "
            f"`{secret_name}`, and neither it nor this environment has them",
            f"export {missing[0]}=... before launching, or "
            f"`kubectl create secret generic {secret_name} --namespace {namespace} "
            + " ".join(f"--from-literal={n}=..." for n in names)
            + "`",
        )
    secret = kr8s.objects.Secret(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": secret_name,
                "namespace": namespace,
                "labels": {"app.kubernetes.io/managed-by": "scalable"},
            },
            "type": "Opaque",
            "stringData": secret_env(names),
        },
        api=api,
    )
    if secret.exists():
        fail(
            "E_LAUNCH_EXISTS",
            f"a Secret `{secret_name}` already exists in namespace `{namespace}`",
            "another run may be using it; when it is not, "
            f"`kubectl delete secret {secret_name} --namespace {namespace}`",
        )
    secret.create()
    return secret


def _own(kr8s: Any, api: Any, secret: Any, name: str, namespace: str) -> None:
    """Make the DaskCluster the Secret's owner: Kubernetes deletes the Secret
    with the cluster, even when this process dies before closing it."""
    cls = kr8s.objects.new_class("DaskCluster", "kubernetes.dask.org/v1", asyncio=False)
    cluster = cls.get(name, namespace=namespace, api=api)
    secret.patch(
        {
            "metadata": {
                "ownerReferences": [
                    {
                        "apiVersion": "kubernetes.dask.org/v1",
                        "kind": "DaskCluster",
                        "name": name,
                        "uid": cluster.metadata["uid"],
                    }
                ]
            }
        }
    )


def _failed(e: Exception, name: str, namespace: str) -> NoReturn:
    if "Custom Resource Definitions" in str(e):
        _no_operator(namespace)
    fail(
        "E_LAUNCH_FAILED",
        f"the Dask operator cluster `{name}` did not start: {type(e).__name__}: {e}",
        f"`kubectl describe daskcluster {name} --namespace {namespace}` and "
        f"`kubectl get pods --namespace {namespace} -l dask.org/cluster-name={name}` "
        "show what Kubernetes saw",
    )
