"""Regular latitude/longitude grids and the regridding Demeter needs.

Rows run south to north and columns west to east; a grid is described by the
south-west corner of its first cell, its resolution in degrees and its shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088
_EPS = 1e-9


@dataclass(frozen=True)
class RegularGrid:
    lat0: float  # southern edge of row 0
    lon0: float  # western edge of column 0
    res: float
    ny: int
    nx: int

    @classmethod
    def from_bbox(
        cls, lon_min: float, lat_min: float, lon_max: float, lat_max: float, res: float
    ) -> RegularGrid:
        ny = round((lat_max - lat_min) / res)
        nx = round((lon_max - lon_min) / res)
        return cls(float(lat_min), float(lon_min), float(res), max(ny, 1), max(nx, 1))

    @classmethod
    def from_centers(cls, lat: np.ndarray, lon: np.ndarray) -> RegularGrid:
        """The grid whose cell centres are the (ascending, evenly spaced) ``lat``/``lon``."""
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        res = infer_resolution(np.concatenate([lat, lon]))
        return cls(
            float(lat.min() - res / 2),
            float(lon.min() - res / 2),
            res,
            round(float(lat.max() - lat.min()) / res) + 1,
            round(float(lon.max() - lon.min()) / res) + 1,
        )

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def size(self) -> int:
        return self.ny * self.nx

    @property
    def lat(self) -> np.ndarray:
        return self.lat0 + self.res * (np.arange(self.ny) + 0.5)

    @property
    def lon(self) -> np.ndarray:
        return self.lon0 + self.res * (np.arange(self.nx) + 0.5)

    def row_area_km2(self) -> np.ndarray:
        """Area of one cell in each row (km²), from the spherical-zone formula."""
        south = np.radians(np.clip(self.lat0 + self.res * np.arange(self.ny), -90, 90))
        north = np.radians(np.clip(self.lat0 + self.res * (np.arange(self.ny) + 1), -90, 90))
        return EARTH_RADIUS_KM**2 * np.radians(self.res) * (np.sin(north) - np.sin(south))

    def cell_area_km2(self) -> np.ndarray:
        """(ny, nx) cell areas in km²."""
        return np.repeat(self.row_area_km2()[:, None], self.nx, axis=1)

    def rows_of(self, lat: np.ndarray) -> np.ndarray:
        """Row index holding each latitude (may be out of range)."""
        return np.floor((np.asarray(lat) - self.lat0) / self.res + _EPS).astype(np.int64)

    def cols_of(self, lon: np.ndarray) -> np.ndarray:
        return np.floor((np.asarray(lon) - self.lon0) / self.res + _EPS).astype(np.int64)


def infer_resolution(coords: np.ndarray) -> float:
    """Smallest positive spacing between distinct coordinate values."""
    values = np.unique(np.round(np.asarray(coords, dtype=float), 9))
    steps = np.diff(values)
    steps = steps[steps > 1e-9]
    if steps.size == 0:
        raise ValueError("cannot infer a grid resolution from fewer than two distinct points")
    return float(np.round(steps.min(), 9))


def points_to_grid(
    lat: np.ndarray, lon: np.ndarray, values: np.ndarray, fill: float
) -> tuple[RegularGrid, np.ndarray]:
    """Place point values (cell centres of a regular grid) into a dense array.

    ``values`` has shape (n,) or (k, n); the dense result is (ny, nx) or (k, ny, nx).
    """
    grid = RegularGrid.from_centers(lat, lon)
    values = np.asarray(values)
    rows = grid.rows_of(lat)
    cols = grid.cols_of(lon)
    integral = values.dtype.kind in "iu" and float(fill).is_integer()
    dtype = values.dtype if integral else np.float64
    dense = np.full((*values.shape[:-1], *grid.shape), fill, dtype=dtype)
    dense[..., rows, cols] = values
    return grid, dense


def nearest_index(src: RegularGrid, dst: RegularGrid) -> tuple[np.ndarray, np.ndarray]:
    """For each ``dst`` row/column, the ``src`` row/column holding its centre (-1: outside)."""
    rows = src.rows_of(dst.lat)
    cols = src.cols_of(dst.lon)
    rows[(rows < 0) | (rows >= src.ny)] = -1
    cols[(cols < 0) | (cols >= src.nx)] = -1
    return rows, cols


def sample_nearest(src: RegularGrid, data: np.ndarray, dst: RegularGrid, fill: float) -> np.ndarray:
    """Nearest-neighbour resampling of ``data`` (..., src.ny, src.nx) onto ``dst``."""
    rows, cols = nearest_index(src, dst)
    out = data[..., np.clip(rows, 0, None), :][..., np.clip(cols, 0, None)]
    if (rows < 0).any() or (cols < 0).any():
        out = out.astype(np.result_type(out.dtype, np.asarray(fill).dtype), copy=False)
        out[..., rows < 0, :] = fill
        out[..., :, cols < 0] = fill
    return out


def block_factor(src: RegularGrid, dst: RegularGrid) -> tuple[int, int, int] | None:
    """(factor, row offset, col offset) when ``dst`` cells are exact blocks of ``src`` cells."""
    ratio = dst.res / src.res
    factor = round(ratio)
    if factor < 1 or abs(ratio - factor) > 1e-6:
        return None
    r0 = (dst.lat0 - src.lat0) / src.res
    c0 = (dst.lon0 - src.lon0) / src.res
    if abs(r0 - round(r0)) > 1e-6 or abs(c0 - round(c0)) > 1e-6:
        return None
    r0, c0 = round(r0), round(c0)
    if r0 < 0 or c0 < 0 or r0 + dst.ny * factor > src.ny or c0 + dst.nx * factor > src.nx:
        return None
    return factor, r0, c0


def block_mean(
    data: np.ndarray, weights: np.ndarray, factor: int, r0: int, c0: int, ny: int, nx: int
) -> np.ndarray:
    """Weighted mean of ``data`` (k, NY, NX) over ``factor``x``factor`` blocks -> (k, ny, nx)."""
    k = data.shape[0]
    sub = data[:, r0 : r0 + ny * factor, c0 : c0 + nx * factor].astype(float)
    w = weights[r0 : r0 + ny * factor, c0 : c0 + nx * factor]
    num = (sub * w).reshape(k, ny, factor, nx, factor).sum(axis=(2, 4))
    den = w.reshape(ny, factor, nx, factor).sum(axis=(1, 3))
    return num / den


def block_mode(
    labels: np.ndarray, factor: int, r0: int, c0: int, ny: int, nx: int, n_labels: int
) -> np.ndarray:
    """Most frequent non-zero label in each block (0 when the block has none)."""
    sub = labels[r0 : r0 + ny * factor, c0 : c0 + nx * factor].reshape(ny, factor, nx, factor)
    best = np.zeros((ny, nx), dtype=labels.dtype)
    best_count = np.zeros((ny, nx), dtype=np.int64)
    for label in range(1, n_labels + 1):
        count = (sub == label).sum(axis=(1, 3))
        better = count > best_count
        best[better] = label
        best_count[better] = count[better]
    return best
