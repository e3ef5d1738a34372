"""`scalable plan --emit` artifacts against the schemas their consumers apply.

Kubernetes: every document of daskcluster.yaml against the openAPIV3Schema of
its CRD as shipped in the installed dask-kubernetes package, made strict (an
unknown field is an error, as under `kubectl apply --validate=strict`).
AWS: every task definition against the RegisterTaskDefinition input shape of
the ECS service model shipped in botocore.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import dask_kubernetes
import jsonschema
import pytest
import yaml
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "crates" / "scalable-plan" / "tests" / "fixtures" / "scalable.demeter.yaml"
CRDS = (
    Path(dask_kubernetes.__file__).parent
    / "operator"
    / "deployment"
    / "helm"
    / "dask-kubernetes-operator"
    / "crds"
)
SECRET = "s3cr3t-demeter-token"
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"


def emit(target: str, out: Path) -> dict[str, str]:
    """Runs `scalable plan --emit` and returns the artifacts by file name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCALABLE_")}
    env["DEMETER_API_TOKEN"] = SECRET
    scalable = Path(sys.executable).parent / "scalable"
    result = subprocess.run(
        [str(scalable), "plan", str(MANIFEST), "--target", target, "--emit", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    files = {p.name: p.read_text() for p in sorted(out.iterdir())}
    for name in files:
        assert f"Wrote {out / name}" in result.stderr
    for name, text in files.items():
        assert SECRET not in text, f"{name} shows the secret"
        assert "***" not in text, f"{name} embeds a masked value"
    return files


def strict(schema: Any) -> Any:
    """The CRD schema with unknown fields refused wherever it lists properties."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def crd_validator(file: str) -> tuple[str, jsonschema.Draft7Validator]:
    crd = yaml.safe_load((CRDS / file).read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    schema = strict(version["schema"]["openAPIV3Schema"])
    # The API server checks these itself; the CRD schema leaves them out.
    schema["properties"].update(
        {
            "apiVersion": {"const": f"{crd['spec']['group']}/v1"},
            "kind": {"const": crd["spec"]["names"]["kind"]},
            "metadata": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "pattern": DNS1123_LABEL},
                    "namespace": {"type": "string", "pattern": DNS1123_LABEL},
                },
                "required": ["name"],
                "additionalProperties": False,
            },
        }
    )
    schema["required"] = [*schema.get("required", []), "apiVersion", "kind", "metadata"]
    jsonschema.Draft7Validator.check_schema(schema)
    return crd["spec"]["names"]["kind"], jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def validators() -> dict[str, jsonschema.Draft7Validator]:
    return dict(
        crd_validator(f)
        for f in ("daskcluster.yaml", "daskworkergroup.yaml", "daskautoscaler.yaml")
    )


def validate_k8s(doc: dict[str, Any], validators: dict[str, jsonschema.Draft7Validator]) -> None:
    errors = sorted(validators[doc["kind"]].iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_kubernetes_resources_match_the_operator_crds(
    tmp_path: Path, validators: dict[str, jsonschema.Draft7Validator]
) -> None:
    files = emit("k8s", tmp_path)
    assert list(files) == ["daskcluster.yaml"]
    docs = [d for d in yaml.safe_load_all(files["daskcluster.yaml"]) if d is not None]
    assert [d["kind"] for d in docs] == [
        "DaskCluster",
        "DaskWorkerGroup",
        "DaskWorkerGroup",
        "DaskAutoscaler",
    ]
    for doc in docs:
        validate_k8s(doc, validators)
        assert doc["apiVersion"] == "kubernetes.dask.org/v1"
        assert doc["metadata"]["namespace"] == "demeter-prod"

    cluster, post, pre, autoscaler = docs
    name = cluster["metadata"]["name"]
    assert name == "demeter-lulcc"
    assert post["spec"]["cluster"] == pre["spec"]["cluster"] == name
    assert autoscaler["spec"] == {"cluster": name, "minimum": 2, "maximum": 20}

    worker = cluster["spec"]["worker"]
    assert worker["replicas"] == 2
    (container,) = worker["spec"]["containers"]
    assert container["args"][-2:] == ["--resources", "demeter=1"]
    assert container["resources"]["requests"] == container["resources"]["limits"]
    assert container["resources"]["limits"] == {"cpu": "4", "memory": "16Gi"}
    assert container["volumeMounts"] == [
        {"name": "demeter-data", "mountPath": "/data", "readOnly": True}
    ]
    assert worker["spec"]["volumes"][0]["persistentVolumeClaim"] == {"claimName": "demeter-data"}
    token = next(e for e in container["env"] if e["name"] == "DEMETER_API_TOKEN")
    assert token["valueFrom"]["secretKeyRef"]["key"] == "DEMETER_API_TOKEN"
    assert cluster["spec"]["scheduler"]["service"]["selector"]["dask.org/cluster-name"] == name
    for group, doc in (("postprocess", post), ("preprocess", pre)):
        (c,) = doc["spec"]["worker"]["spec"]["containers"]
        assert c["args"][-1] == f"{group}=1"
        assert c["image"] == "ghcr.io/jgcri/scalable-worker:0.1.0"


def test_the_strict_crd_check_refuses_unknown_fields(
    tmp_path: Path, validators: dict[str, jsonschema.Draft7Validator]
) -> None:
    docs = list(yaml.safe_load_all(emit("k8s", tmp_path)["daskcluster.yaml"]))
    cluster = copy.deepcopy(docs[0])
    cluster["spec"]["worker"]["spec"]["containers"][0]["imagePulPolicy"] = "Always"
    with pytest.raises(AssertionError, match="imagePulPolicy"):
        validate_k8s(cluster, validators)
    autoscaler = copy.deepcopy(docs[-1])
    del autoscaler["spec"]["maximum"]
    with pytest.raises(AssertionError, match="maximum"):
        validate_k8s(autoscaler, validators)


@pytest.fixture(scope="module")
def register_task_definition() -> Any:
    ecs = botocore.session.get_session().get_service_model("ecs")
    return ecs.operation_model("RegisterTaskDefinition").input_shape


def test_ecs_task_definitions_match_botocore(tmp_path: Path, register_task_definition: Any) -> None:
    files = emit("aws", tmp_path)
    assert list(files) == [
        "taskdef-demeter.json",
        "taskdef-postprocess.json",
        "taskdef-preprocess.json",
    ]
    for name, text in files.items():
        taskdef = json.loads(text)
        validate_parameters(taskdef, register_task_definition)
        group = name.removeprefix("taskdef-").removesuffix(".json")
        assert taskdef["family"] == f"demeter-lulcc-{group}"
        assert taskdef["requiresCompatibilities"] == ["FARGATE"]
        assert taskdef["networkMode"] == "awsvpc"
        (container,) = taskdef["containerDefinitions"]
        assert container["essential"] is True
        assert container["command"][-2:] == ["--resources", f"{group}=1"]
        logs = container["logConfiguration"]
        assert logs["logDriver"] == "awslogs"
        assert logs["options"]["awslogs-group"] == "/scalable/demeter-lulcc"
        assert logs["options"]["awslogs-region"] == "us-east-1"

    demeter = json.loads(files["taskdef-demeter.json"])
    assert (demeter["cpu"], demeter["memory"]) == ("4096", "16384")
    (container,) = demeter["containerDefinitions"]
    assert container["secrets"] == [
        {"name": "DEMETER_API_TOKEN", "valueFrom": "/scalable/demeter-lulcc/DEMETER_API_TOKEN"}
    ]


def test_botocore_refuses_a_wrong_task_definition(
    tmp_path: Path, register_task_definition: Any
) -> None:
    taskdef = json.loads(emit("aws", tmp_path)["taskdef-demeter.json"])
    taskdef["cpu"] = 4096
    taskdef["containerDefinitions"][0]["essentail"] = True
    with pytest.raises(ParamValidationError, match="essentail"):
        validate_parameters(taskdef, register_task_definition)


def test_local_targets_emit_nothing(tmp_path: Path) -> None:
    out = tmp_path / "artifacts"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCALABLE_")}
    scalable = Path(sys.executable).parent / "scalable"
    result = subprocess.run(
        [str(scalable), "plan", str(MANIFEST), "--target", "local", "--emit", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "No provider artifacts for `local` targets" in result.stderr
    assert not out.exists()
