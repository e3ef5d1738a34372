"""`scalable compose` and `scalable.ai.compose_workflow`: the canonical
sentence against the hand-written reference (compared on the Python AST),
every corpus workflow compiled and linted with ruff, the tutorial's Step 5 and
Step 10 snippets, and the end to end run: init-component, compose --write,
merge, `scalable run` on a real local cluster."""

from __future__ import annotations

import ast
import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scalable.ai import ComposeResult, compose_workflow

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CORPUS = tomllib.loads((ROOT / "tests/compose_corpus/corpus.toml").read_text())["case"]
CANONICAL = (
    "Run Demeter to downscale GCAM land allocations for a list of scenarios in parallel, "
    "then aggregate per-scenario NetCDF outputs into a summary table"
)


def scalable(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "scalable"), *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def structure(code: str) -> dict[str, Any]:
    """Function names, decorator names per function, and (function, tag) submits."""
    tree = ast.parse(code)
    functions = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names = []
            for d in node.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                names.append(target.id if isinstance(target, ast.Name) else ast.unparse(target))
            functions[node.name] = names
    submits = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "submit"
        ):
            tag = next(k.value for k in node.keywords if k.arg == "tag")
            assert isinstance(tag, ast.Constant)
            assert isinstance(node.args[0], ast.Name)
            submits.add((node.args[0].id, tag.value))
    return {"functions": functions, "submits": submits}


@pytest.fixture
def empty_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ["SCALABLE_MANIFEST", "SCALABLE_TARGET", "SCALABLE_RUNS_DIR", "SCALABLE_CACHE_DIR"]:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_canonical_sentence_matches_the_reference(empty_project: Path) -> None:
    result = compose_workflow(CANONICAL)
    assert isinstance(result, ComposeResult)
    assert result.mode == "heuristic"
    generated = structure(result.workflow_code)
    reference = structure((ROOT / "docs/examples/workflow_demeter.py").read_text())
    assert generated == reference
    assert generated["submits"] == {
        ("prepare_demeter_config", "preprocess"),
        ("run_demeter_scenario", "demeter"),
        ("aggregate_demeter_outputs", "postprocess"),
    }
    assert "demeter.run_model(config_file=config_file, write_outputs=True)" in result.workflow_code
    assert result.dependencies == ["scalable", "demeter"]
    assert result.understood["fanout"]["variable"] == "scenario"
    assert [m["key"] for m in result.understood["models"]] == ["demeter"]
    assert result.validation_errors == []
    assert result.to_json().startswith("{")


def test_cli_prints_the_tutorial_layout(empty_project: Path) -> None:
    out = scalable("compose", CANONICAL, "--no-ai", cwd=empty_project)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Generated workflow:\n═══════════════════\n\n# workflow.py\n")
    assert "\nSuggested manifest additions:\n" in out.stdout
    assert "\nDependencies:\n  • scalable\n  • demeter\n" in out.stdout
    assert not (empty_project / "workflow.py").exists()


@pytest.mark.parametrize("case", CORPUS, ids=[c["name"] for c in CORPUS])
def test_corpus_workflows_compile_lint_and_validate(
    case: dict[str, Any], empty_project: Path
) -> None:
    result = compose_workflow(case["description"])
    if not case["models"]:
        assert result.workflow_code == ""
        assert result.understood["models"] == []
        return
    path = empty_project / "workflow.py"
    path.write_text(result.workflow_code)
    compile(result.workflow_code, str(path), "exec")
    lint = subprocess.run(
        [str(BIN / "ruff"), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"),
         str(path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + result.workflow_code
    # Alone, the additions are a whole manifest; `scalable validate` agrees.
    (empty_project / "scalable.yaml").write_text(result.manifest_additions)
    out = scalable("validate", "scalable.yaml", cwd=empty_project)
    assert out.returncode == 0, out.stdout + result.manifest_additions
    assert len(structure(result.workflow_code)["submits"]) == case["functions"]


def test_write_never_overwrites_and_never_edits_the_manifest(empty_project: Path) -> None:
    shutil.copy(ROOT / "docs/examples/scalable.demeter.yaml", "scalable.yaml")
    before = Path("scalable.yaml").read_text()
    out = scalable("compose", "Run Hector for SSP1-3 then plot", "--write", cwd=empty_project)
    assert out.returncode == 0, out.stderr
    assert Path("workflow.py").exists() and Path("scalable.additions.yaml").exists()
    assert Path("scalable.yaml").read_text() == before
    again = scalable("compose", "Run Hector once", "--write", cwd=empty_project)
    assert again.returncode == 2
    assert "error[E_COMPOSE_EXISTS]" in again.stderr
    forced = scalable("compose", "Run Hector once", "--write", "--force", cwd=empty_project)
    assert forced.returncode == 0, forced.stderr
    assert "run_hector" in Path("workflow.py").read_text()


def test_include_docs_is_checked_not_read(empty_project: Path) -> None:
    missing = scalable("compose", "Run Demeter once", "--include-docs", "nope", cwd=empty_project)
    assert missing.returncode == 2
    assert "E_COMPOSE_DOCS" in missing.stderr
    Path("README.md").write_text("docs\n")
    ok = compose_workflow("Run Demeter once", include_docs="README.md")
    assert any("does not read `--include-docs`" in n for n in ok.notes)


def test_gibberish_and_huge_descriptions(empty_project: Path) -> None:
    out = scalable("compose", "florp zibble", cwd=empty_project)
    assert out.returncode == 1
    assert "Nothing to compose" in out.stdout
    assert "Not understood: florp, zibble" in out.stdout
    big = compose_workflow("Run Demeter for SSP1-5 " * 60_000)
    assert big.understood["truncated"] is True
    assert len(big.functions) == 2


def test_tutorial_step5_python_snippet(empty_project: Path) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = compose_workflow(
            "Run Demeter for a list of GCAM scenarios in parallel and aggregate the NetCDF outputs"
        )
        print(result.workflow_code)
        print(result.manifest_additions)
        print(result.dependencies)
    assert "def run_demeter_scenario(" in out.getvalue()


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def test_tutorial_step10_validates_the_merged_manifest(empty_project: Path) -> None:
    shutil.copy(ROOT / "docs/examples/scalable.demeter.yaml", "scalable.yaml")
    from scalable import ScalableSession

    result = compose_workflow("Run Demeter for the SSP1-5 scenarios then aggregate")
    base = yaml.safe_load(Path("scalable.yaml").read_text())
    additions = yaml.safe_load(result.manifest_additions) or {}
    Path("scalable.yaml").write_text(yaml.safe_dump(deep_merge(base, additions)))
    session = ScalableSession.from_yaml("./scalable.yaml", target="local")
    report = session.validate()
    assert report.ok, [e.message for e in report.errors]


def test_end_to_end_onboard_compose_run(empty_project: Path) -> None:
    """No manifest: the additions are the whole manifest. The Demeter
    component comes from init-component's file under ./capabilities."""
    project = empty_project
    shutil.copytree(
        ROOT / "examples/models/demeter",
        project / "capabilities/demeter",
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    out = scalable("init-component", "./capabilities/demeter", "--name", "demeter", cwd=project)
    assert out.returncode == 0, out.stderr
    out = scalable("compose", CANONICAL, "--write", cwd=project)
    assert out.returncode == 0, out.stderr
    assert (
        "Model: Demeter (onboarded:\n    capabilities/demeter/scalable-component.yaml)"
        in out.stdout
    )
    additions = yaml.safe_load((project / "scalable.additions.yaml").read_text())
    (project / "scalable.yaml").write_text(yaml.safe_dump(deep_merge({}, additions)))
    subprocess.run(
        [sys.executable, str(ROOT / "examples/models/demeter/scripts/generate_data.py"),
         "demeter_data"],
        cwd=project, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    done = scalable(
        "run", "scalable.yaml", "--target", "local", "--workflow", "workflow.py",
        "--", "--scenarios", "reference,ssp2",
        cwd=project,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Pipeline complete:" in done.stdout
    table = project / "outputs/demeter/_summary/scenarios.csv"
    assert table.exists()
    assert len(table.read_text().splitlines()) == 3  # header + 2 scenarios
    [run] = sorted((project / ".scalable/runs").iterdir())
    report = scalable("report", str(run), cwd=project)
    assert report.returncode == 0, report.stderr


STEP10 = """
from scalable.ai import compose_workflow
from scalable import ScalableSession

# Generate workflow
result = compose_workflow(
    "Run Demeter for the SSP1-5 scenarios then aggregate"
)

# Write generated manifest additions
# (merge with your existing scalable.yaml)

# Validate the result
session = ScalableSession.from_yaml("./scalable.yaml", target="local")
report = session.validate()

if not report.ok:
    print("Generated config has issues:")
    for issue in report.errors:
        print(f"  [{issue.code}] {issue.path}: {issue.message}")
    # Fix issues and re-validate
else:
    print("Generated config is valid — ready to run")
"""


def test_tutorial_step10_snippet_verbatim(project: Path) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(STEP10, "tutorial-step10", "exec"), {})
    assert out.getvalue() == "Generated config is valid — ready to run\n"
