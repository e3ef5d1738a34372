"""The GCP launcher, to the depth CI can honestly reach without Google Cloud:
the ``GCPCluster`` arguments and per-component worker options the plan
gives, the refusals made before any request, and the credentials error.

Not covered: any Compute Engine request (no VM is created here), the VMs'
cloud-init and Docker start-up, firewall rules between client and scheduler.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import dask
import pytest
import yaml

from scalable import LaunchError, ScalableSession
from scalable.providers import launch
from scalable.providers.gcp import cluster_options, worker_options

FIXTURE = (
    Path(__file__).resolve().parent.parent
    / "crates"
    / "scalable-plan"
    / "tests"
    / "fixtures"
    / "scalable.demeter.yaml"
)


def gcp_plan(tmp_path: Path, mounts: bool = False, **target: Any) -> dict[str, Any]:
    doc = yaml.safe_load(FIXTURE.read_text())
    if not mounts:
        del doc["components"]["demeter"]["mounts"]
    doc["components"]["demeter"]["env"].pop("DEMETER_API_TOKEN")
    doc["targets"]["gcp"] = {
        "provider": "gcp",
        "region": "us-central1",
        "project_id": "my-project",
        "instance_type": "n2-standard-8",
        **target,
    }
    (tmp_path / "demeter_data").mkdir(exist_ok=True)
    path = tmp_path / "scalable.yaml"
    path.write_text(yaml.safe_dump(doc))
    return dict(json.loads(ScalableSession.from_yaml(path, target="gcp").plan().to_json()))


def test_arguments_follow_the_plan(tmp_path: Path) -> None:
    plan = gcp_plan(tmp_path)
    groups = {g["name"]: g for g in plan["worker_groups"]}
    options = cluster_options(plan, "us-central1-a")
    assert options["projectid"] == "my-project"
    assert options["zone"] == "us-central1-a"
    assert options["machine_type"] == groups["demeter"]["sizing"]["instance_type"]
    assert options["docker_image"] == "ghcr.io/jgcri/demeter:2.0.1"
    assert options["worker_options"]["resources"] == {"demeter": 1}
    assert options["instance_labels"] == {
        "scalable-project": "demeter-lulcc",
        "scalable-target": "gcp",
    }
    pre = worker_options(groups["preprocess"])
    assert pre["worker_options"]["resources"] == {"preprocess": 1}
    assert pre["docker_image"] == "ghcr.io/dask/dask:latest"
    assert pre["env_vars"] == {}
    assert worker_options(groups["demeter"])["env_vars"] == {"DEMETER_DATA": "/data"}


def test_refusals_come_before_any_request(tmp_path: Path) -> None:
    with pytest.raises(LaunchError) as err:
        launch(gcp_plan(tmp_path, mounts=True))
    assert err.value.code == "E_LAUNCH_UNSUPPORTED"
    assert "components.demeter.mounts" in str(err.value)

    with dask.config.set({"cloudprovider.gcp.zone": "us-east1-c"}):
        with pytest.raises(LaunchError) as err:
            launch(gcp_plan(tmp_path))
    assert "`region`" in str(err.value)
    assert "DASK_CLOUDPROVIDER__GCP__ZONE=us-central1-b" in err.value.hint


def test_without_credentials_the_error_names_adc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    # google-auth's last resort is the GCE metadata server: keep it on loopback.
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    with dask.config.set({"cloudprovider.gcp.zone": "us-central1-a"}):
        with pytest.raises(LaunchError) as err:
            launch(gcp_plan(tmp_path))
    assert err.value.code == "E_LAUNCH_CREDENTIALS"
    assert "gcloud auth application-default login" in err.value.hint


def test_a_missing_package_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = gcp_plan(tmp_path)
    monkeypatch.setitem(sys.modules, "dask_cloudprovider.gcp", None)
    with pytest.raises(LaunchError) as err:
        launch(plan)
    assert err.value.code == "E_LAUNCH_DEPENDENCY"
    assert "pip install 'scalable[gcp]'" in err.value.hint
