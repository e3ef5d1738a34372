"""Result objects the assistants return."""

from __future__ import annotations

from dataclasses import dataclass, field


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
class Finding:
    """One root cause of a failed run (see ``docs/assistants.md``).

    ``severity`` is ``"primary"``, ``"secondary"``, ``"tertiary"`` or
    ``"also"``; ``category`` the failure class (``"oom"``, ``"walltime"``,
    ``"mount_missing"``, ``"import_error"``, ``"serialization"``,
    ``"connection"``, ``"credential"``, ``"model_runtime"``, ``"unknown"``);
    ``count`` the failures in it; ``pattern`` what they share that the
    successful tasks do not; ``evidence`` what the class rests on;
    ``suggestion`` the recommended change; ``rule`` the separating rule
    (``"spatial_resolution <= 0.1"``) when one was found; ``tasks`` the keys
    of the failed tasks.
    """

    severity: str
    category: str
    title: str
    count: int
    pattern: str
    evidence: str
    suggestion: str
    rule: str | None
    tasks: list[str]


@dataclass(frozen=True)
class DiagnoseResult:
    """A run diagnosed (see ``docs/assistants.md``).

    ``summary`` is one sentence naming the primary root cause (or why there is
    nothing to diagnose); ``status`` the run's status; ``findings`` the root
    causes, most failures first; ``recommendations`` one concrete change per
    finding; ``text`` what ``scalable diagnose`` prints; ``mode`` is
    ``"heuristic"``; ``provenance`` says what produced it from which record.
    """

    run_id: str
    summary: str
    status: str
    failures: int
    findings: list[Finding]
    recommendations: list[str]
    notes: list[str]
    text: str
    mode: str
    provenance: str
    document: str = field(repr=False, compare=False)

    def to_json(self) -> str:
        """The diagnosis as JSON (what ``scalable diagnose --format json`` prints)."""
        return self.document
