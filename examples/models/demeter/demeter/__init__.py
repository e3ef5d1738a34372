"""Demeter (Scalable example edition): downscale GCAM regional land allocation to a grid.

A small, self-contained land-use / land-cover disaggregation model shaped like JGCRI's
Demeter: one ``.ini`` per scenario, ``run_model(config_file=...)`` as the entry point,
per-year land-cover outputs plus a ``summary.json`` per scenario.
"""

from ._version import __version__
from .config_reader import Config, ConfigError, read_config
from .model import Model, run_model
from .process import ProcessStep, kernel_density

__all__ = [
    "Config",
    "ConfigError",
    "Model",
    "ProcessStep",
    "__version__",
    "kernel_density",
    "read_config",
    "run_model",
]
