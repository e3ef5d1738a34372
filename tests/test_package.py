"""The installed package: lazy imports, the console script, python -m, load_env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scalable import load_env

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "scalable.demeter.yaml"


def python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_import_is_lazy_and_dask_free() -> None:
    loaded = python(
        "import sys, scalable; "
        "prefixes = ('dask', 'distributed', 'scalable'); "
        "print(','.join(sorted(m for m in sys.modules if m.startswith(prefixes))))"
    )
    assert loaded == "scalable"


def test_public_names_resolve() -> None:
    out = python(
        "import scalable; print(scalable.ScalableSession.__name__, scalable.load_env.__name__,"
        " scalable.ManifestError.__name__, scalable.__version__)"
    )
    assert out.split()[:3] == ["ScalableSession", "load_env", "ManifestError"]


def scalable_cmd() -> list[str]:
    return [str(Path(sys.executable).parent / "scalable")]


def test_console_script_exit_codes() -> None:
    ok = subprocess.run([*scalable_cmd(), "validate", str(EXAMPLE)], capture_output=True)
    assert ok.returncode == 0
    missing = subprocess.run(
        [*scalable_cmd(), "validate", "/nonexistent.yaml"], capture_output=True
    )
    assert missing.returncode == 2
    assert b"E_IO" in missing.stderr
    usage = subprocess.run([*scalable_cmd(), "validate", "--bogus"], capture_output=True)
    assert usage.returncode == 2


def test_invalid_manifest_exits_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("version: 1", "version: 2"))
    result = subprocess.run(
        [sys.executable, "-m", "scalable", "validate", str(bad), "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [e["code"] for e in report["errors"]] == ["E_BAD_VERSION"]


def test_load_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport SCALABLE_T_A=one\nSCALABLE_T_B='two words'\n"
        'SCALABLE_T_C="x\\ny"\nSCALABLE_T_KEEP=file\nnot an assignment\n'
    )
    monkeypatch.setenv("SCALABLE_T_KEEP", "env")
    for name in ["SCALABLE_T_A", "SCALABLE_T_B", "SCALABLE_T_C"]:
        monkeypatch.delenv(name, raising=False)
    loaded = load_env(env_file)
    assert sorted(loaded) == ["SCALABLE_T_A", "SCALABLE_T_B", "SCALABLE_T_C"]
    assert os.environ["SCALABLE_T_A"] == "one"
    assert os.environ["SCALABLE_T_B"] == "two words"
    assert os.environ["SCALABLE_T_C"] == "x\ny"
    assert os.environ["SCALABLE_T_KEEP"] == "env"
    assert load_env(env_file, override=True) == sorted(
        ["SCALABLE_T_A", "SCALABLE_T_B", "SCALABLE_T_C", "SCALABLE_T_KEEP"]
    )
    assert os.environ["SCALABLE_T_KEEP"] == "file"
    assert load_env(tmp_path / "missing.env") == []


def test_dotenv_feeds_expansion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scalable import ScalableSession

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCALABLE_T_MEM", raising=False)
    Path(".env").write_text("SCALABLE_T_MEM=12G\n")
    Path("scalable.yaml").write_text(
        "version: 1\nproject: {name: p}\ntargets: {local: {provider: local}}\n"
        "components: {c: {memory: '${SCALABLE_T_MEM}'}}\ntasks: {t: {component: c}}\n"
    )
    report = ScalableSession.from_yaml("scalable.yaml").validate()
    assert report.ok, report.to_text()
    manifest = json.loads(report.manifest_json() or "{}")
    assert manifest["components"]["c"]["memory"] == "12G"
