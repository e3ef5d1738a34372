"""ScalableSession: a manifest, the target chosen for it, and what runs there."""

from __future__ import annotations

import os
from pathlib import Path

from scalable._core import Manifest, Plan, ValidationReport, plan_manifest


class ScalableSession:
    """A manifest bound to one target.

    Build one with :meth:`from_yaml`; the target is the one passed, else
    ``SCALABLE_TARGET``, else the manifest's only target, else the one named
    ``local``.
    """

    def __init__(self, manifest: Manifest, target: str | None) -> None:
        self._manifest = manifest
        self._target = target

    @classmethod
    def from_yaml(
        cls, path: str | os.PathLike[str] | None = None, target: str | None = None
    ) -> ScalableSession:
        """Load a manifest and choose its target.

        ``path`` defaults to ``$SCALABLE_MANIFEST``, else ``./scalable.yaml``.

        Raises :class:`scalable.ManifestError` (with ``code``, ``path``,
        ``line``, ``column``, ``message`` and ``hint``) when the file cannot be
        read or parsed, or when the target cannot be chosen.
        """
        if path is None:
            path = os.environ.get("SCALABLE_MANIFEST") or "scalable.yaml"
        manifest = Manifest.load(Path(path))
        chosen = manifest.select_target(target, os.environ.get("SCALABLE_TARGET"))
        return cls(manifest, chosen)

    @property
    def target(self) -> str | None:
        """The chosen target's name (None when the manifest defines none)."""
        return self._target

    @property
    def manifest_path(self) -> Path:
        """The manifest file."""
        return Path(self._manifest.file)

    @property
    def targets(self) -> list[str]:
        """Every target the manifest defines, in file order."""
        return self._manifest.target_names

    def validate(self) -> ValidationReport:
        """Validate the manifest as the chosen target resolves it.

        The report has ``.ok``, ``.errors`` and ``.warnings``; each item has
        ``.code``, ``.path``, ``.message``, ``.line``, ``.column`` and ``.hint``.
        """
        return self._manifest.validate(self._target)

    def plan(
        self,
        dry_run: bool = True,
        objective: str = "balance",
        policy: str = "manual",
        scenarios: int | None = None,
    ) -> Plan:
        """Plan the chosen target: worker groups, sizing, storage, duration, cost.

        ``objective`` is ``cost``, ``time`` or ``balance`` (``"minimize cost"``
        works too); ``policy`` is ``safe``, ``aggressive`` or ``manual``.
        Planning never launches anything; ``dry_run`` is accepted for symmetry
        with ``scalable run --dry-run``. The plan has ``.to_json()`` (the same
        bytes ``scalable plan --format json`` prints), ``.manifest_lock``,
        ``.cost`` and ``.worker_groups``. Raises :class:`scalable.ManifestError`
        when the manifest is invalid for the target.
        """
        del dry_run
        return plan_manifest(self._manifest, self._target or "", objective, policy, scenarios)

    def __repr__(self) -> str:
        return f"ScalableSession({str(self.manifest_path)!r}, target={self._target!r})"
