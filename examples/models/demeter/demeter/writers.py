"""Write a scenario's outputs: one land-cover file per year and ``summary.json``.

NetCDF is written with ``netCDF4`` or, failing that, ``xarray`` (with any NetCDF engine
it has); without either, or with ``output_format = csv``, each year is a CSV of the
land cells: ``lat, lon, region_id, cell_area_km2`` then one fraction column per class
(the share of the cell's area in that class).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__


def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def netcdf_backend() -> str | None:
    """'netCDF4', 'xarray' or None: how this interpreter can write NetCDF."""
    if _have("netCDF4"):
        return "netCDF4"
    if _have("xarray") and any(_have(m) for m in ("h5netcdf", "scipy")):
        return "xarray"
    return None


def resolve_format(requested: str) -> str:
    """'netcdf' or 'csv' for the configured ``output_format``."""
    if requested == "csv":
        return "csv"
    if netcdf_backend() is not None:
        return "netcdf"
    if requested == "netcdf":
        raise ImportError(
            "output_format = netcdf needs netCDF4 (pip install netCDF4) or xarray with "
            "h5netcdf or scipy; use output_format = auto or csv to write CSV instead"
        )
    return "csv"


def write_landcover(
    out_dir: Path,
    year: int,
    stage: Any,
    fmt: str,
) -> Path:
    """Write the land cover of ``year`` and return the file's path."""
    if fmt == "netcdf":
        path = out_dir / f"landcover_{year}.nc"
        _write_netcdf(path, year, stage)
    else:
        path = out_dir / f"landcover_{year}.csv"
        _write_csv(path, stage)
    return path


def _write_csv(path: Path, stage: Any) -> None:
    grid = stage.grid
    flat = stage.fractions.reshape(len(stage.classes), -1)
    land = np.flatnonzero(flat.sum(axis=0) > 0)
    rows, cols = np.divmod(land, grid.nx)
    table = np.empty((land.size, 4 + len(stage.classes)))
    table[:, 0] = grid.lat[rows]
    table[:, 1] = grid.lon[cols]
    table[:, 2] = stage.region_id.reshape(-1)[land]
    table[:, 3] = stage.cell_area.reshape(-1)[land]
    table[:, 4:] = flat[:, land].T
    header = ",".join(["lat", "lon", "region_id", "cell_area_km2", *stage.classes])
    fmt = ["%.10g", "%.10g", "%d", "%.10g"] + ["%.8g"] * len(stage.classes)
    tmp = path.with_name(path.name + ".partial")
    np.savetxt(tmp, table, fmt=fmt, delimiter=",", header=header, comments="")
    tmp.replace(path)  # readers never see a half-written year


def write_transitions(
    out_dir: Path, year: int, stage: Any, land_cells: np.ndarray, transitions: np.ndarray
) -> Path:
    """Per-cell transitions of the step ending in ``year``: lat, lon, from, to, area_km2."""
    path = out_dir / f"transitions_{year}.csv"
    cell, src, dst = np.nonzero(transitions)
    flat = land_cells[cell]
    rows, cols = np.divmod(flat, stage.grid.nx)
    names = np.array(stage.classes)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("lat,lon,from_class,to_class,area_km2\n")
        for la, lo, a, b, km2 in zip(  # noqa: B905 - Python 3.9 has no strict=
            stage.grid.lat[rows].tolist(),
            stage.grid.lon[cols].tolist(),
            names[src].tolist(),
            names[dst].tolist(),
            transitions[cell, src, dst].tolist(),
        ):
            fh.write(f"{la:.10g},{lo:.10g},{a},{b},{km2:.8g}\n")
    tmp.replace(path)
    return path


def _attrs(stage: Any, year: int) -> dict[str, Any]:
    cfg = stage.cfg
    return {
        "title": f"Demeter land cover, scenario {cfg.scenario}, {year}",
        "source": f"demeter {__version__} (Scalable example model)",
        "scenario": cfg.scenario,
        "year": int(year),
        "spatial_resolution": float(cfg.spatial_resolution),
        "kernel_distance": int(cfg.kernel_distance),
        "units": "fraction of cell area",
    }


def _write_netcdf(path: Path, year: int, stage: Any) -> None:
    tmp = path.with_name(path.name + ".partial")
    if netcdf_backend() == "netCDF4":
        import netCDF4

        with netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
            nc.setncatts(_attrs(stage, year))
            nc.createDimension("lat", stage.grid.ny)
            nc.createDimension("lon", stage.grid.nx)
            lat = nc.createVariable("lat", "f8", ("lat",))
            lat[:] = stage.grid.lat
            lat.units = "degrees_north"
            lon = nc.createVariable("lon", "f8", ("lon",))
            lon[:] = stage.grid.lon
            lon.units = "degrees_east"
            area = nc.createVariable("cell_area_km2", "f8", ("lat", "lon"), zlib=True)
            area[:] = stage.cell_area
            region = nc.createVariable("region_id", "i4", ("lat", "lon"), zlib=True)
            region[:] = stage.region_id
            for c, name in enumerate(stage.classes):
                var = nc.createVariable(name, "f8", ("lat", "lon"), zlib=True)
                var[:] = stage.fractions[c]
                var.units = "fraction of cell area"
    else:
        import xarray as xr

        dims = ("lat", "lon")
        data = {name: (dims, stage.fractions[c]) for c, name in enumerate(stage.classes)}
        data["cell_area_km2"] = (dims, stage.cell_area)
        data["region_id"] = (dims, stage.region_id)
        ds = xr.Dataset(
            data, coords={"lat": stage.grid.lat, "lon": stage.grid.lon}, attrs=_attrs(stage, year)
        )
        ds.to_netcdf(tmp)
    tmp.replace(path)


def write_summary(path: Path, summary: dict[str, Any]) -> Path:
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
