"""ScalableSession.from_yaml, target selection and validation reports."""

from __future__ import annotations

from pathlib import Path

import pytest

import scalable
from scalable import ManifestError, ScalableError, ScalableSession


def test_example_validates_for_every_target(project: Path) -> None:
    for target in ["local", "hpc", "hpc-fine", "aws"]:
        report = ScalableSession.from_yaml("./scalable.yaml", target=target).validate()
        assert report.ok, report.to_text()
        assert report.errors == []


def test_target_from_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCALABLE_TARGET", "hpc")
    assert ScalableSession.from_yaml("scalable.yaml").target == "hpc"
    # An explicit argument beats the environment.
    assert ScalableSession.from_yaml("scalable.yaml", target="aws").target == "aws"


def test_target_defaults_to_local_among_several(project: Path) -> None:
    assert ScalableSession.from_yaml("scalable.yaml").target == "local"


def test_only_target_is_chosen(project: Path) -> None:
    Path("one.yaml").write_text(
        "version: 1\nproject: {name: p}\ntargets: {laptop: {provider: local}}\n"
        "components: {c: {memory: 1G}}\ntasks: {t: {component: c}}\n"
    )
    session = ScalableSession.from_yaml("one.yaml")
    assert session.target == "laptop"
    assert session.targets == ["laptop"]


def test_ambiguous_targets_name_them(project: Path) -> None:
    Path("two.yaml").write_text(
        "version: 1\nproject: {name: p}\n"
        "targets: {a: {provider: local}, b: {provider: slurm}}\n"
        "components: {c: {memory: 1G}}\ntasks: {t: {component: c}}\n"
    )
    with pytest.raises(ManifestError) as info:
        ScalableSession.from_yaml("two.yaml")
    assert info.value.code == "E_UNKNOWN_TARGET"
    assert "a, b" in info.value.message
    assert "SCALABLE_TARGET" in (info.value.hint or "")


def test_unknown_target_suggests(project: Path) -> None:
    with pytest.raises(ManifestError) as info:
        ScalableSession.from_yaml("scalable.yaml", target="hcp")
    err = info.value
    assert err.code == "E_UNKNOWN_TARGET"
    assert "did you mean `hpc`" in (err.hint or "")


def test_report_items_carry_positions(project: Path) -> None:
    text = Path("scalable.yaml").read_text().replace("memory: 16G", "memory: 16 GB", 1)
    Path("scalable.yaml").write_text(text)
    report = ScalableSession.from_yaml("scalable.yaml", target="local").validate()
    assert not report.ok
    assert not report
    [issue] = report.errors
    assert issue.code == "E_BAD_MEMORY"
    assert issue.path == "components.demeter.memory"
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "16 GB" in t)
    assert (issue.line, issue.column) == (line, text.splitlines()[line - 1].index("16 GB") + 1)
    assert "16G" in (issue.hint or "")
    assert issue.severity == "error"
    assert '"E_BAD_MEMORY"' in report.to_json()


def test_unparseable_file_raises_manifest_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("version: 1\nproject: [unclosed\n")
    with pytest.raises(ManifestError) as info:
        ScalableSession.from_yaml(bad)
    err = info.value
    assert err.code == "E_YAML_SYNTAX"
    assert err.line >= 2 and err.column >= 1
    assert err.file == str(bad)
    assert isinstance(err, ScalableError)


def test_missing_file_raises_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as info:
        ScalableSession.from_yaml(tmp_path / "nope.yaml")
    assert info.value.code == "E_IO"


def test_warnings_do_not_fail(project: Path) -> None:
    text = Path("scalable.yaml").read_text().replace("demeter:2.0.1", "demeter:latest", 1)
    Path("scalable.yaml").write_text(text)
    report = ScalableSession.from_yaml("scalable.yaml", target="local").validate()
    assert report.ok
    assert [w.code for w in report.warnings] == ["W_LATEST_TAG"]


def test_exceptions_are_one_hierarchy() -> None:
    assert issubclass(scalable.ManifestError, scalable.ScalableError)
    assert issubclass(scalable.ScalableError, Exception)


def test_manifest_path_from_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Path("scalable.yaml").rename("elsewhere.yaml")
    monkeypatch.setenv("SCALABLE_MANIFEST", "elsewhere.yaml")
    assert ScalableSession.from_yaml().manifest_path == Path("elsewhere.yaml")


def _demeter_memory(session: ScalableSession) -> str:
    [group] = [g for g in session.plan().worker_groups if g["name"] == "demeter"]
    return str(group["memory"])


def test_overlay_files_apply_and_are_checked(project: Path) -> None:
    (project / "fix.yaml").write_text("components:\n  demeter:\n    memory: 32G\n")
    assert _demeter_memory(ScalableSession.from_yaml("scalable.yaml", target="local")) == "16G"
    session = ScalableSession.from_yaml("scalable.yaml", target="local", overlay="fix.yaml")
    assert _demeter_memory(session) == "32G"
    # The target's own overlay still wins.
    fine = ScalableSession.from_yaml("scalable.yaml", target="hpc-fine", overlay=["fix.yaml"])
    assert _demeter_memory(fine) == "64G"

    (project / "bad.yaml").write_text("components:\n  demeter:\n    memroy: 32G\n")
    with pytest.raises(ManifestError) as e:
        ScalableSession.from_yaml("scalable.yaml", overlay="bad.yaml")
    assert e.value.code == "E_UNKNOWN_KEY"
    assert e.value.path == "components.demeter.memroy"
    assert e.value.line == 3


def test_run_overlays_apply_only_to_the_manifest_run_named(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scalable run --overlay` passes its files as SCALABLE_OVERLAY."""
    (project / "fix.yaml").write_text("components:\n  demeter:\n    memory: 32G\n")
    monkeypatch.setenv("SCALABLE_OVERLAY", str(project / "fix.yaml"))
    monkeypatch.setenv("SCALABLE_MANIFEST", str(project / "scalable.yaml"))
    assert _demeter_memory(ScalableSession.from_yaml(target="local")) == "32G"
    other = project / "other.yaml"
    other.write_text((project / "scalable.yaml").read_text())
    assert _demeter_memory(ScalableSession.from_yaml(other, target="local")) == "16G"
