"""Shared fixtures: the example manifest copied into a scratch project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "scalable.demeter.yaml"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory holding the example as ./scalable.yaml."""
    shutil.copy(EXAMPLE, tmp_path / "scalable.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCALABLE_TARGET", raising=False)
    monkeypatch.delenv("SCALABLE_MANIFEST", raising=False)
    return tmp_path
