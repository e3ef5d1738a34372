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
    of the failed tasks; ``overlay`` the manifest change that fixes the class
    (a partial manifest), when one does.
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
    overlay: dict[str, Any] | None = None


@dataclass(frozen=True)
class DiagnoseResult:
    """A run diagnosed (see ``docs/assistants.md``).

    ``summary`` is one sentence naming the primary root cause (or why there is
    nothing to diagnose); ``status`` the run's status; ``findings`` the root
    causes, most failures first; ``recommendations`` one concrete change per
    finding; ``text`` what ``scalable diagnose`` prints; ``mode`` is
    ``"heuristic"``; ``provenance`` says what produced it from which record;
    ``overlay`` every finding's manifest change merged (what ``scalable
    diagnose --write-overlay`` writes), or None.
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
    overlay: dict[str, Any] | None = None

    def to_json(self) -> str:
        """The diagnosis as JSON (what ``scalable diagnose --format json`` prints)."""
        return self.document


class MigrationNotes(list[str]):
    """The migration notes: a list of strings that prints as the bullets
    ``scalable migrate`` shows under "Migration notes:"."""

    def __str__(self) -> str:
        return "\n".join(f"• {note}" for note in self)


@dataclass(frozen=True)
class MigrationChange:
    """One numbered group of "Changes required": ``kind`` is ``target``,
    ``images``, ``mounts``, ``names``, ``resources`` or ``overlays``."""

    kind: str
    title: str
    items: list[str]


@dataclass(frozen=True)
class MigrationResult:
    """A manifest migrated to another provider (see ``docs/assistants.md``).

    ``migrated_yaml`` is the generated manifest (it validates with no errors);
    ``changes_summary`` the "Changes required" text and ``changes`` the same
    as structured groups; ``migration_notes`` what must exist before
    deploying, what was kept and what was not verified (a list of strings
    that prints as bullets); ``text`` what ``scalable migrate`` prints;
    ``mode`` is ``"heuristic"``; ``written_to`` the file written, if any.
    """

    from_target: str
    from_provider: str
    to_target: str
    to_provider: str
    migrated_yaml: str
    changes_summary: str
    changes: list[MigrationChange]
    migration_notes: MigrationNotes
    text: str
    mode: str
    provenance: str
    written_to: str | None
    document: str = field(repr=False, compare=False)

    def to_json(self) -> str:
        """The migration as JSON (what ``scalable migrate --format json`` prints)."""
        return self.document


@dataclass(frozen=True)
class ComposeResult:
    """What ``compose_workflow`` understood and generated.

    ``workflow_code`` is the ``workflow.py`` text (empty when no model to
    run was recognised); ``manifest_additions`` the YAML to merge into
    ``scalable.yaml`` (a whole manifest when there was none);
    ``dependencies`` the Python packages the workflow imports;
    ``understood`` the parsed description (models, inputs, stages, fanout,
    parallel, outputs, not_understood); ``functions`` each generated
    function's name, stage and tag; ``validation_errors`` what validating the
    additions reported (empty when they validate); ``text`` what
    ``scalable compose`` prints.
    """

    workflow_code: str
    manifest_additions: str
    dependencies: list[str]
    understood: dict[str, Any]
    functions: list[dict[str, str]]
    validation_errors: list[str]
    notes: list[str]
    written: list[str]
    confidence: str
    mode: str
    provenance: str
    text: str
    document: str = field(repr=False, compare=False)

    def to_json(self) -> str:
        """The result as ``scalable compose --format json`` prints it."""
        return self.document
