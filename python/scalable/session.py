"""ScalableSession: a manifest, the target chosen for it, and what runs there."""

from __future__ import annotations

import atexit
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from scalable._core import Manifest, Plan, ValidationReport, plan_manifest

if TYPE_CHECKING:
    from distributed.deploy.cluster import Cluster

    from scalable._core import RunRecorder
    from scalable.client import ScalableClient
    from scalable.telemetry import Telemetry


class ScalableSession:
    """A manifest bound to one target.

    Build one with :meth:`from_yaml`; the target is the one passed, else
    ``SCALABLE_TARGET``, else the manifest's only target, else the one named
    ``local``.
    """

    def __init__(self, manifest: Manifest, target: str | None) -> None:
        self._manifest = manifest
        self._target = target
        self._client: ScalableClient | None = None
        self._cluster: Cluster | None = None
        self._plan: dict[str, Any] | None = None
        self._recorder: RunRecorder | None = None
        self._telemetry: Telemetry | None = None
        self._joined = False
        self._crash: type[BaseException] | None = None
        self._previous_hook = sys.excepthook

    @classmethod
    def from_yaml(
        cls,
        path: str | os.PathLike[str] | None = None,
        target: str | None = None,
        overlay: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    ) -> ScalableSession:
        """Load a manifest and choose its target.

        ``path`` defaults to ``$SCALABLE_MANIFEST``, else ``./scalable.yaml``.
        ``overlay`` names overlay files (partial manifests, such as the one
        ``scalable diagnose --write-overlay`` writes) merged onto the manifest
        before the target's own overlay. Under ``scalable run --overlay FILE``
        it defaults to that command's files (``$SCALABLE_OVERLAY``) when
        ``path`` is the manifest that command ran.

        Raises :class:`scalable.ManifestError` (with ``code``, ``path``,
        ``line``, ``column``, ``message`` and ``hint``) when a file cannot be
        read or parsed, or when the target cannot be chosen.
        """
        if path is None:
            path = os.environ.get("SCALABLE_MANIFEST") or "scalable.yaml"
        if overlay is None:
            overlays = _run_overlays(Path(path))
        elif isinstance(overlay, (str, os.PathLike)):
            overlays = [Path(overlay)]
        else:
            overlays = [Path(o) for o in overlay]
        manifest = Manifest.load(Path(path), overlays)
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
        objective: str | None = None,
        policy: str | None = None,
        scenarios: int | None = None,
    ) -> Plan:
        """Plan the chosen target: worker groups, sizing, storage, duration, cost.

        ``objective`` is ``cost``, ``time`` or ``balance`` (``"minimize cost"``
        works too); ``policy`` is ``safe``, ``aggressive`` or ``manual``.
        Planning never launches anything; ``dry_run`` is accepted for symmetry
        with ``scalable run --dry-run``. The plan has ``.to_json()`` (the same
        bytes ``scalable plan --format json`` prints), ``.manifest_lock``,
        ``.cost`` and ``.worker_groups``. Raises :class:`scalable.ManifestError`
        when the manifest is invalid for the target. Under ``scalable run``,
        unset arguments take the values that command planned with.
        """
        del dry_run
        env = os.environ
        if scenarios is None and env.get("SCALABLE_SCENARIOS"):
            scenarios = int(env["SCALABLE_SCENARIOS"])
        return plan_manifest(
            self._manifest,
            self._target or "",
            objective or env.get("SCALABLE_OBJECTIVE") or "balance",
            policy or env.get("SCALABLE_POLICY") or "manual",
            scenarios,
        )

    def start(self) -> ScalableClient:
        """Plan the target, open the run record, start the cluster and return its client.

        The client is a ``distributed.Client`` whose ``submit``/``map`` take
        ``tag=`` (a component name). Under ``scalable run`` the session joins
        the run that command opened (``SCALABLE_RUN_DIR``); run directly, it
        opens a run of its own in ``.scalable/runs/`` (``SCALABLE_RUNS_DIR``).
        """
        if self._client is not None:
            return self._client
        from scalable.client import ScalableClient
        from scalable.providers import launch
        from scalable.telemetry import TOPIC, Telemetry
        from scalable.worker_plugin import ScalableWorkerPlugin

        plan = self.plan()
        plan_dict = json.loads(plan.to_json())
        self._recorder = self._open_record(plan)
        self._telemetry = Telemetry(self._recorder)
        atexit.register(self._close_at_exit)
        self._previous_hook = sys.excepthook
        sys.excepthook = self._note_crash
        # Results of @cacheable functions go to the project's cache; this
        # process records their events, workers send theirs through Dask.
        from scalable import caching

        caching.configure(plan_dict.get("storage", {}).get("cache"), self._telemetry)
        self._plan = plan_dict
        try:
            self._cluster = launch(plan_dict)
        except Exception as e:
            self._launch_failed(plan_dict, e)
            raise
        groups = {
            g["name"]: g
            for g in plan_dict["worker_groups"]
            if (g["scaling"].get("count") or g["scaling"].get("maximum") or 0) > 0
        }
        self._client = ScalableClient(self._cluster, groups=groups, telemetry=self._telemetry)
        self._telemetry.attach(self._client)
        self._client.register_plugin(ScalableWorkerPlugin(TOPIC))
        for address, info in self._client.scheduler_info()["workers"].items():
            self._telemetry.record(
                "workers",
                {
                    "event": "added",
                    "worker": info.get("name", address),
                    "worker_address": address,
                    "nthreads": info.get("nthreads"),
                    "memory_limit": info.get("memory_limit"),
                    "resources": info.get("resources", {}),
                },
            )
        return self._client

    def _launch_failed(self, plan: dict[str, object], e: Exception) -> None:
        """Record why the cluster did not start and close the record as failed
        (under ``scalable run`` the command closes it, with the workflow's
        non-zero exit)."""
        assert self._telemetry is not None and self._recorder is not None
        provider = plan["provider"]
        self._telemetry.record(
            "failures",
            {
                "event": "launch-failed",
                "evidence": "provider",
                "provider": provider["name"] if isinstance(provider, dict) else None,
                "reason": getattr(e, "message", None) or str(e),
                "code": getattr(e, "code", None),
                "hint": getattr(e, "hint", None),
                "exception": {"type": type(e).__name__, "message": str(e)},
            },
        )
        self._crash = type(e)
        self.close()

    def _open_record(self, plan: Plan) -> RunRecorder:
        from scalable._core import RunRecorder

        joined = os.environ.get("SCALABLE_RUN_DIR")
        if joined:
            self._joined = True
            return RunRecorder.open(joined)
        return RunRecorder.create(
            os.environ.get("SCALABLE_RUNS_DIR"),
            plan.project,
            self.manifest_path.read_text(encoding="utf-8"),
            plan.to_json(),
            plan.manifest_lock,
            [sys.executable, *sys.argv],
        )

    @property
    def client(self) -> ScalableClient | None:
        """The client, once started."""
        return self._client

    @property
    def run_dir(self) -> Path | None:
        """The run record's directory, once started."""
        return Path(self._recorder.run_dir) if self._recorder is not None else None

    def record_artifact(self, path: str | os.PathLike[str], kind: str = "result") -> None:
        """Record an output file or directory of this run in ``artifacts.jsonl``."""
        if self._telemetry is None:
            raise RuntimeError("start the session before recording artifacts")
        p = Path(path)
        size = p.stat().st_size if p.is_file() else None
        self._telemetry.record("artifacts", {"path": str(p.resolve()), "kind": kind, "bytes": size})

    def _note_crash(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        self._crash = kind
        self._previous_hook(kind, exc, tb)

    def _close_at_exit(self) -> None:
        self.close()

    def _record_provider_evidence(self, cluster: Cluster) -> None:
        """Ask the provider why workers ended (Slurm job states) before closing
        the cluster ends them all; a provider that cannot say costs a warning."""
        if self._telemetry is None or self._plan is None:
            return
        from scalable.providers import evidence

        try:
            events = evidence(self._plan, cluster)
        except Exception as e:  # the run's own outcome matters more
            warnings.warn(f"could not collect the provider's evidence: {e}", stacklevel=3)
            return
        for event in events:
            self._telemetry.record("failures", event)

    def close(self) -> str | None:
        """Shut the cluster down and close the run record; returns its final status.

        Under ``scalable run`` the command closes the record (it knows the
        workflow's exit code), so this returns None there.
        """
        status = None
        if self._client is not None and self._telemetry is not None:
            self._telemetry.flush(self._client)
            self._client.close()
        if self._cluster is not None:
            self._record_provider_evidence(self._cluster)
            self._cluster.close()
        if self._recorder is not None and not self._joined:
            requested = None
            if self._crash is not None:
                interrupted = issubclass(self._crash, KeyboardInterrupt)
                requested = "interrupted" if interrupted else "failed"
            status = self._recorder.close(requested, None)
        if self._telemetry is not None:
            from scalable import caching

            caching.configure(None, None)
        self._client = self._cluster = self._recorder = self._telemetry = None
        atexit.unregister(self._close_at_exit)
        sys.excepthook = self._previous_hook
        return status

    def __enter__(self) -> ScalableClient:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._crash = exc_type
        self.close()

    def __repr__(self) -> str:
        return f"ScalableSession({str(self.manifest_path)!r}, target={self._target!r})"


def _run_overlays(path: Path) -> list[Path]:
    """The overlay files ``scalable run --overlay`` passed on, when ``path``
    is the manifest it ran."""
    joined = os.environ.get("SCALABLE_OVERLAY")
    ran = os.environ.get("SCALABLE_MANIFEST")
    if not joined or not ran:
        return []
    try:
        same = path.samefile(ran)
    except OSError:
        return []
    return [Path(p) for p in joined.split(os.pathsep) if p] if same else []
