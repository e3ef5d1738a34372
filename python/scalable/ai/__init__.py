"""Assistants: thin wrappers over the Rust assistants in ``scalable._core``.

Heuristic mode is deterministic and offline; every result says its ``mode``
and ``provenance``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Protocol, runtime_checkable

from scalable.ai.results import ExplainResult

__all__ = ["ExplainResult", "explain_plan"]


@runtime_checkable
class _HasToJson(Protocol):
    def to_json(self) -> str: ...


def explain_plan(path_or_plan: str | os.PathLike[str] | _HasToJson) -> ExplainResult:
    """Explain a plan in plain language: where it runs, workers, scaling,
    caching, outputs, estimated cost and risks.

    ``path_or_plan`` is a path to a plan file (``scalable plan --output``), the
    plan's JSON text, or a plan object with ``.to_json()`` (what
    ``ScalableSession.plan()`` returns). Raises :class:`scalable.PlanError`
    (``.code``, ``.hint``) when the file is missing, is not a plan or has
    another schema version, and ``TypeError`` for any other argument.
    """
    from scalable import _core

    if isinstance(path_or_plan, str) and path_or_plan.lstrip().startswith("{"):
        document = _core.explain_plan_json(path_or_plan)
    elif isinstance(path_or_plan, (str, os.PathLike)):
        document = _core.explain_plan_file(os.fspath(path_or_plan))
    elif isinstance(path_or_plan, _HasToJson):
        document = _core.explain_plan_json(path_or_plan.to_json())
    else:
        raise TypeError(
            "explain_plan() takes a plan file path, plan JSON text or a plan with "
            f".to_json(), not {type(path_or_plan).__name__}"
        )
    return _result(json.loads(document))


def _result(doc: dict[str, Any]) -> ExplainResult:
    return ExplainResult(
        explanation=doc["text"],
        risks=[risk["text"] for risk in doc["risks"]],
        cost_summary=doc["cost_summary"],
        mode=doc["mode"],
        provenance=doc["provenance"],
    )
