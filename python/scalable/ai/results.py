"""Result objects the assistants return."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExplainResult:
    """A plan explained (see ``docs/assistants.md``).

    ``explanation`` is the full text ``scalable explain`` prints; ``risks`` are
    the risk texts in catalogue order; ``cost_summary`` is the estimate with its
    basis; ``mode`` is ``"heuristic"`` (or, later, ``"llm"``); ``provenance``
    says what produced the explanation from which plan.
    """

    explanation: str
    risks: list[str]
    cost_summary: str
    mode: str
    provenance: str
