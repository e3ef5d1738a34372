"""The Kubernetes launcher against a loopback fake of the API server
(tests/kube_api.py): what it creates, validated against the Dask operator's
CRDs shipped in dask-kubernetes; that a launched cluster routes `tag=` tasks;
and that it refuses, before creating anything, what it cannot launch.

Not covered here (no cluster runs in CI): the operator itself, image pulls,
volumes and Secrets as a kubelet mounts them, and kr8s's port-forward to a
ClusterIP scheduler Service (replaced below by the fake scheduler's loopback
port). docs/providers.md shows how to try those on kind or k3d.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask_kubernetes.operator.networking as networking
import jsonschema
import pytest
import yaml
from kr8s._api import Api as Kr8sApi

from kube_api import LOOPBACK, FakeKube
from scalable import LaunchError, ScalableSession
from scalable._core import Plan
from test_emit_schemas import crd_validator

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "crates" / "scalable-plan" / "tests" / "fixtures" / "scalable.demeter.yaml"
SECRET = "s3cr3t-k8s-token"


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    fake = FakeKube()
    monkeypatch.setenv("KUBECONFIG", str(fake.kubeconfig(tmp_path / "kubeconfig")))
    monkeypatch.setenv("SCALABLE_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("DEMETER_API_TOKEN", SECRET)
    monkeypatch.delenv("SCALABLE_RUN_DIR", raising=False)
    # Nothing may leave loopback: no proxy between the client and the fake.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", f"{LOOPBACK},localhost")
    # kr8s caches one API client per thread and loop: start from none.
    Kr8sApi._instances.clear()

    # Outside a cluster the scheduler Service's DNS name does not resolve and
    # dask-kubernetes port-forwards to it; here the "forward" is the fake
    # scheduler's own loopback port.
    async def outside_cluster(host: str, port: int, retries: int = 20) -> None:
        raise socket.gaierror(f"{host} does not resolve outside the cluster")

    async def forward(service: str, namespace: str, remote: int, local: Any = None) -> int:
        assert remote in (8786, 8787)
        return fake.scheduler_port

    monkeypatch.setattr(networking, "_is_service_available", outside_cluster)
    monkeypatch.setattr(networking, "port_forward_service", forward)
    yield fake
    fake.close()
    Kr8sApi._instances.clear()


def validators() -> dict[str, jsonschema.Draft7Validator]:
    return dict(
        crd_validator(f)
        for f in ("daskcluster.yaml", "daskworkergroup.yaml", "daskautoscaler.yaml")
    )


def check_crd(doc: dict[str, Any], schemas: dict[str, jsonschema.Draft7Validator]) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in schemas[doc["kind"]].iter_errors(doc)]
    assert not errors, f"{doc['kind']}: " + "\n".join(errors)


def test_a_launched_cluster_is_the_emitted_one_and_routes_tags(kube: FakeKube) -> None:
    session = ScalableSession.from_yaml(MANIFEST, target="k8s")
    emitted = [
        d
        for d in yaml.safe_load_all(session.plan().artifacts()["daskcluster.yaml"])
        if d is not None
    ]
    client = session.start()
    try:
        # Every request went to the fake, on loopback.
        assert kube.requests
        assert {r["host"].split(":")[0] for r in kube.requests} == {LOOPBACK}

        schemas = validators()
        (cluster,) = kube.created("DaskCluster")
        assert cluster == emitted[0]
        check_crd(cluster, schemas)
        groups = kube.created("DaskWorkerGroup")
        assert [g["metadata"]["name"] for g in groups] == [
            "demeter-lulcc-postprocess",
            "demeter-lulcc-preprocess",
        ]
        for created, planned in zip(groups, emitted[1:3], strict=True):
            assert created["spec"] == planned["spec"]
            assert created["metadata"]["namespace"] == "demeter-prod"
            check_crd(created, schemas)
        (autoscaler,) = kube.created("DaskAutoscaler")
        assert autoscaler["spec"] == {"cluster": "demeter-lulcc", "minimum": 2, "maximum": 20}
        # dask-kubernetes puts its labels beside `name` in `metadata` (the API
        # server drops such unknown fields); the spec is what the CRD checks.
        check_crd({**autoscaler, "metadata": {"name": autoscaler["metadata"]["name"]}}, schemas)

        # The Secret the pods read holds the value from this environment and is
        # owned by the DaskCluster, so Kubernetes deletes it with the cluster.
        (secret,) = kube.created("Secret")
        assert secret["metadata"]["name"] == "demeter-lulcc-secrets"
        assert secret["stringData"] == {"DEMETER_API_TOKEN": SECRET}
        stored = kube.objects[("secrets", "demeter-prod", "demeter-lulcc-secrets")]
        (owner,) = stored["metadata"]["ownerReferences"]
        assert owner["kind"] == "DaskCluster" and owner["name"] == "demeter-lulcc"
        assert (
            owner["uid"]
            == kube.objects[("daskclusters", "demeter-prod", "demeter-lulcc")]["metadata"]["uid"]
        )

        # The workers hold their component's resource: `tag=` routes.
        def where() -> str:
            from distributed import get_worker

            return str(get_worker().name)

        for tag, group in [("demeter", "default"), ("preprocess", "preprocess")]:
            name = client.submit(where, tag=tag, pure=False).result(timeout=30)
            assert name.startswith(f"demeter-lulcc-{group}-")
        run_dir = session.run_dir
    finally:
        session.close()
    assert ("daskclusters", "demeter-prod", "demeter-lulcc") not in kube.objects
    assert ("secrets", "demeter-prod", "demeter-lulcc-secrets") not in kube.objects
    assert run_dir is not None
    assert SECRET not in "".join(p.read_text() for p in run_dir.glob("*.json*"))


def test_without_credentials_the_run_fails_with_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-such-kubeconfig"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SCALABLE_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("SCALABLE_RUN_DIR", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    Kr8sApi._instances.clear()
    session = ScalableSession.from_yaml(MANIFEST, target="k8s")
    with pytest.raises(LaunchError) as err:
        session.start()
    assert err.value.code == "E_LAUNCH_CREDENTIALS"
    assert "KUBECONFIG" in err.value.hint
    (run,) = (tmp_path / "runs").iterdir()
    assert json.loads((run / "run.json").read_text())["status"] == "failed"
    (failure,) = [json.loads(line) for line in (run / "failures.jsonl").read_text().splitlines()]
    assert failure["event"] == "launch-failed"
    assert failure["evidence"] == "provider"
    assert failure["provider"] == "kubernetes"
    assert failure["code"] == "E_LAUNCH_CREDENTIALS"
    assert session.client is None


def plan_for(tmp_path: Path, edit: Any) -> dict[str, Any]:
    """The k8s plan of the fixture manifest after ``edit`` of its YAML."""
    doc = yaml.safe_load(MANIFEST.read_text())
    edit(doc)
    path = tmp_path / "scalable.yaml"
    path.write_text(yaml.safe_dump(doc))
    (tmp_path / "demeter_data").mkdir(exist_ok=True)
    return dict(json.loads(ScalableSession.from_yaml(path, target="k8s").plan().to_json()))


def test_a_host_mount_without_a_volume_is_refused_before_any_request(
    kube: FakeKube, tmp_path: Path
) -> None:
    from scalable.providers import launch

    def drop_volumes(doc: dict[str, Any]) -> None:
        del doc["components"]["demeter"]["volume_mounts"]
        del doc["components"]["demeter"]["volumes"]

    with pytest.raises(LaunchError) as err:
        launch(plan_for(tmp_path, drop_volumes))
    assert err.value.code == "E_LAUNCH_UNSUPPORTED"
    assert "components.demeter.mounts" in str(err.value)
    assert "mountPath: /data" in err.value.hint
    assert kube.requests == []


def test_a_secret_neither_set_nor_stored_is_refused_before_creating(
    kube: FakeKube, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scalable.providers import launch

    monkeypatch.delenv("DEMETER_API_TOKEN")
    plan = json.loads(ScalableSession.from_yaml(MANIFEST, target="k8s").plan().to_json())
    with pytest.raises(LaunchError) as err:
        launch(plan)
    assert err.value.code == "E_LAUNCH_SECRET"
    assert "`DEMETER_API_TOKEN`" in str(err.value)
    assert "kubectl create secret generic demeter-lulcc-secrets" in err.value.hint
    assert [r for r in kube.requests if r["method"] != "GET"] == []


def test_an_existing_cluster_is_not_taken_over(kube: FakeKube) -> None:
    from scalable.providers import launch

    kube.objects[("daskclusters", "demeter-prod", "demeter-lulcc")] = {
        "apiVersion": "kubernetes.dask.org/v1",
        "kind": "DaskCluster",
        "metadata": {"name": "demeter-lulcc", "namespace": "demeter-prod"},
    }
    plan = json.loads(ScalableSession.from_yaml(MANIFEST, target="k8s").plan().to_json())
    with pytest.raises(LaunchError) as err:
        launch(plan)
    assert err.value.code == "E_LAUNCH_EXISTS"
    assert "kubectl delete daskcluster demeter-lulcc --namespace demeter-prod" in err.value.hint
    assert [r for r in kube.requests if r["method"] != "GET"] == []


def test_a_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from scalable.providers import launch

    monkeypatch.setitem(sys.modules, "dask_kubernetes.operator", None)
    plan = json.loads(ScalableSession.from_yaml(MANIFEST, target="k8s").plan().to_json())
    with pytest.raises(LaunchError) as err:
        launch(plan)
    assert err.value.code == "E_LAUNCH_DEPENDENCY"
    assert "pip install 'scalable[kubernetes]'" in err.value.hint


def test_the_launcher_reads_the_emitted_resources() -> None:
    plan = ScalableSession.from_yaml(MANIFEST, target="k8s").plan()
    from scalable.providers.kubernetes import resources, secret_names

    docs = resources(json.loads(plan.to_json()))
    assert [d["kind"] for d in docs] == [
        "DaskCluster",
        "DaskWorkerGroup",
        "DaskWorkerGroup",
        "DaskAutoscaler",
    ]
    assert secret_names(docs) == ("demeter-lulcc-secrets", ["DEMETER_API_TOKEN"])
    assert Plan.from_json(plan.to_json()).artifacts() == plan.artifacts()
