"""The rule-based heuristics behind ``scalable init-component``, one call each.

They are deterministic: the same repository (or the same arguments) always gives
the same answer. The rules are listed in ``docs/assistants.md``.
"""

from __future__ import annotations

import json
import os
from typing import Any

__all__ = ["detect_language", "estimate_resources", "suggest_component_config"]


def detect_language(path: str | os.PathLike[str]) -> str:
    """The language of the model repository at ``path``: ``"python"``, ``"r"``,
    ``"julia"``, ``"compiled"`` or ``"unknown"``.

    Marker files at the top level decide (``setup.py``, ``pyproject.toml``,
    ``setup.cfg``, ``_version.py``; ``DESCRIPTION``; ``Project.toml``; a
    Makefile, ``configure`` or ``CMakeLists.txt`` with C/C++/Fortran sources);
    markers in subfolders do not. Raises :class:`scalable.ai.OnboardError` when
    ``path`` is not a folder.
    """
    from scalable import _core

    language: dict[str, Any] = json.loads(_core.detect_language(os.fspath(path)))
    return str(language["name"])


def estimate_resources(
    model_name: str, input_size_mb: float = 0.0, num_scenarios: int = 1
) -> dict[str, Any]:
    """CPUs, memory and walltime for an ensemble of ``model_name``.

    From the model's profile (GCAM, Demeter, Stitches, Tethys, Xanthos, Hector;
    else a generic default), memory and time scaled up when ``input_size_mb``
    exceeds the size the profile assumes, walltime for ``num_scenarios``
    scenarios in waves of 10 workers::

        >>> estimate_resources(model_name="demeter", input_size_mb=512, num_scenarios=50)
        {'cpus': 4, 'memory': '16G', 'walltime': '02:30:00'}
    """
    from scalable import _core

    if input_size_mb < 0 or num_scenarios < 0:
        raise ValueError("input_size_mb and num_scenarios must not be negative")
    estimate: dict[str, Any] = json.loads(
        _core.estimate_resources(model_name, float(input_size_mb), int(num_scenarios))
    )
    return estimate


def suggest_component_config(path: str | os.PathLike[str], name: str) -> dict[str, Any]:
    """The component ``init-component`` would generate for the repository at
    ``path``, as the ``components`` mapping of a manifest::

        {"components": {"demeter": {"image": "ghcr.io/jgcri/demeter:2.0.1",
                                    "runtime": "apptainer", "cpus": 4, ...}}}

    Nothing is written. Raises :class:`scalable.ai.OnboardError`.
    """
    from scalable import _core

    document = json.loads(_core.onboard_component(os.fspath(path), name))
    component = document["component"]
    fields: dict[str, Any] = {
        "image": component["image"],
        "runtime": component["runtime"],
        "cpus": component["cpus"],
        "memory": component["memory"],
    }
    if component["tags"]:
        fields["tags"] = list(component["tags"])
    if component["mounts"]:
        fields["mounts"] = dict(component["mounts"])
    if component["env"]:
        fields["env"] = dict(component["env"])
    return {"components": {component["name"]: fields}}
