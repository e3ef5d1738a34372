"""The AWS launcher against a moto server on 127.0.0.1 (a real process the
fixture starts), up to the point where AWS would start containers.

The boundary is ``RunTask``: dask-cloudprovider's ``Task.start`` is replaced
by one that snapshots what exists in (fake) AWS at that moment — ECS cluster,
task definitions per component, log group, security group — and then fails
as a RunTask refusal would. The launcher must then delete what was created
and raise one ``LaunchError``. Credentials are fake and every endpoint is the
moto server's: nothing leaves loopback.

Not covered (no AWS in CI): Fargate running the containers, networking
between scheduler and workers, IAM permissions, SSM secret injection.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.validate import validate_parameters
from dask_cloudprovider.aws import ecs as cloudprovider_ecs

from scalable import LaunchError, ScalableSession
from scalable.providers import launch
from scalable.providers.aws import cluster_options, task_definitions

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "crates" / "scalable-plan" / "tests" / "fixtures" / "scalable.demeter.yaml"
LOOPBACK = "127.0.0.1"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # The task roles dask-cloudprovider creates attach AWS managed policies.
        env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},
    )
    url = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection((LOOPBACK, port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("the moto server did not start")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def aws(moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fake credentials and every AWS endpoint at the moto server."""
    for var in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(var)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", f"{LOOPBACK},localhost")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("SCALABLE_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("SCALABLE_RUN_DIR", raising=False)
    return moto_server


def fargate_plan(tmp_path: Path, **target: Any) -> dict[str, Any]:
    """The fixture's `aws` target without host mounts (Fargate has none)."""
    doc = yaml.safe_load(FIXTURE.read_text())
    del doc["components"]["demeter"]["mounts"]
    doc["components"]["demeter"]["env"].pop("DEMETER_API_TOKEN")
    doc["targets"]["aws"].update(target)
    path = tmp_path / "scalable.yaml"
    path.write_text(yaml.safe_dump(doc))
    plan = ScalableSession.from_yaml(path, target="aws").plan()
    return dict(json.loads(plan.to_json()))


def client(service: str, url: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=url)


def test_launch_creates_what_the_plan_says_then_cleans_up(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = fargate_plan(tmp_path, subnets=[], security_groups=[])
    seen: dict[str, Any] = {}

    async def run_task(self: Any) -> None:
        # Where AWS would start the scheduler's container: look, then refuse.
        ecs = client("ecs", aws)
        (arn,) = ecs.list_clusters()["clusterArns"]
        seen["cluster"] = ecs.describe_clusters(clusters=[arn], include=["TAGS"])["clusters"][0]
        seen["taskdefs"] = [
            ecs.describe_task_definition(taskDefinition=a)["taskDefinition"]
            for a in ecs.list_task_definitions()["taskDefinitionArns"]
        ]
        seen["log_groups"] = [
            g["logGroupName"] for g in client("logs", aws).describe_log_groups()["logGroups"]
        ]
        seen["task"] = (self.task_type, self.task_definition_arn, self._overrides)
        raise RuntimeError("RunTask refused: no Fargate capacity in a fake account")

    monkeypatch.setattr(cloudprovider_ecs.Task, "start", run_task)
    with pytest.raises(LaunchError) as err:
        launch(plan)
    assert err.value.code == "E_LAUNCH_FAILED"
    assert "RunTask refused" in err.value.message, err.value.message

    assert seen["cluster"]["status"] == "ACTIVE"
    tags = {t["key"]: t["value"] for t in seen["cluster"]["tags"]}
    assert tags["scalable:project"] == "demeter-lulcc"
    assert tags["scalable:target"] == "aws"
    assert "/scalable/demeter-lulcc" in seen["log_groups"]
    by_family = {td["family"]: td for td in seen["taskdefs"]}
    planned = task_definitions(plan)
    for group, sizes in {
        "demeter": ("4096", "16384"),
        "postprocess": ("2048", "8192"),
        "preprocess": ("1024", "2048"),
    }.items():
        td = by_family[f"demeter-lulcc-{group}"]
        assert (td["cpu"], td["memory"]) == sizes
        assert td["requiresCompatibilities"] == ["FARGATE"]
        (container,) = td["containerDefinitions"]
        # The container dask-cloudprovider's RunTask overrides address.
        assert container["name"] == "dask-worker"
        assert container["command"][-2:] == ["--resources", f"{group}=1"]
        assert container["image"] == planned[group]["containerDefinitions"][0]["image"]
        logs = container["logConfiguration"]["options"]
        assert logs["awslogs-group"] == "/scalable/demeter-lulcc"
    assert seen["task"][0] == "scheduler"

    # What the launch created is gone again (the log group stays: it holds logs).
    ecs = client("ecs", aws)
    assert all(
        c["status"] == "INACTIVE"
        for c in ecs.describe_clusters(clusters=[seen["cluster"]["clusterArn"]])["clusters"]
    )
    active = ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]
    assert not [a for a in active if "demeter-lulcc" in a]


def test_the_options_follow_the_plan(tmp_path: Path) -> None:
    plan = fargate_plan(
        tmp_path,
        vpc="vpc-0abc",
        subnets=["subnet-1", "subnet-2"],
        security_groups=["sg-1"],
        execution_role_arn="arn:aws:iam::123456789012:role/exec",
        task_role_arn="arn:aws:iam::123456789012:role/task",
    )
    options = cluster_options(plan, "scalable-x")
    assert options["region_name"] == REGION
    assert options["vpc"] == "vpc-0abc"
    assert options["subnets"] == ["subnet-1", "subnet-2"]
    assert options["security_groups"] == ["sg-1"]
    assert options["execution_role_arn"].endswith("role/exec")
    assert options["task_role_arn"].endswith("role/task")
    assert (options["worker_cpu"], options["worker_mem"]) == (4096, 16384)
    assert options["worker_extra_args"] == ["--resources", "demeter=1"]
    assert options["n_workers"] == 1
    assert options["skip_cleanup"] is True
    assert options["cloudwatch_logs_group"] == "/scalable/demeter-lulcc"


def test_ec2_and_host_mounts_are_refused_before_any_request(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = client("ecs", aws).list_clusters()["clusterArns"]
    requests: list[str] = []
    monkeypatch.setattr(
        cloudprovider_ecs.ECSCluster, "_start", lambda self: requests.append("start")
    )
    with pytest.raises(LaunchError) as err:
        launch(fargate_plan(tmp_path, cluster_type="ec2", instance_type="m5.xlarge"))
    assert err.value.code == "E_LAUNCH_UNSUPPORTED"
    assert "`cluster_type: ec2`" in str(err.value)

    fixture = json.loads(ScalableSession.from_yaml(FIXTURE, target="aws").plan().to_json())
    with pytest.raises(LaunchError) as err:
        launch(fixture)
    assert "components.demeter.mounts" in str(err.value)
    assert requests == []
    assert client("ecs", aws).list_clusters()["clusterArns"] == before


def test_without_credentials_the_error_says_where_they_come_from(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plan = fargate_plan(tmp_path)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(LaunchError) as err:
        launch(plan)
    assert err.value.code == "E_LAUNCH_CREDENTIALS"
    assert "aws configure" in err.value.hint


def test_secrets_need_an_execution_role_and_parameters(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMETER_API_TOKEN", "s3cr3t")
    before = client("ecs", aws).list_clusters()["clusterArns"]
    doc = yaml.safe_load(FIXTURE.read_text())
    del doc["components"]["demeter"]["mounts"]
    doc["targets"]["aws"]["execution_role_arn"] = "arn:aws:iam::123456789012:role/exec"
    path = tmp_path / "scalable.yaml"
    path.write_text(yaml.safe_dump(doc))
    plan = json.loads(ScalableSession.from_yaml(path, target="aws").plan().to_json())
    with pytest.raises(LaunchError) as err:
        launch(plan)
    assert err.value.code == "E_LAUNCH_SECRET"
    assert "/scalable/demeter-lulcc/DEMETER_API_TOKEN" in str(err.value)
    assert client("ecs", aws).list_clusters()["clusterArns"] == before

    del doc["targets"]["aws"]["execution_role_arn"]
    path.write_text(yaml.safe_dump(doc))
    plan = json.loads(ScalableSession.from_yaml(path, target="aws").plan().to_json())
    with pytest.raises(LaunchError) as err:
        launch(plan)
    assert err.value.code == "E_LAUNCH_UNSUPPORTED"
    assert "`execution_role_arn`" in str(err.value)


def test_registered_task_definitions_are_valid_input(tmp_path: Path) -> None:
    import botocore.session

    shape = (
        botocore.session.get_session()
        .get_service_model("ecs")
        .operation_model("RegisterTaskDefinition")
        .input_shape
    )
    for taskdef in task_definitions(fargate_plan(tmp_path)).values():
        validate_parameters(taskdef, shape)
