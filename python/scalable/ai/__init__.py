"""Assistants: thin wrappers over the Rust assistants in ``scalable._core``.

Heuristic mode is deterministic and offline; every result says its ``mode``
and ``provenance``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Protocol, runtime_checkable

from scalable.ai.results import (
    ComposeResult,
    DiagnoseResult,
    ExplainResult,
    Finding,
    MigrationChange,
    MigrationNotes,
    MigrationResult,
    OnboardResult,
)

__all__ = [
    "ComposeResult",
    "DiagnoseResult",
    "ExplainResult",
    "Finding",
    "MigrationChange",
    "MigrationNotes",
    "MigrationResult",
    "OnboardResult",
    "compose_workflow",
    "diagnose_run",
    "explain_plan",
    "migrate_manifest",
    "onboard_component",
]


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


def diagnose_run(
    run_dir: str | os.PathLike[str] | None = None,
    *,
    latest: bool = False,
    run: str | None = None,
    root: str | os.PathLike[str] | None = None,
    no_ai: bool = True,
) -> DiagnoseResult:
    """Diagnose a failed run: its failures grouped into classes and ranked,
    what separates each class from the successful tasks, and concrete fixes.

    The run is ``run_dir``; else ``run`` (a run id or a unique part of one)
    under ``root``; else, as with ``latest=True``, the latest run under
    ``root`` (default: ``$SCALABLE_RUNS_DIR`` or ``./.scalable/runs``).
    ``no_ai`` keeps the heuristic mode, the only one so far. Raises
    :class:`scalable.RunError` (``.code``, ``.hint``) when there is no such run
    or its record cannot be read. A run that succeeded is not an error: its
    ``summary`` says there is nothing to diagnose and ``findings`` is empty.
    """
    from scalable import _core

    del no_ai  # heuristic mode is the only mode so far
    if run_dir is not None and (latest or run is not None):
        raise ValueError("diagnose_run() takes run_dir, run or latest, not several")
    if latest and run is not None:
        raise ValueError("diagnose_run() takes run or latest, not both")
    document = _core.diagnose_run_json(
        os.fspath(run_dir) if run_dir is not None else None,
        run,
        os.fspath(root) if root is not None else None,
    )
    return _diagnosis(document)


def _diagnosis(document: str) -> DiagnoseResult:
    doc = json.loads(document)
    findings = [
        Finding(
            severity=f["severity"],
            category=f["category"],
            title=f["title"],
            count=f["count"],
            pattern=f["pattern"],
            evidence=f["evidence"],
            suggestion=f["suggestion"],
            rule=(f.get("separator") or {}).get("rule"),
            tasks=list(f["tasks"]),
            overlay=f.get("overlay"),
        )
        for f in doc["findings"]
    ]
    return DiagnoseResult(
        run_id=doc["run_id"],
        summary=doc["summary"],
        status=doc["status"],
        failures=doc["failures"],
        findings=findings,
        recommendations=list(doc["recommendations"]),
        notes=list(doc["notes"]),
        text=doc["text"],
        mode=doc["mode"],
        provenance=doc["provenance"],
        document=document,
        overlay=doc.get("overlay"),
    )


def migrate_manifest(
    path: str | os.PathLike[str],
    to_provider: str,
    from_target: str | None = None,
    target_name: str | None = None,
    no_ai: bool = True,
    *,
    output: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> MigrationResult:
    """Port a manifest to another provider, as ``scalable migrate PATH
    --to-provider P`` does: the changes required, the generated manifest
    (which validates) and the notes on what must exist before deploying.

    ``to_provider`` is ``local``, ``slurm``, ``kubernetes``, ``aws`` or
    ``gcp``. The target migrated is ``from_target``, else the first whose
    provider differs (preferring targets that are not ``local``); the new
    target is called ``target_name``, else ``k8s``, ``hpc``, ``aws``, ``gcp``
    or ``local``. Heuristic mode is the only mode so far: ``no_ai=False``
    gives the same result. Nothing is written unless ``output`` is given
    (never the input; an existing file only with ``force=True``). Raises
    :class:`scalable.ManifestError` (``.code``, ``.hint``) for a manifest that
    cannot be read or does not validate, an unknown provider or target, or an
    output that cannot be written.
    """
    from scalable import _core

    del no_ai  # heuristic mode is the only mode so far
    document = _core.migrate_manifest_json(
        os.fspath(path),
        to_provider,
        from_target=from_target,
        target_name=target_name,
        output=None if output is None else os.fspath(output),
        force=force,
    )
    doc = json.loads(document)
    return MigrationResult(
        from_target=doc["from_target"],
        from_provider=doc["from_provider"],
        to_target=doc["to_target"],
        to_provider=doc["to_provider"],
        migrated_yaml=doc["migrated_yaml"],
        changes_summary=doc["changes_summary"],
        changes=[
            MigrationChange(kind=c["kind"], title=c["title"], items=list(c["items"]))
            for c in doc["changes"]
        ],
        migration_notes=MigrationNotes(doc["notes"]),
        text=doc["text"],
        mode=doc["mode"],
        provenance=doc["provenance"],
        written_to=doc["written_to"],
        document=document,
    )


def onboard_component(
    path: str | os.PathLike[str],
    name: str,
    no_ai: bool = True,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    scenarios: int | None = None,
    write: bool = False,
    output: str | os.PathLike[str] | None = None,
    force: bool = False,
    write_dockerfile: bool = False,
) -> OnboardResult:
    """Analyse a model repository and generate its component configuration,
    as ``scalable init-component PATH --name NAME`` does.

    Heuristic mode is the only mode so far: ``no_ai=False`` gives the same
    result, with a note saying LLM mode is not available yet. Nothing is
    written unless ``write=True`` (``PATH/scalable-component.yaml``, or
    ``output``; an existing file is replaced only with ``force=True``) or
    ``write_dockerfile=True``. ``data_dir`` is sized as the model's input data
    instead of the data files in the repository; ``scenarios`` is the count the
    walltime estimate covers (default 10). Raises :class:`scalable.ai.OnboardError`
    (``.code``, ``.message``, ``.hint``) for a missing folder, a bad name or a
    file that exists.
    """
    from scalable import _core

    document = json.loads(
        _core.onboard_component(
            os.fspath(path),
            name,
            data_dir=None if data_dir is None else os.fspath(data_dir),
            scenarios=scenarios,
            write=write,
            output=None if output is None else os.fspath(output),
            force=force,
            write_dockerfile=write_dockerfile,
        )
    )
    notes = list(document["notes"])
    if not no_ai:
        notes.append("LLM mode is not available yet; this is the heuristic result")
    return _onboard_result(document, notes)


def _onboard_result(doc: dict[str, Any], notes: list[str]) -> OnboardResult:
    entry = doc["entry_point"]
    items = doc["dependencies"]["items"]
    return OnboardResult(
        component_yaml=doc["component_yaml"],
        task_yaml=doc["task_yaml"],
        recommendations=list(doc["recommendations"]),
        language=doc["language"]["name"],
        language_display=doc["language"]["display"],
        dependencies=[item["name"] for item in items],
        dependency_specifiers={item["name"]: item["specifier"] for item in items},
        entry_point=None if entry is None else entry["call"],
        container=doc["container"],
        resources=doc["resources"],
        image=doc["image"]["reference"],
        mode=doc["mode"],
        provenance=doc["provenance"],
        evidence=list(doc["evidence"]),
        notes=notes,
        text=doc["text"],
        written_to=doc["written_to"],
        document=doc,
    )


def compose_workflow(
    description: str,
    no_ai: bool = True,
    manifest: str | os.PathLike[str] | None = None,
    *,
    capabilities: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    write: bool = False,
    force: bool = False,
    include_docs: str | os.PathLike[str] | None = None,
) -> ComposeResult:
    """Compose a workflow from a description, as ``scalable compose`` does:
    ``workflow.py`` code, manifest additions and dependencies.

    ``manifest`` is the manifest to add to (default ``./scalable.yaml`` when
    it exists; without one the additions are a whole manifest). Components
    onboarded by ``init-component`` under ``capabilities`` (default
    ``./capabilities``) are models the description may name. Nothing is
    written unless ``write=True`` (``workflow.py`` and
    ``scalable.additions.yaml`` in ``output_dir``, default ``.``; existing files
    are replaced only with ``force=True``). Heuristic mode is the only mode so
    far: ``no_ai=False`` gives the same result, with a note. ``include_docs`` is
    for LLM mode: checked to exist, not read. Raises
    :class:`scalable.ai.ComposeError` (``.code``, ``.message``, ``.hint``) for an
    unusable manifest, a missing ``include_docs`` or a file that exists. A
    description it cannot make sense of is not an error: ``workflow_code`` is
    empty and ``understood`` and ``notes`` say why.
    """
    from scalable import _core

    def path(p: str | os.PathLike[str] | None) -> str | None:
        return None if p is None else os.fspath(p)

    document = _core.compose_workflow_json(
        description,
        manifest=path(manifest),
        capabilities=path(capabilities),
        output_dir=path(output_dir),
        write=write,
        force=force,
        include_docs=path(include_docs),
    )
    doc = json.loads(document)
    notes = list(doc["notes"])
    if not no_ai:
        notes.append("LLM mode is not available yet; this is the heuristic result")
    return ComposeResult(
        workflow_code=doc["workflow_code"],
        manifest_additions=doc["manifest_additions"],
        dependencies=list(doc["dependencies"]),
        understood=doc["intent"],
        functions=list(doc["functions"]),
        validation_errors=list(doc["validation_errors"]),
        notes=notes,
        written=list(doc["written"]),
        confidence=doc["confidence"],
        mode=doc["mode"],
        provenance=doc["provenance"],
        text=doc["text"],
        document=document,
    )


def __getattr__(name: str) -> Any:
    # The exceptions live in the native module; load them only when asked for.
    if name == "OnboardError":
        from scalable._core import OnboardError

        return OnboardError
    if name == "ComposeError":
        from scalable._core import ComposeError

        return ComposeError
    raise AttributeError(f"module 'scalable.ai' has no attribute {name!r}")
