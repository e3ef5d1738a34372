"""scalable.ai.migrate_manifest: the tutorial's Step 6 snippet, the result's
fields, writing and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scalable
from scalable._core import Manifest
from scalable.ai import MigrationNotes, MigrationResult, migrate_manifest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "scalable.demeter.yaml"


def test_tutorial_snippet(capsys: pytest.CaptureFixture[str]) -> None:
    # Tutorial Step 6, "Python API" (path adjusted to this checkout).
    from scalable.ai import migrate_manifest

    result = migrate_manifest(
        str(EXAMPLE),
        to_provider="kubernetes",
    )

    print(result.migrated_yaml)
    print(result.changes_summary)
    print(result.migration_notes)

    out = capsys.readouterr().out
    assert "  k8s:\n    provider: kubernetes\n" in out
    assert "claimName: demeter-data-pvc" in out
    assert out.count("Changes required:") == 1
    assert "1. Target 'hpc' → new target 'k8s'" in out
    assert "• Mount `./demeter_data`" in out


def test_result_fields_match_the_cli_json() -> None:
    result = migrate_manifest(EXAMPLE, to_provider="kubernetes", no_ai=True)
    assert isinstance(result, MigrationResult)
    assert (result.from_target, result.from_provider) == ("hpc", "slurm")
    assert (result.to_target, result.to_provider) == ("k8s", "kubernetes")
    assert result.mode == "heuristic"
    assert isinstance(result.migration_notes, MigrationNotes)
    assert all(isinstance(n, str) for n in result.migration_notes)
    assert str(result.migration_notes).startswith("• ")
    assert result.changes[0].kind == "target"
    assert result.changes[0].items[1] == "Add: namespace, image, adaptive"
    assert result.text.startswith("Migration: slurm → kubernetes\n")
    assert result.changes_summary in result.text
    assert result.migrated_yaml in result.text
    assert result.written_to is None
    doc = json.loads(result.to_json())
    assert doc["migrated_yaml"] == result.migrated_yaml


def test_generated_manifest_validates_for_every_provider(tmp_path: Path) -> None:
    for provider in ["local", "slurm", "kubernetes", "aws", "gcp"]:
        out = tmp_path / f"{provider}.yaml"
        result = migrate_manifest(EXAMPLE, to_provider=provider, output=out)
        assert result.written_to == str(out)
        assert out.read_text() == result.migrated_yaml
        report = Manifest.load(out).validate()
        assert report.ok, report


def test_output_rules(tmp_path: Path) -> None:
    src = tmp_path / "scalable.yaml"
    src.write_text(EXAMPLE.read_text())
    before = src.read_text()
    out = tmp_path / "k8s.yaml"
    migrate_manifest(src, to_provider="kubernetes", output=out)
    with pytest.raises(scalable.ManifestError) as exists:
        migrate_manifest(src, to_provider="kubernetes", output=out)
    assert exists.value.code == "E_MIGRATE_OUTPUT_EXISTS"  # type: ignore[attr-defined]
    migrate_manifest(src, to_provider="kubernetes", output=out, force=True)
    with pytest.raises(scalable.ManifestError) as same:
        migrate_manifest(src, to_provider="kubernetes", output=src, force=True)
    assert same.value.code == "E_MIGRATE_OUTPUT_IS_INPUT"  # type: ignore[attr-defined]
    assert src.read_text() == before


def test_errors_are_manifest_errors(tmp_path: Path) -> None:
    with pytest.raises(scalable.ManifestError) as missing:
        migrate_manifest(tmp_path / "nope.yaml", to_provider="gcp")
    assert missing.value.code == "E_IO"  # type: ignore[attr-defined]
    with pytest.raises(scalable.ManifestError) as provider:
        migrate_manifest(EXAMPLE, to_provider="k8s")
    assert provider.value.code == "E_UNKNOWN_PROVIDER"  # type: ignore[attr-defined]
    assert "kubernetes" in provider.value.hint  # type: ignore[attr-defined]
    with pytest.raises(scalable.ManifestError) as target:
        migrate_manifest(EXAMPLE, to_provider="gcp", from_target="hcp")
    assert target.value.code == "E_UNKNOWN_TARGET"  # type: ignore[attr-defined]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nproject: {name: p}\ntargets: {t: {provider: slurm}}\n"
        "components: {c: {memory: lots}}\ntasks: {t: {component: c}}\n"
    )
    with pytest.raises(scalable.ManifestError) as invalid:
        migrate_manifest(bad, to_provider="local")
    assert invalid.value.code == "E_BAD_MEMORY"  # type: ignore[attr-defined]
    assert invalid.value.path == "components.c.memory"  # type: ignore[attr-defined]
