"""Environment helpers."""

from __future__ import annotations

import os
from pathlib import Path

from scalable._core import parse_dotenv


def load_env(path: str | os.PathLike[str] = ".env", *, override: bool = False) -> list[str]:
    """Load variables from a ``.env`` file into ``os.environ``.

    Variables already set in the environment win unless ``override`` is true,
    the same precedence manifest expansion uses. Returns the names that were
    set (never their values, which may be secrets). A missing file loads
    nothing.
    """
    file = Path(path)
    if not file.is_file():
        return []
    loaded = []
    for name, value in parse_dotenv(file.read_text(encoding="utf-8")).items():
        if override or name not in os.environ:
            os.environ[name] = value
            loaded.append(name)
    return loaded
