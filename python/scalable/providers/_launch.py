"""What the cluster launchers share: their error, lazy imports that name the
pip extra, secret values from this process's environment, and the checks
that refuse a plan before anything is created."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any, NoReturn

from scalable._core import LaunchError

#: What plans show instead of a secret value (the value itself never leaves
#: this process's environment).
MASKED = "***"


def fail(code: str, message: str, hint: str) -> NoReturn:
    """Raise a :class:`scalable.LaunchError` carrying ``code``, ``message`` and ``hint``."""
    err = LaunchError(f"[{code}] {message}\n  help: {hint}")
    err.code = code
    err.message = message
    err.hint = hint
    raise err


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, which only the ``extra`` pip extra installs.

    Launchers import their provider's library here, when that provider
    launches, so ``import scalable`` never pays for it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        fail(
            "E_LAUNCH_DEPENDENCY",
            f"launching on {extra} needs `{module}`, which is not installed ({e})",
            f"`pip install 'scalable[{extra}]'`",
        )


def unsupported(provider: str, option: str, why: str, hint: str) -> NoReturn:
    """Refuse a plan asking for something ``provider`` cannot launch."""
    fail("E_LAUNCH_UNSUPPORTED", f"{provider} cannot launch `{option}`: {why}", hint)


def count(group: dict[str, Any]) -> int:
    """Workers a group starts with: its fixed count, else its adaptive minimum."""
    scaling = group["scaling"]
    return int(scaling["count"] if scaling["mode"] == "fixed" else scaling["minimum"])


def adaptive_groups(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The worker groups whose plan scales them adaptively."""
    return [g for g in plan["worker_groups"] if g["scaling"]["mode"] == "adaptive"]


def fan_out_group(plan: dict[str, Any]) -> dict[str, Any]:
    """The group running the scenario fan-out (else the first): the one a
    provider's autoscaler scales."""
    groups = plan["worker_groups"]
    return next((g for g in groups if g["fan_out"]), groups[0])


def check_single_adaptive_group(plan: dict[str, Any], provider: str) -> None:
    """Dask's adaptive scaling (and the operator's autoscaler) scales one
    worker group; a plan asking for more than that is refused."""
    default = fan_out_group(plan)
    for g in adaptive_groups(plan):
        if g["name"] != default["name"]:
            unsupported(
                provider,
                f"components.{g['name']}: adaptive scaling",
                f"only the fan-out group `{default['name']}` can scale adaptively here",
                f"give component `{g['name']}` a fixed worker count, "
                "or make it the fan-out component",
            )


def secret_env(names: list[str]) -> dict[str, str]:
    """Values of secret variables, from this process's environment only."""
    return {name: os.environ[name] for name in names if name in os.environ}


def missing_secrets(names: list[str]) -> list[str]:
    """Secret variables a launch needs that this process's environment lacks."""
    return [name for name in names if name not in os.environ]


def masked_names(env: dict[str, str]) -> list[str]:
    """The variables of a plan's ``env`` whose values are masked secrets."""
    return sorted(name for name, value in env.items() if MASKED in value)
