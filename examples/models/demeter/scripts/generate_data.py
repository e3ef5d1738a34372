#!/usr/bin/env python3
"""Generate Demeter's example inputs, deterministically, in a second or two.

    python scripts/generate_data.py [TARGET_DIR] [--seed N] [--root-dir DIR]

TARGET_DIR (default ``./demeter_data``) receives::

    example/
      config_gcam_reference/config.ini            the reference scenario's run config
      inputs/projected/gcam_land_allocation.csv   GCAM-like: scenario, region, landclass,
                                                  year, area (thous km2), units
      inputs/observed/baselayer_0p25deg.npz       base land cover, 0.25 deg, global
      inputs/reference/regions.csv                region_id, region_name
      inputs/constraints/soil_quality.csv         latitude, longitude, value (0.5 deg)
      inputs/constraints/slope.csv
      inputs/constraints/protected_areas.csv
      inputs/constraints/constraint_weights.csv   constraint x land class weights

The world is synthetic: twelve GCAM-like regions are continents around fixed centres,
eight land classes follow latitude plus smooth noise, and each scenario (reference,
ssp1..ssp5) grows cropland, urban land, pasture and forest at its own rates over
2020..2050 in 10-year steps, taking or giving the difference to the natural classes so
every region keeps its land area.  Only numpy and pandas are needed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

CLASSES = [
    "forest",
    "shrub",
    "grass",
    "crop_irrigated",
    "crop_rainfed",
    "pasture",
    "urban",
    "sparse",
]
NATURAL = ["shrub", "grass", "sparse"]
SCENARIOS = ["reference", "ssp1", "ssp2", "ssp3", "ssp4", "ssp5"]
YEARS = [2020, 2030, 2040, 2050]
CONSTRAINTS = ["soil_quality", "slope", "protected_areas"]

# id, GCAM-like name, centre lon, centre lat, half-width lon, half-width lat, developing
REGIONS = [
    (1, "USA", -98.0, 39.0, 22.0, 11.0, False),
    (2, "Canada", -100.0, 60.0, 28.0, 8.0, False),
    (3, "Brazil", -52.0, -10.0, 14.0, 14.0, True),
    (4, "Argentina", -65.0, -36.0, 7.0, 13.0, True),
    (5, "EU-15", 8.0, 48.0, 13.0, 8.0, False),
    (6, "Russia", 90.0, 62.0, 45.0, 9.0, False),
    (7, "China", 105.0, 33.0, 17.0, 12.0, True),
    (8, "India", 79.0, 22.0, 9.0, 10.0, True),
    (9, "Africa_Western", 0.0, 10.0, 15.0, 8.0, True),
    (10, "Africa_Eastern", 35.0, 3.0, 9.0, 13.0, True),
    (11, "Africa_Southern", 25.0, -24.0, 11.0, 8.0, True),
    (12, "Australia_NZ", 135.0, -25.0, 17.0, 10.0, False),
]

# Annual growth rates of the driven classes per scenario.
RATES = {
    "reference": {"crop": 0.0045, "urban": 0.018, "pasture": 0.0015, "forest": -0.0010},
    "ssp1": {"crop": 0.0015, "urban": 0.012, "pasture": -0.0040, "forest": 0.0030},
    "ssp2": {"crop": 0.0050, "urban": 0.020, "pasture": 0.0020, "forest": -0.0012},
    "ssp3": {"crop": 0.0090, "urban": 0.010, "pasture": 0.0045, "forest": -0.0040},
    "ssp4": {"crop": 0.0060, "urban": 0.022, "pasture": 0.0000, "forest": -0.0020},
    "ssp5": {"crop": 0.0070, "urban": 0.032, "pasture": 0.0030, "forest": -0.0015},
}

# How much each constraint favours (+) or disfavours (-) each class, in [-1, 1].
WEIGHTS = {
    "soil_quality": [0.2, 0.0, 0.1, 1.0, 0.9, 0.5, 0.0, 0.0],
    "slope": [0.2, 0.0, 0.0, -0.8, -0.6, -0.3, -0.5, 0.0],
    "protected_areas": [0.5, 0.2, 0.2, -1.0, -1.0, -0.7, -1.0, 0.0],
}

SPREAD = 1.75  # continents reach about this many half-widths from their centres
BASE_RES = 0.25
CONSTRAINT_RES = 0.5
EARTH_RADIUS_KM = 6371.0088


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Zero-mean, unit-variance Gaussian random field with correlation ``sigma`` cells."""
    white = rng.standard_normal(shape)
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    spectrum = np.fft.rfft2(white) * np.exp(-2.0 * (np.pi * sigma) ** 2 * (ky**2 + kx**2))
    field = np.fft.irfft2(spectrum, s=shape)
    return (field - field.mean()) / field.std()


def centers(res: float) -> tuple[np.ndarray, np.ndarray]:
    lat = -90.0 + res * (np.arange(round(180 / res)) + 0.5)
    lon = -180.0 + res * (np.arange(round(360 / res)) + 0.5)
    return lat, lon


def cell_area_km2(lat: np.ndarray, res: float) -> np.ndarray:
    south = np.radians(lat - res / 2)
    north = np.radians(lat + res / 2)
    return EARTH_RADIUS_KM**2 * np.radians(res) * (np.sin(north) - np.sin(south))


def gaussian_bump(x: np.ndarray, mu: float, width: float) -> np.ndarray:
    return np.exp(-(((x - mu) / width) ** 2))


def make_world(rng: np.random.Generator):
    """Land fraction, region ids and class percentages on the 0.25 degree base grid."""
    lat, lon = centers(BASE_RES)
    shape = (lat.size, lon.size)
    field = np.zeros(shape)
    best = np.full(shape, np.inf)
    region = np.zeros(shape, dtype=np.uint8)
    for rid, _name, clon, clat, rx, ry, _dev in REGIONS:
        # Each continent only matters within a window around its centre.
        rows = slice(*np.searchsorted(lat, [clat - 3 * SPREAD * ry, clat + 3 * SPREAD * ry]))
        cols = slice(*np.searchsorted(lon, [clon - 3 * SPREAD * rx, clon + 3 * SPREAD * rx]))
        dist = ((lon[cols][None, :] - clon) / (SPREAD * rx)) ** 2 + (
            (lat[rows][:, None] - clat) / (SPREAD * ry)
        ) ** 2
        np.maximum(field[rows, cols], np.exp(-dist * np.sqrt(dist)), out=field[rows, cols])
        closer = dist < best[rows, cols]
        region[rows, cols][closer] = rid
        np.minimum(best[rows, cols], dist, out=best[rows, cols])
    field += 0.18 * smooth_noise(rng, shape, 12.0)
    land = np.clip((field - 0.45) / 0.12, 0.0, 1.0)
    land[region == 0] = 0.0
    region[land <= 0] = 0

    # Class shares on the land cells: latitude zones plus smooth noise, then a softmax.
    cells = np.nonzero(land > 0)
    abslat = np.abs(lat[cells[0]])
    n = [smooth_noise(rng, shape, 10.0)[cells] for _ in CLASSES]
    logits = np.stack(
        [
            1.0 * gaussian_bump(abslat, 0, 15) + 0.9 * gaussian_bump(abslat, 57, 8) + 0.6 * n[0],
            0.4 + 0.5 * gaussian_bump(abslat, 25, 10) + 0.6 * n[1],
            0.5 + 0.4 * gaussian_bump(abslat, 40, 12) + 0.6 * n[2],
            -0.6 + 0.5 * gaussian_bump(abslat, 28, 10) + 0.7 * n[3],
            0.2 + 0.6 * gaussian_bump(abslat, 42, 12) + 0.7 * n[4],
            0.3 + 0.6 * n[5],
            -2.2 + 0.8 * n[6],
            -0.5
            + 1.2 * gaussian_bump(abslat, 22, 7)
            + 1.5 * np.clip((abslat - 62) / 10, 0, None)
            + 0.6 * n[7],
        ],
        axis=1,
    )  # (cells, classes)
    share = np.exp(2.0 * (logits - logits.max(axis=1, keepdims=True)))
    share /= share.sum(axis=1, keepdims=True)

    # Whole percentages summing to the cell's land percentage (largest remainder).
    total = np.rint(land[cells] * 100.0)[:, None]
    raw = share * total
    whole = np.floor(raw)
    order = np.argsort(-(raw - whole), axis=1, kind="stable")
    rank = np.argsort(order, axis=1, kind="stable")
    whole += rank < (total - whole.sum(axis=1, keepdims=True))
    pct = np.zeros((len(CLASSES), *shape), dtype=np.uint8)
    pct[:, cells[0], cells[1]] = whole.T
    land[cells] = total[:, 0] / 100.0
    return lat, lon, land, region, pct


def observed_totals(lat: np.ndarray, region: np.ndarray, pct: np.ndarray) -> np.ndarray:
    """(regions, classes) observed area in km²."""
    area = cell_area_km2(lat, BASE_RES)[:, None] * (pct / 100.0)  # (classes, lat, lon)
    out = np.zeros((len(REGIONS), len(CLASSES)))
    for i, (rid, *_rest) in enumerate(REGIONS):
        out[i] = area[:, region == rid].sum(axis=1)
    return out


def projections(rng: np.random.Generator, observed: np.ndarray) -> pd.DataFrame:
    """GCAM-like land allocation (thous km2) for every scenario, region, class and year."""
    # GCAM's base year differs a little from the observed map, as it does in practice.
    base = observed * (1.0 + 0.04 * rng.standard_normal(observed.shape))
    base *= (observed.sum(axis=1) / base.sum(axis=1))[:, None]
    idx = {c: i for i, c in enumerate(CLASSES)}
    natural = [idx[c] for c in NATURAL]
    rows = []
    for scenario in SCENARIOS:
        rates = RATES[scenario]
        for r, (_rid, name, *_geo, developing) in enumerate(REGIONS):
            pace = 1.6 if developing else 0.6
            driven = {
                idx["crop_irrigated"]: 1.2 * pace * rates["crop"],
                idx["crop_rainfed"]: pace * rates["crop"],
                idx["urban"]: pace * rates["urban"],
                idx["pasture"]: pace * rates["pasture"],
                idx["forest"]: rates["forest"],
            }
            area = base[r].copy()
            prev_year = YEARS[0]
            for year in YEARS:
                step = year - prev_year
                if step > 0:
                    change = np.zeros(len(CLASSES))
                    for c, rate in driven.items():
                        change[c] = area[c] * ((1.0 + rate) ** step - 1.0)
                    pool = area[natural].sum()
                    net = change.sum()
                    if net > 0.9 * pool:  # natural land runs out: slow the expansion
                        change *= 0.9 * pool / net
                        net = change.sum()
                    change[natural] -= net * area[natural] / pool
                    area = area + change
                prev_year = year
                for c, cls in enumerate(CLASSES):
                    rows.append((scenario, name, cls, year, area[c] / 1000.0, "thous km2"))
    return pd.DataFrame(rows, columns=["scenario", "region", "landclass", "year", "area", "units"])


def constraints(rng: np.random.Generator, land: np.ndarray) -> dict[str, pd.DataFrame]:
    """Constraint values in [0, 1] on the land cells of a 0.5 degree grid."""
    lat, lon = centers(CONSTRAINT_RES)
    f = round(CONSTRAINT_RES / BASE_RES)
    coarse_land = land.reshape(lat.size, f, lon.size, f).max(axis=(1, 3)) > 0
    shape = coarse_land.shape
    abslat = np.abs(lat)[:, None] * np.ones(shape)

    def sigmoid(x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-x))

    values = {
        "soil_quality": sigmoid(1.2 * smooth_noise(rng, shape, 6.0))
        * (1.0 - 0.7 * np.clip((abslat - 55.0) / 20.0, 0.0, 1.0))
        * (1.0 - 0.6 * gaussian_bump(abslat, 22, 7)),
        "slope": sigmoid(1.5 * smooth_noise(rng, shape, 4.0) - 0.5),
        "protected_areas": (smooth_noise(rng, shape, 5.0) > 1.25).astype(float),
    }
    rows, cols = np.nonzero(coarse_land)
    out = {}
    for name in CONSTRAINTS:
        out[name] = pd.DataFrame(
            {
                "latitude": lat[rows],
                "longitude": lon[cols],
                "value": np.round(values[name][rows, cols], 4),
            }
        )
    return out


CONFIG_TEMPLATE = """\
; Demeter run configuration: the GCAM reference scenario at 0.5 degrees, whole globe.
; Relative paths below resolve against root_dir. {{scenario}} in a path becomes the
; scenario name, so overriding `scenario` alone gives every run its own output folder.

[STRUCTURE]
root_dir = {root_dir}

[INPUTS]
projected_lu_file = inputs/projected/gcam_land_allocation.csv
base_lc_file = inputs/observed/baselayer_0p25deg.npz
region_file = inputs/reference/regions.csv
constraints_dir = inputs/constraints

[OUTPUTS]
output_dir = outputs/{{scenario}}
; auto: NetCDF when netCDF4 (or xarray with a NetCDF engine) is installed, else CSV
output_format = auto

[PARAMS]
scenario = reference
; degrees; memory grows like 1/spatial_resolution^2 (see README.md)
spatial_resolution = 0.5
lat_min = -90
lat_max = 90
lon_min = -180
lon_max = 180
; radius of the kernel-density filter, in grid cells
kernel_distance = 5
; share of expansion steered by a class's own presence in a cell (vs. its neighbours)
intensification_ratio = 0.8
constraints = soil_quality, slope, protected_areas
start_year = 2020
end_year = 2050
"""


def generate(
    target_dir: str | Path = "demeter_data", seed: int = 2026, root_dir: str | None = None
) -> dict[str, Path]:
    """Write every input and the reference config under ``target_dir``; return their paths."""
    rng = np.random.default_rng(seed)
    example = Path(target_dir).resolve() / "example"
    inputs = example / "inputs"
    paths = {
        "config": example / "config_gcam_reference" / "config.ini",
        "projected": inputs / "projected" / "gcam_land_allocation.csv",
        "base": inputs / "observed" / "baselayer_0p25deg.npz",
        "regions": inputs / "reference" / "regions.csv",
        "constraints_dir": inputs / "constraints",
    }
    for key in ("config", "projected", "base", "regions"):
        paths[key].parent.mkdir(parents=True, exist_ok=True)
    paths["constraints_dir"].mkdir(parents=True, exist_ok=True)

    lat, lon, land, region, pct = make_world(rng)
    np.savez_compressed(
        paths["base"],
        lat=lat,
        lon=lon,
        classes=np.array(CLASSES),
        fractions=pct,
        region_id=region,
        fraction_scale=np.float64(0.01),
    )
    pd.DataFrame(
        {"region_id": [r[0] for r in REGIONS], "region_name": [r[1] for r in REGIONS]}
    ).to_csv(paths["regions"], index=False)

    projections(rng, observed_totals(lat, region, pct)).to_csv(
        paths["projected"], index=False, float_format="%.6f"
    )

    for name, table in constraints(rng, land).items():
        table.to_csv(paths["constraints_dir"] / f"{name}.csv", index=False)
    weights = pd.DataFrame(WEIGHTS, index=CLASSES).T
    weights.index.name = "constraint"
    weights.to_csv(paths["constraints_dir"] / "constraint_weights.csv")

    paths["config"].write_text(
        CONFIG_TEMPLATE.format(root_dir=root_dir if root_dir is not None else example),
        encoding="utf-8",
    )
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target_dir", nargs="?", default="demeter_data")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--root-dir",
        help="root_dir written into config.ini (default: the absolute path of "
        "TARGET_DIR/example; e.g. '${DEMETER_DATA}/example' for a container mount)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = generate(args.target_dir, seed=args.seed, root_dir=args.root_dir)
    print(
        f"wrote Demeter inputs under {paths['config'].parents[1]} "
        f"in {time.perf_counter() - started:.1f} s\n"
        f"config: {paths['config']}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
