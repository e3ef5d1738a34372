"""Type stubs for the private native module (kept in step with crates/scalable-py)."""

import os
from typing import Any, final

__all__ = [
    "Diagnostic",
    "Manifest",
    "ManifestError",
    "Plan",
    "PlanError",
    "ScalableError",
    "ValidationReport",
    "__version__",
    "cli_main",
    "is_secret_name",
    "manifest_schema",
    "parse_dotenv",
    "plan_manifest",
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

@final
class Plan:
    """A resolved execution plan."""

    @staticmethod
    def read(path: str | os.PathLike[str]) -> Plan: ...
    @staticmethod
    def from_json(text: str) -> Plan: ...
    def to_json(self) -> str: ...
    def to_text(self) -> str: ...
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
    def load(path: str | os.PathLike[str]) -> Manifest: ...
    @property
    def file(self) -> str: ...
    @property
    def target_names(self) -> list[str]: ...
    def validate(self, target: str | None = None) -> ValidationReport: ...
    def select_target(
        self, explicit: str | None = None, from_env: str | None = None
    ) -> str | None: ...
    def lock_digest(self) -> str: ...

def cli_main(argv: list[str]) -> int: ...
def parse_dotenv(text: str) -> dict[str, str]: ...
def is_secret_name(name: str) -> bool: ...
def manifest_schema() -> str: ...
