"""Load a run's inputs and put them on the grid of the configured resolution.

Inputs (see README.md for their formats):

* ``projected_lu_file`` — GCAM-like CSV: ``[scenario,] region, landclass, year, area``
  with ``area`` in thousand km² (GCAM's unit).
* ``base_lc_file`` — the observed base land cover: an ``.npz`` (``lat``, ``lon``,
  ``classes``, ``fractions`` (classes, lat, lon), ``region_id`` (lat, lon) and
  optionally ``fraction_scale``) or a ``.csv`` (``latitude, longitude, region_id``,
  then one fraction column per land class).
* ``region_file`` — CSV ``region_id, region_name``.
* ``constraints_dir`` — one CSV per constraint (``latitude, longitude, value`` with
  value in [0, 1]) and optionally ``constraint_weights.csv``
  (``constraint`` then one weight column per land class, weights in [-1, 1]).
"""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .config_reader import Config
from .grid import (
    RegularGrid,
    block_factor,
    block_mean,
    block_mode,
    points_to_grid,
    sample_nearest,
)
from .memory import MemoryLedger

logger = logging.getLogger("demeter")

WEIGHTS_FILE = "constraint_weights.csv"
THOUSAND_KM2 = 1000.0


def _missing(path: Path, label: str) -> FileNotFoundError:
    return FileNotFoundError(errno.ENOENT, f"{label} not found", str(path))


def check_inputs(cfg: Config) -> None:
    """Fail fast, before any heavy work, when an input file is missing."""
    for key in ("projected_lu_file", "base_lc_file", "region_file"):
        path = getattr(cfg, key)
        if not path.is_file():
            raise _missing(path, f"{key} {path.name}")
    for name in cfg.constraints:
        path = cfg.constraints_dir / f"{name}.csv"
        if not path.is_file():
            # Named "constraints/soil_quality.csv" (folder/file) so the message points at
            # the folder that was not copied or mounted, as well as the file.
            raise _missing(path, f"{cfg.constraints_dir.name}/{path.name}")


class Stage:
    """Every input of one run, on the run's grid.

    Attributes: ``grid``, ``classes`` (names), ``cell_area`` (ny, nx km²),
    ``region_id`` (ny, nx), ``region_names`` ({id: name}), ``fractions`` (classes,
    ny, nx: share of each cell's area), ``suitability`` (classes, ny, nx in [0, 1]),
    ``years`` and ``projected`` (regions, classes, years km², NaN where GCAM has no
    value), with ``projected_regions`` the region ids along its first axis.
    """

    def __init__(self, cfg: Config, ledger: MemoryLedger) -> None:
        self.cfg = cfg
        self.ledger = ledger
        check_inputs(cfg)
        self.grid = RegularGrid.from_bbox(*cfg.bbox, cfg.spatial_resolution)
        logger.info(
            "grid %d x %d = %d cells at %g deg over lon [%g, %g] lat [%g, %g]",
            self.grid.ny,
            self.grid.nx,
            self.grid.size,
            cfg.spatial_resolution,
            cfg.lon_min,
            cfg.lon_max,
            cfg.lat_min,
            cfg.lat_max,
        )
        self.cell_area = self.grid.cell_area_km2()
        ledger.hold("cell_area", self.cell_area)
        self.region_names = self._read_regions(cfg.region_file)
        self.classes, self.fractions, self.region_id = self._read_base(cfg.base_lc_file)
        ledger.hold("fractions", self.fractions)
        ledger.hold("region_id", self.region_id)
        self.suitability = self._read_constraints(cfg.constraints_dir)
        ledger.hold("suitability", self.suitability)
        self.years, self.projected_regions, self.projected = self._read_projected(
            cfg.projected_lu_file
        )

    # -- regions ---------------------------------------------------------------------
    @staticmethod
    def _read_regions(path: Path) -> dict[int, str]:
        table = pd.read_csv(path)
        table.columns = [c.strip().lower() for c in table.columns]
        if not {"region_id", "region_name"} <= set(table.columns):
            raise ValueError(f"{path}: need columns region_id, region_name")
        names = table.set_index("region_id")["region_name"]
        return {int(i): str(n) for i, n in names.items()}

    # -- base land cover -------------------------------------------------------------
    def _read_base(self, path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
        if path.suffix.lower() == ".npz":
            with np.load(path, allow_pickle=False) as npz:
                classes = [str(c) for c in npz["classes"]]
                native = RegularGrid.from_centers(npz["lat"], npz["lon"])
                data = npz["fractions"]
                scale = float(npz["fraction_scale"]) if "fraction_scale" in npz else 1.0
                regions = npz["region_id"]
        else:
            table = pd.read_csv(path)
            table.columns = [c.strip() for c in table.columns]
            fixed = {"latitude", "longitude", "region_id"}
            if not fixed <= set(table.columns):
                raise ValueError(f"{path}: need columns latitude, longitude, region_id")
            classes = [c for c in table.columns if c not in fixed]
            lat = table["latitude"].to_numpy(float)
            lon = table["longitude"].to_numpy(float)
            native, data = points_to_grid(lat, lon, table[classes].to_numpy(float).T, 0.0)
            _, regions = points_to_grid(lat, lon, table["region_id"].to_numpy(np.int32), 0)
            scale = 1.0
        if data.shape != (len(classes), native.ny, native.nx):
            raise ValueError(f"{path}: fractions must have shape (classes, lat, lon)")

        block = block_factor(native, self.grid)
        if block is not None:
            factor, r0, c0 = block
            logger.info("regridding base land cover by %dx%d block means", factor, factor)
            fractions = block_mean(
                data, native.cell_area_km2(), factor, r0, c0, self.grid.ny, self.grid.nx
            )
            fractions *= scale
            n_labels = int(regions.max()) if regions.size else 0
            region_id = block_mode(
                regions, factor, r0, c0, self.grid.ny, self.grid.nx, n_labels
            ).astype(np.int32)
        else:
            logger.info("regridding base land cover by nearest neighbour")
            fractions = sample_nearest(native, data, self.grid, 0).astype(np.float64)
            fractions *= scale
            region_id = sample_nearest(native, regions, self.grid, 0).astype(np.int32)
        np.clip(fractions, 0.0, 1.0, out=fractions)
        land = fractions.sum(axis=0)
        over = land > 1.0
        if over.any():  # rounding in the stored fractions
            fractions[:, over] /= land[over]
        return classes, fractions, region_id

    # -- constraints -----------------------------------------------------------------
    def _read_constraints(self, folder: Path) -> np.ndarray:
        n_classes = len(self.classes)
        weights_path = folder / WEIGHTS_FILE
        weights = None
        if weights_path.is_file():
            weights = pd.read_csv(weights_path).set_index("constraint")
        else:
            logger.warning("%s not found: every constraint weighs 1 for every class", WEIGHTS_FILE)
        suitability = np.ones((n_classes, *self.grid.shape), dtype=np.float64)
        self.ledger.hold("suitability", suitability)
        for name in self.cfg.constraints:
            path = folder / f"{name}.csv"
            table = pd.read_csv(path)
            src, dense = points_to_grid(
                table["latitude"].to_numpy(float),
                table["longitude"].to_numpy(float),
                table["value"].to_numpy(float),
                np.nan,
            )
            value = sample_nearest(src, dense, self.grid, np.nan)
            self.ledger.hold("constraint", value)
            known = ~np.isnan(value)
            for c, cls in enumerate(self.classes):
                if weights is None:
                    w = 1.0
                elif name not in weights.index:
                    logger.warning("%s: no weights for constraint %s", weights_path, name)
                    w = 1.0
                else:
                    w = float(weights.loc[name].get(cls, 0.0))
                if w == 0.0:
                    continue
                favourable = value if w > 0 else 1.0 - value
                factor = 1.0 - abs(w) + abs(w) * np.clip(favourable, 0.0, 1.0)
                suitability[c][known] *= factor[known]
            self.ledger.release("constraint")
            logger.info("constraint %s applied from %s", name, path)
        np.clip(suitability, 0.0, 1.0, out=suitability)
        return suitability

    # -- projected (GCAM) land allocation -------------------------------------------
    def _read_projected(self, path: Path) -> tuple[list[int], list[int], np.ndarray]:
        table = pd.read_csv(path)
        table.columns = [c.strip().lower() for c in table.columns]
        table = table.rename(columns={"landleaf": "landclass", "value": "area"})
        need = {"region", "landclass", "year", "area"}
        if not need <= set(table.columns):
            raise ValueError(f"{path}: need columns {sorted(need)}, got {list(table.columns)}")
        scenario = self.cfg.scenario
        if "scenario" in table.columns:
            available = sorted(table["scenario"].astype(str).unique())
            table = table[table["scenario"].astype(str) == scenario]
            if table.empty:
                raise ValueError(
                    f"scenario {scenario!r} is not in {path.name}; available: {available}"
                )
        unknown = sorted(set(table["landclass"].astype(str)) - set(self.classes))
        if unknown:
            raise ValueError(f"{path.name}: land classes {unknown} are not in the base layer")

        years = sorted(int(y) for y in table["year"].unique())
        if self.cfg.start_year is not None:
            years = [y for y in years if y >= self.cfg.start_year]
        if self.cfg.end_year is not None:
            years = [y for y in years if y <= self.cfg.end_year]
        if not years:
            raise ValueError(f"{path.name}: no projected years between start_year and end_year")

        by_name = {name: rid for rid, name in self.region_names.items()}
        present = set(np.unique(self.region_id).tolist()) - {0}
        names = sorted(set(table["region"].astype(str)))
        skipped = [n for n in names if n not in by_name]
        if skipped:
            logger.warning("regions not in %s, ignored: %s", self.cfg.region_file.name, skipped)
        region_ids = sorted(by_name[n] for n in names if n in by_name and by_name[n] in present)

        projected = np.full((len(region_ids), len(self.classes), len(years)), np.nan)
        r_index = {rid: i for i, rid in enumerate(region_ids)}
        c_index = {c: i for i, c in enumerate(self.classes)}
        t_index = {y: i for i, y in enumerate(years)}
        for region, cls, year, area in table[["region", "landclass", "year", "area"]].itertuples(
            index=False
        ):
            rid = by_name.get(str(region))
            if rid in r_index and int(year) in t_index:
                projected[r_index[rid], c_index[str(cls)], t_index[int(year)]] = (
                    float(area) * THOUSAND_KM2
                )
        logger.info(
            "scenario %s: %d regions x %d classes x years %s",
            scenario,
            len(region_ids),
            len(self.classes),
            years,
        )
        return years, region_ids, projected
