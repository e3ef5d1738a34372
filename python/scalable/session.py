"""ScalableSession: a manifest, the target chosen for it, and what runs there."""

from __future__ import annotations

import os
from pathlib import Path

from scalable._core import Manifest, ValidationReport


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
        cls, path: str | os.PathLike[str] = "scalable.yaml", target: str | None = None
    ) -> ScalableSession:
        """Load a manifest and choose its target.

        Raises :class:`scalable.ManifestError` (with ``code``, ``path``,
        ``line``, ``column``, ``message`` and ``hint``) when the file cannot be
        read or parsed, or when the target cannot be chosen.
        """
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

    def __repr__(self) -> str:
        return f"ScalableSession({str(self.manifest_path)!r}, target={self._target!r})"
