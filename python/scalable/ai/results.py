"""Result objects the assistants return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True)
class OnboardResult:
    """A model repository onboarded as a component (see ``docs/assistants.md``).

    ``component_yaml`` and ``task_yaml`` are the generated ``components:`` and
    ``tasks:`` blocks; ``recommendations`` say what to fix or check;
    ``language`` is ``"python"``, ``"r"``, ``"julia"``, ``"compiled"`` or
    ``"unknown"`` (``language_display`` as printed, e.g. ``"Python (3.9+)"``);
    ``dependencies`` are names in the file's order (``dependency_specifiers``
    maps each to its version bounds); ``entry_point`` is e.g.
    ``"demeter.run_model(config_file=...)"``; ``container`` describes the
    container definition found (``None`` when there is none); ``resources``
    holds ``cpus``, ``memory``, ``walltime`` and their basis; ``evidence`` lists
    which file said what; ``mode`` is ``"heuristic"``.
    """

    component_yaml: str
    task_yaml: str
    recommendations: list[str]
    language: str
    language_display: str
    dependencies: list[str]
    dependency_specifiers: dict[str, str]
    entry_point: str | None
    container: dict[str, Any] | None
    resources: dict[str, Any]
    image: str
    mode: str
    provenance: str
    evidence: list[dict[str, str]]
    notes: list[str]
    text: str
    written_to: str | None = None
    document: dict[str, Any] = field(default_factory=dict, repr=False)
