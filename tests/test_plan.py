"""session.plan(): the Python twin of `scalable plan`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scalable import ManifestError, Plan, PlanError, ScalableSession


def scalable(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "scalable"
    return subprocess.run([str(exe), *args], capture_output=True, text=True)


def test_plan_matches_the_cli_byte_for_byte(project: Path) -> None:
    plan = ScalableSession.from_yaml("scalable.yaml", target="aws").plan(
        dry_run=True, objective="balance", policy="safe", scenarios=50
    )
    cli = scalable(
        "plan", "scalable.yaml", "--target", "aws", "--policy", "safe", "--scenarios", "50",
        "--format", "json",
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert plan.to_json() == cli.stdout


def test_plan_attributes(project: Path) -> None:
    plan = ScalableSession.from_yaml("scalable.yaml", target="aws").plan(scenarios=50)
    assert plan.manifest_lock is not None and plan.manifest_lock.startswith("sha256:")
    assert plan.target == "aws" and plan.provider == "aws" and plan.project == "demeter-lulcc"
    groups = {g["name"]: g for g in plan.worker_groups}
    assert groups["demeter"]["scaling"] == {"mode": "adaptive", "minimum": 1, "maximum": 10}
    assert groups["demeter"]["sizing"] == {
        "kind": "fargate",
        "cpu_units": 4096,
        "memory_mib": 16384,
    }
    assert plan.cost["priced"] is True and plan.cost["total"] > 0
    assert plan.duration["basis"] == "profile"


def test_objective_words_and_policies(project: Path) -> None:
    session = ScalableSession.from_yaml("scalable.yaml", target="hpc")

    def fan_out_workers(objective: str) -> int:
        plan = session.plan(objective=objective, scenarios=40)
        [group] = [g for g in plan.worker_groups if g["fan_out"]]
        return int(group["scaling"]["count"])

    assert fan_out_workers("minimize time") == 40
    assert fan_out_workers("balance") == 20
    assert fan_out_workers("minimize cost") == 10
    with pytest.raises(ValueError, match="not a planning objective"):
        session.plan(objective="fastest")
    with pytest.raises(ValueError, match="not a planning policy"):
        session.plan(policy="yolo")


def test_plan_file_round_trip_and_errors(project: Path, tmp_path: Path) -> None:
    out = scalable("plan", "scalable.yaml", "--target", "hpc", "--output", "plan.json")
    assert out.returncode == 0, out.stderr
    assert json.loads(Path("manifest.lock").read_text())["sha256"].startswith("sha256:")
    plan = Plan.read("plan.json")
    assert plan.to_json() == Path("plan.json").read_text()
    with pytest.raises(PlanError) as info:
        Plan.read(tmp_path / "missing.json")
    assert info.value.code == "E_PLAN_IO"
    bad = tmp_path / "old.json"
    bad.write_text(
        Path("plan.json").read_text().replace('"schema_version": 1', '"schema_version": 7')
    )
    with pytest.raises(PlanError) as info:
        Plan.read(bad)
    assert info.value.code == "E_PLAN_VERSION"


def test_invalid_manifest_raises(project: Path) -> None:
    text = Path("scalable.yaml").read_text().replace("memory: 8G", "memory: lots")
    Path("scalable.yaml").write_text(text)
    with pytest.raises(ManifestError) as info:
        ScalableSession.from_yaml("scalable.yaml", target="hpc").plan()
    assert info.value.code == "E_BAD_MEMORY"


def test_bare_manifest_name_resolves_against_working_directory(project: Path) -> None:
    plan = ScalableSession.from_yaml("scalable.yaml", target="hpc").plan()
    [demeter] = [g for g in plan.worker_groups if g["name"] == "demeter"]
    assert demeter["mounts"][0]["host"] == str(project / "demeter_data")


def test_run_dry_run_launches_nothing(project: Path) -> None:
    out = scalable("run", "scalable.yaml", "--target", "aws", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "Cost:" in out.stdout and "Fargate" in out.stdout
    assert not Path(".scalable").exists()
    missing = scalable("run", "scalable.yaml", "--target", "aws")
    assert missing.returncode == 2 and "--workflow" in missing.stderr
