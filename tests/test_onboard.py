"""scalable.ai.onboard_component and scalable.ai.heuristics on the Demeter-shaped fixture.

The tutorial's Steps 2 and 8 from Python: the same facts, YAML and text as
`scalable init-component`, the heuristics one call each, and the errors.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scalable import OnboardError, ScalableError, ScalableSession
from scalable.ai import OnboardResult, onboard_component
from scalable.ai.heuristics import detect_language, estimate_resources, suggest_component_config

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates" / "scalable-ai" / "tests" / "fixtures" / "onboard"
DEPS = [
    "configobj",
    "numpy",
    "pandas",
    "scipy",
    "requests",
    "gcamreader",
    "xarray",
    "netcdf4",
    "matplotlib",
]


@pytest.fixture
def demeter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture as ./capabilities/demeter of a scratch working directory."""
    shutil.copytree(FIXTURES / "demeter", tmp_path / "capabilities" / "demeter")
    monkeypatch.chdir(tmp_path)
    return Path("capabilities/demeter")


def test_tutorial_step_2(demeter: Path) -> None:
    result = onboard_component("./capabilities/demeter", name="demeter", no_ai=True)
    assert isinstance(result, OnboardResult)
    assert result.mode == "heuristic"
    assert result.language == "python"
    assert result.language_display == "Python (3.9+)"
    assert result.dependencies == DEPS
    assert result.dependency_specifiers["netcdf4"] == ">=1.5.8"
    assert result.entry_point == "demeter.run_model(config_file=...)"
    assert result.container is not None
    assert result.container["base_image"] == (
        "rappdw/docker-java-python:openjdk1.8.0_171-python3.6.6"
    )
    assert result.container["python"] == "3.6"
    assert "--write-dockerfile" in result.container["warning"]
    assert result.recommendations[0] == result.container["warning"]
    assert (result.resources["cpus"], result.resources["memory"]) == (4, "16G")
    assert result.image == "ghcr.io/jgcri/demeter:2.0.1"
    assert result.component_yaml == (
        "components:\n"
        "  demeter:\n"
        "    image: ghcr.io/jgcri/demeter:2.0.1\n"
        "    runtime: apptainer\n"
        "    cpus: 4\n"
        "    memory: 16G\n"
        "    tags: [lulcc, downscaling, gcam]\n"
        "    mounts:\n"
        "      ./demeter_data: /data\n"
        "    env:\n"
        "      DEMETER_DATA: /data\n"
    )
    assert result.task_yaml == (
        "tasks:\n"
        "  run_demeter_scenario:\n"
        "    component: demeter\n"
        "    cache: true\n"
        "    outputs:\n"
        "      output_dir: dir\n"
    )
    files = {e["file"] for e in result.evidence}
    assert {"setup.py", "demeter/_version.py", "requirements.txt", "Makefile"} <= files
    # Nothing is written unless asked.
    assert result.written_to is None
    assert not (demeter / "scalable-component.yaml").exists()


def test_same_text_as_the_command(demeter: Path) -> None:
    result = onboard_component(demeter, name="demeter")
    out = subprocess.run(
        [sys.executable, "-m", "scalable", "init-component", str(demeter), "--name", "demeter"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    written = f"\nWritten to: {demeter / 'scalable-component.yaml'}\n"
    assert out == result.text.replace("\n\nRecommendations:", f"\n{written}\nRecommendations:")


def test_written_file_validates_in_a_manifest(demeter: Path, tmp_path: Path) -> None:
    result = onboard_component(demeter, name="demeter", write=True)
    assert result.written_to == str(demeter / "scalable-component.yaml")
    generated = yaml.safe_load((demeter / "scalable-component.yaml").read_text())
    manifest = {
        "version": 1,
        "project": {"name": "onboarded"},
        "targets": {"local": {"provider": "local"}},
        **generated,
    }
    (tmp_path / "scalable.yaml").write_text(yaml.safe_dump(manifest))
    report = ScalableSession.from_yaml(tmp_path / "scalable.yaml").validate()
    assert report.ok, report
    assert report.errors == [] and report.warnings == []
    with pytest.raises(OnboardError) as err:
        onboard_component(demeter, name="demeter", write=True)
    assert err.value.code == "E_ONBOARD_EXISTS"
    assert "--force" in err.value.hint
    assert isinstance(err.value, ScalableError)
    onboard_component(demeter, name="demeter", write=True, force=True)


def test_no_ai_false_says_llm_mode_is_not_there_yet(demeter: Path) -> None:
    result = onboard_component(demeter, name="demeter", no_ai=False)
    assert result.mode == "heuristic"
    assert result.notes[-1] == "LLM mode is not available yet; this is the heuristic result"


def test_result_is_frozen(demeter: Path) -> None:
    result = onboard_component(demeter, name="demeter")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.mode = "llm"  # type: ignore[misc]


def test_heuristics_step_8(demeter: Path) -> None:
    assert detect_language("./capabilities/demeter") == "python"
    assert detect_language(FIXTURES / "r-package") == "r"
    assert detect_language(FIXTURES / "gridlabd") == "compiled"
    assert detect_language(demeter / "demeter") == "unknown"
    assert estimate_resources(model_name="demeter", input_size_mb=512, num_scenarios=50) == {
        "cpus": 4,
        "memory": "16G",
        "walltime": "02:30:00",
    }
    assert suggest_component_config("./capabilities/demeter", name="demeter") == {
        "components": {
            "demeter": {
                "image": "ghcr.io/jgcri/demeter:2.0.1",
                "runtime": "apptainer",
                "cpus": 4,
                "memory": "16G",
                "tags": ["lulcc", "downscaling", "gcam"],
                "mounts": {"./demeter_data": "/data"},
                "env": {"DEMETER_DATA": "/data"},
            }
        }
    }
    with pytest.raises(ValueError):
        estimate_resources("demeter", input_size_mb=-1)


def test_errors_carry_code_and_hint(tmp_path: Path) -> None:
    with pytest.raises(OnboardError) as err:
        onboard_component(tmp_path / "missing", name="x")
    assert err.value.code == "E_ONBOARD_PATH"
    assert "no such folder" in err.value.message
    with pytest.raises(OnboardError) as err:
        detect_language(tmp_path / "missing")
    assert err.value.code == "E_ONBOARD_PATH"
    with pytest.raises(OnboardError) as err:
        onboard_component(tmp_path, name="9lives")
    assert err.value.code == "E_ONBOARD_NAME"
    from scalable.ai import OnboardError as FromAi

    assert FromAi is OnboardError
