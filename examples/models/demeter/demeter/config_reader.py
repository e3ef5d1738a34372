"""Read and validate a Demeter run configuration (.ini).

The file has four sections, all read with :mod:`configparser` (no interpolation)::

    [STRUCTURE]
    root_dir = /path/to/demeter_data/example      ; optional, default: the .ini's folder

    [INPUTS]
    projected_lu_file = inputs/projected/gcam_land_allocation.csv
    base_lc_file = inputs/observed/baselayer_0p25deg.npz
    region_file = inputs/reference/regions.csv
    constraints_dir = inputs/constraints

    [OUTPUTS]
    output_dir = outputs/{scenario}
    output_format = auto                          ; auto | netcdf | csv
    save_transitions = false                      ; also write transitions_<year>.csv

    [PARAMS]
    scenario = reference
    spatial_resolution = 0.5
    lat_min = -90
    lat_max = 90
    lon_min = -180
    lon_max = 180
    kernel_distance = 5
    intensification_ratio = 0.8
    constraints = soil_quality, slope, protected_areas
    start_year = 2020                             ; optional, default: first projected year
    end_year = 2050                               ; optional, default: last projected year

Relative paths in ``[INPUTS]`` and ``[OUTPUTS]`` resolve against ``root_dir``; a relative
``root_dir`` resolves against the folder holding the .ini file (paths passed to
``read_config``/``run_model`` as keyword overrides resolve against the current directory).
``$VARS`` and ``~`` are expanded in every path, and ``{scenario}`` becomes the scenario name.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OUTPUT_FORMATS = ("auto", "netcdf", "csv")
DEFAULT_CONSTRAINTS = ("soil_quality", "slope", "protected_areas")

# key -> (section, default); a default of None means the key is required.
_KEYS: dict[str, tuple[str, Any]] = {
    "root_dir": ("STRUCTURE", ""),
    "projected_lu_file": ("INPUTS", None),
    "base_lc_file": ("INPUTS", None),
    "region_file": ("INPUTS", None),
    "constraints_dir": ("INPUTS", None),
    "output_dir": ("OUTPUTS", None),
    "output_format": ("OUTPUTS", "auto"),
    "save_transitions": ("OUTPUTS", "false"),
    "scenario": ("PARAMS", None),
    "spatial_resolution": ("PARAMS", "0.5"),
    "lat_min": ("PARAMS", "-90"),
    "lat_max": ("PARAMS", "90"),
    "lon_min": ("PARAMS", "-180"),
    "lon_max": ("PARAMS", "180"),
    "kernel_distance": ("PARAMS", "5"),
    "intensification_ratio": ("PARAMS", "0.8"),
    "constraints": ("PARAMS", ", ".join(DEFAULT_CONSTRAINTS)),
    "start_year": ("PARAMS", ""),
    "end_year": ("PARAMS", ""),
}


class ConfigError(ValueError):
    """The configuration file is malformed or a value is out of range."""


@dataclass
class Config:
    """A validated run configuration with every path made absolute."""

    config_file: str
    root_dir: Path
    projected_lu_file: Path
    base_lc_file: Path
    region_file: Path
    constraints_dir: Path
    output_dir: Path
    output_format: str
    save_transitions: bool
    scenario: str
    spatial_resolution: float
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float
    kernel_distance: int
    intensification_ratio: float
    constraints: list[str] = field(default_factory=lambda: list(DEFAULT_CONSTRAINTS))
    start_year: int | None = None
    end_year: int | None = None

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(lon_min, lat_min, lon_max, lat_max)."""
        return (self.lon_min, self.lat_min, self.lon_max, self.lat_max)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view (paths as strings)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, Path):
                out[key] = str(value)
        return out


def _expand(value: str) -> Path:
    return Path(os.path.expanduser(os.path.expandvars(value.strip())))


def _number(key: str, raw: str, kind: type) -> Any:
    try:
        return kind(float(raw)) if kind is int else kind(raw)
    except ValueError:
        raise ConfigError(f"[{_KEYS[key][0]}] {key} = {raw!r} is not a number") from None


def _flag(key: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"[{_KEYS[key][0]}] {key} = {raw!r} is not a boolean")


def read_config(config_file: str | os.PathLike[str], **overrides: Any) -> Config:
    """Read ``config_file``; keyword ``overrides`` replace keys of any section by name."""
    path = Path(config_file).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"Demeter config file not found: {path}")
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    parser.optionxform = str.lower  # type: ignore[assignment,method-assign]
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as err:
        raise ConfigError(f"{path}: {err}") from None

    unknown = sorted(set(overrides) - set(_KEYS))
    if unknown:
        raise ConfigError(f"unknown configuration key(s): {', '.join(unknown)}")

    raw: dict[str, str] = {}
    for key, (section, default) in _KEYS.items():
        if key in overrides and overrides[key] is not None:
            value = overrides[key]
            raw[key] = ", ".join(value) if isinstance(value, (list, tuple)) else str(value)
        elif parser.has_option(section, key):
            raw[key] = parser.get(section, key).strip()
        elif default is None:
            raise ConfigError(f"{path}: missing required key [{section}] {key}")
        else:
            raw[key] = default

    root = _expand(raw["root_dir"]) if raw["root_dir"] else path.parent
    if not root.is_absolute():
        root = (Path.cwd() if overrides.get("root_dir") is not None else path.parent) / root
    root = root.resolve()

    scenario = raw["scenario"]
    if not scenario:
        raise ConfigError("[PARAMS] scenario must not be empty")

    def resolve(key: str) -> Path:
        # Paths from the file are relative to root_dir; paths passed as keyword
        # overrides are relative to the current directory, like any argument.
        p = _expand(raw[key].replace("{scenario}", scenario))
        if p.is_absolute():
            return p
        return (Path.cwd() if overrides.get(key) is not None else root) / p

    output_dir = resolve("output_dir")

    fmt = raw["output_format"].lower()
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"[OUTPUTS] output_format must be one of {OUTPUT_FORMATS}, got {fmt!r}")

    cfg = Config(
        config_file=str(path),
        root_dir=root,
        projected_lu_file=resolve("projected_lu_file"),
        base_lc_file=resolve("base_lc_file"),
        region_file=resolve("region_file"),
        constraints_dir=resolve("constraints_dir"),
        output_dir=output_dir,
        output_format=fmt,
        save_transitions=_flag("save_transitions", raw["save_transitions"]),
        scenario=scenario,
        spatial_resolution=_number("spatial_resolution", raw["spatial_resolution"], float),
        lat_min=_number("lat_min", raw["lat_min"], float),
        lat_max=_number("lat_max", raw["lat_max"], float),
        lon_min=_number("lon_min", raw["lon_min"], float),
        lon_max=_number("lon_max", raw["lon_max"], float),
        kernel_distance=_number("kernel_distance", raw["kernel_distance"], int),
        intensification_ratio=_number("intensification_ratio", raw["intensification_ratio"], float),
        constraints=[c.strip() for c in raw["constraints"].split(",") if c.strip()],
        start_year=_number("start_year", raw["start_year"], int) if raw["start_year"] else None,
        end_year=_number("end_year", raw["end_year"], int) if raw["end_year"] else None,
    )
    _validate(cfg)
    return cfg


def _validate(cfg: Config) -> None:
    res = cfg.spatial_resolution
    if not res > 0:
        raise ConfigError(f"[PARAMS] spatial_resolution must be > 0, got {res}")
    if not (-90 <= cfg.lat_min < cfg.lat_max <= 90):
        raise ConfigError("[PARAMS] need -90 <= lat_min < lat_max <= 90")
    if not (-180 <= cfg.lon_min < cfg.lon_max <= 180):
        raise ConfigError("[PARAMS] need -180 <= lon_min < lon_max <= 180")
    for lo, hi, name in ((cfg.lat_min, cfg.lat_max, "lat"), (cfg.lon_min, cfg.lon_max, "lon")):
        cells = (hi - lo) / res
        if abs(cells - round(cells)) > 1e-6:
            raise ConfigError(
                f"[PARAMS] the {name} extent {hi - lo:g} is not a multiple of "
                f"spatial_resolution {res:g}"
            )
    if cfg.kernel_distance < 0:
        raise ConfigError("[PARAMS] kernel_distance must be >= 0 (grid cells)")
    if not 0.0 <= cfg.intensification_ratio <= 1.0:
        raise ConfigError("[PARAMS] intensification_ratio must lie in [0, 1]")
    if cfg.start_year and cfg.end_year and cfg.start_year > cfg.end_year:
        raise ConfigError("[PARAMS] start_year must not be after end_year")
