"""Type stubs for the private native module (kept in step with crates/scalable-py)."""

import os
from collections.abc import Callable, Sequence
from typing import Any, final

__all__ = [
    "CacheCall",
    "CacheError",
    "CacheFunction",
    "ComposeError",
    "Diagnostic",
    "LaunchError",
    "Manifest",
    "ManifestError",
    "OnboardError",
    "Plan",
    "PlanError",
    "RunError",
    "RunRecorder",
    "ScalableError",
    "ValidationReport",
    "__version__",
    "blake3_hex",
    "cache_evict",
    "cache_hash_dir",
    "cache_hash_file",
    "cli_main",
    "compose_workflow_json",
    "detect_language",
    "diagnose_run_json",
    "estimate_resources",
    "explain_plan_file",
    "explain_plan_json",
    "is_secret_name",
    "latest_run",
    "manifest_schema",
    "migrate_manifest_json",
    "onboard_component",
    "parse_dotenv",
    "plan_manifest",
    "report_html",
    "report_json",
    "report_text",
]

__version__: str

class ScalableError(Exception):
    """Base class of every error Scalable raises."""

class ManifestError(ScalableError):
    """A manifest that cannot be read or parsed, or a target that cannot be chosen."""

    code: str
    path: str
    file: str
    line: int
    column: int
    message: str
    hint: str | None

class PlanError(ScalableError):
    """A plan that cannot be made, or a plan file that cannot be read."""

    code: str
    message: str
    hint: str

class LaunchError(ScalableError):
    """A cluster that cannot be launched: a missing package or credentials, an
    option the provider cannot honour, or the provider refusing a request."""

    code: str
    message: str
    hint: str

class OnboardError(ScalableError):
    """A model repository that cannot be analysed, or a file it cannot write."""

    code: str
    message: str
    hint: str

class ComposeError(ScalableError):
    """A workflow that cannot be composed: an unusable manifest, a missing
    `include_docs` path, or a file it cannot write."""

    code: str
    message: str
    hint: str

class RunError(ScalableError):
    """A run record that cannot be created, found, read or written, or an event it refuses."""

    code: str
    message: str
    hint: str

class CacheError(ScalableError):
    """A cache that cannot be opened, read or written, or an input that cannot be hashed."""

    code: str
    message: str
    hint: str

@final
class CacheFunction:
    """The native half of one ``@cacheable`` function (see scalable.caching)."""

    def __new__(
        cls,
        cache_dir: str | os.PathLike[str],
        name: str,
        source_digest: str,
        params: list[tuple[str, str, Any, bool]],
        positional: int,
        var_args: tuple[str, str] | None,
        var_kwargs: tuple[str, str] | None,
        image: str | None,
        output: str | None,
        check_output: bool,
    ) -> CacheFunction: ...
    @property
    def cache_dir(self) -> str: ...
    def lookup(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
        pickler: Callable[[Any, str], bytes],
        recompute: bool = False,
    ) -> tuple[bytes, str, float, int] | CacheCall | None: ...

@final
class CacheCall:
    """A cache miss to compute and store."""

    @property
    def key(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def corrupt(self) -> tuple[str, str] | None: ...
    def store(
        self, value: bytes, compute_s: float, output: str | os.PathLike[str] | None = None
    ) -> int: ...
    def release(self) -> None: ...

def blake3_hex(data: bytes) -> str: ...
def cache_hash_file(
    path: str | os.PathLike[str],
    strategy: str = "auto",
    memo_dir: str | os.PathLike[str] | None = None,
) -> str: ...
def cache_hash_dir(path: str | os.PathLike[str]) -> str: ...
def cache_evict(path: str | os.PathLike[str]) -> None: ...

@final
class RunRecorder:
    """The recorder of one run (see docs/telemetry.md)."""

    @staticmethod
    def create(
        root: str | os.PathLike[str] | None,
        project: str,
        manifest_text: str,
        plan_json: str,
        lock: str | None,
        argv: list[str],
    ) -> RunRecorder: ...
    @staticmethod
    def open(run_dir: str | os.PathLike[str]) -> RunRecorder: ...
    @property
    def run_dir(self) -> str: ...
    @property
    def run_id(self) -> str: ...
    def record(self, stream: str, event_json: str) -> None: ...
    def record_many(self, stream: str, events: list[str]) -> None: ...
    def close(self, status: str | None = None, exit_code: int | None = None) -> str: ...

def report_text(run_dir: str | os.PathLike[str]) -> str: ...
def report_json(run_dir: str | os.PathLike[str]) -> str: ...
def report_html(
    run_dir: str | os.PathLike[str], output: str | os.PathLike[str] | None = None
) -> str: ...
def latest_run(root: str | os.PathLike[str] | None = None) -> str | None: ...

@final
class Plan:
    """A resolved execution plan."""

    @staticmethod
    def read(path: str | os.PathLike[str]) -> Plan: ...
    @staticmethod
    def from_json(text: str) -> Plan: ...
    def to_json(self) -> str: ...
    def to_text(self) -> str: ...
    def artifacts(self) -> dict[str, str]: ...
    @property
    def manifest_lock(self) -> str | None: ...
    @property
    def project(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def cost(self) -> dict[str, Any]: ...
    @property
    def worker_groups(self) -> list[dict[str, Any]]: ...
    @property
    def duration(self) -> dict[str, Any]: ...
    @property
    def warnings(self) -> list[dict[str, Any]]: ...

def plan_manifest(
    manifest: Manifest,
    target: str,
    objective: str = "balance",
    policy: str = "manual",
    scenarios: int | None = None,
) -> Plan: ...

@final
class Diagnostic:
    """One validation problem."""

    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def message(self) -> str: ...
    @property
    def hint(self) -> str | None: ...

@final
class ValidationReport:
    """The outcome of validating a manifest."""

    @property
    def ok(self) -> bool: ...
    @property
    def errors(self) -> list[Diagnostic]: ...
    @property
    def warnings(self) -> list[Diagnostic]: ...
    @property
    def file(self) -> str: ...
    def to_text(self) -> str: ...
    def to_json(self) -> str: ...
    def manifest_json(self) -> str | None: ...
    def __bool__(self) -> bool: ...

@final
class Manifest:
    """A parsed manifest file."""

    @staticmethod
    def load(
        path: str | os.PathLike[str], overlays: Sequence[str | os.PathLike[str]] = ...
    ) -> Manifest: ...
    @property
    def file(self) -> str: ...
    @property
    def overlay_files(self) -> list[str]: ...
    @property
    def target_names(self) -> list[str]: ...
    def validate(self, target: str | None = None) -> ValidationReport: ...
    def select_target(
        self, explicit: str | None = None, from_env: str | None = None
    ) -> str | None: ...
    def lock_digest(self) -> str: ...

def cli_main(argv: list[str]) -> int: ...
def compose_workflow_json(
    description: str,
    *,
    manifest: str | os.PathLike[str] | None = None,
    capabilities: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    write: bool = False,
    force: bool = False,
    include_docs: str | os.PathLike[str] | None = None,
) -> str: ...
def parse_dotenv(text: str) -> dict[str, str]: ...
def is_secret_name(name: str) -> bool: ...
def manifest_schema() -> str: ...
def explain_plan_json(plan_json: str) -> str: ...
def explain_plan_file(path: str | os.PathLike[str]) -> str: ...
def onboard_component(
    path: str | os.PathLike[str],
    name: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    scenarios: int | None = None,
    write: bool = False,
    output: str | os.PathLike[str] | None = None,
    force: bool = False,
    write_dockerfile: bool = False,
) -> str: ...
def detect_language(path: str | os.PathLike[str]) -> str: ...
def estimate_resources(model_name: str, input_size_mb: float, num_scenarios: int) -> str: ...
def diagnose_run_json(
    run_dir: str | os.PathLike[str] | None = None,
    run_id: str | None = None,
    root: str | os.PathLike[str] | None = None,
) -> str: ...
def migrate_manifest_json(
    path: str | os.PathLike[str],
    to_provider: str,
    from_target: str | None = None,
    target_name: str | None = None,
    output: str | os.PathLike[str] | None = None,
    force: bool = False,
) -> str: ...
