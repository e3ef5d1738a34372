"""scalable.ai.explain_plan: a path, plan JSON text or a plan object in, an ExplainResult out."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scalable import PlanError, ScalableError, ScalableSession
from scalable.ai import ExplainResult, explain_plan


@pytest.fixture
def plan_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """plan.json for the example's aws target, 50 scenarios."""
    monkeypatch.delenv("ARTIFACT_STORAGE", raising=False)
    plan = ScalableSession.from_yaml("scalable.yaml", target="aws").plan(scenarios=50)
    path = project / "plan.json"
    path.write_text(plan.to_json())
    return path


def test_explains_a_plan_file(plan_file: Path) -> None:
    result = explain_plan(plan_file)
    assert isinstance(result, ExplainResult)
    assert result.mode == "heuristic"
    assert result.explanation.startswith("Plan Explanation\n═════════════════\n\n")
    assert 'the "demeter-lulcc" project on AWS (Fargate)' in result.explanation
    assert result.explanation.endswith("(heuristic mode)\n")
    assert result.cost_summary.startswith("$")
    assert "Fargate compute + S3 storage for 50 scenarios" in result.cost_summary
    assert f"Estimated cost: {result.cost_summary[:20]}" in result.explanation
    assert all(isinstance(r, str) for r in result.risks)
    assert any(r.startswith("Fargate cold start") for r in result.risks)
    assert any("ARTIFACT_STORAGE" in r for r in result.risks)
    assert "plan schema 1" in result.provenance
    # A str path gives the same result.
    assert explain_plan(str(plan_file)) == result


def test_json_text_and_plan_object_agree_with_the_file(plan_file: Path) -> None:
    from_file = explain_plan(plan_file)
    text = plan_file.read_text()
    assert explain_plan(text) == from_file
    plan = ScalableSession.from_yaml("scalable.yaml", target="aws").plan(scenarios=50)
    assert explain_plan(plan) == from_file


def test_matches_the_command(plan_file: Path) -> None:
    from scalable import _core

    document = json.loads(_core.explain_plan_file(plan_file))
    assert document["text"] == explain_plan(plan_file).explanation
    assert all(r["code"].startswith("R_") for r in document["risks"])


def test_result_is_frozen(plan_file: Path) -> None:
    result = explain_plan(plan_file)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.mode = "llm"  # type: ignore[misc]


def test_missing_file(project: Path) -> None:
    with pytest.raises(PlanError) as info:
        explain_plan(project / "no-such-plan.json")
    assert isinstance(info.value, ScalableError)
    assert info.value.code == "E_PLAN_IO"
    assert "scalable plan" in info.value.hint


def test_malformed_json() -> None:
    with pytest.raises(PlanError) as info:
        explain_plan('{"schema_version": 1,')
    assert info.value.code == "E_PLAN_PARSE"


def test_other_schema_version(plan_file: Path) -> None:
    doc = json.loads(plan_file.read_text())
    doc["schema_version"] = 99
    with pytest.raises(PlanError) as info:
        explain_plan(json.dumps(doc))
    assert info.value.code == "E_PLAN_VERSION"
    plan_file.write_text(json.dumps(doc))
    with pytest.raises(PlanError) as info:
        explain_plan(plan_file)
    assert info.value.code == "E_PLAN_VERSION"


def test_other_arguments_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="not int"):
        explain_plan(42)  # type: ignore[arg-type]


def test_import_scalable_stays_lazy() -> None:
    code = "import sys, scalable; assert 'scalable.ai' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
