"""Scalable: run scientific model ensembles from one manifest.

The public API is imported lazily so ``import scalable`` stays cheap (no Dask,
no native module until something is used).
"""

from __future__ import annotations

# `typing` costs milliseconds to import and the console script only needs
# `_cli`; type checkers read the imports below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from scalable._core import (
        CacheError,
        Diagnostic,
        LaunchError,
        ManifestError,
        OnboardError,
        Plan,
        PlanError,
        RunError,
        ScalableError,
        ValidationReport,
    )
    from scalable.caching import (
        CacheWarning,
        DirType,
        FileType,
        ObjectType,
        UtilityType,
        ValueType,
        cacheable,
    )
    from scalable.env import load_env
    from scalable.session import ScalableSession

__all__ = [
    "CacheError",
    "CacheWarning",
    "Diagnostic",
    "DirType",
    "FileType",
    "LaunchError",
    "ManifestError",
    "ObjectType",
    "OnboardError",
    "Plan",
    "PlanError",
    "RunError",
    "ScalableError",
    "ScalableSession",
    "UtilityType",
    "ValidationReport",
    "ValueType",
    "__version__",
    "cacheable",
    "load_env",
]

_LAZY = {
    "ScalableSession": "scalable.session",
    "load_env": "scalable.env",
    "LaunchError": "scalable._core",
    "cacheable": "scalable.caching",
    "CacheWarning": "scalable.caching",
    "FileType": "scalable.caching",
    "DirType": "scalable.caching",
    "ValueType": "scalable.caching",
    "ObjectType": "scalable.caching",
    "UtilityType": "scalable.caching",
    "CacheError": "scalable._core",
    "ManifestError": "scalable._core",
    "OnboardError": "scalable._core",
    "Plan": "scalable._core",
    "PlanError": "scalable._core",
    "RunError": "scalable._core",
    "ScalableError": "scalable._core",
    "Diagnostic": "scalable._core",
    "ValidationReport": "scalable._core",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from scalable._core import __version__

        return __version__
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scalable' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
