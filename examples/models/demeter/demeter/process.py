"""One time step of the downscaling: kernel density, then land allocation.

The kernel-density convolution is the memory-hungry part of a run: it convolves every
land class's grid with a Gaussian kernel in one batched FFT, so it holds a few
(classes x padded grid) arrays at once.  The grid has (extent / resolution)² cells, so
halving ``spatial_resolution`` multiplies the memory of this step (and of the run) by
about four.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from .change import allocate_region, harmonize
from .memory import MemoryLedger
from .writers import write_landcover, write_transitions

logger = logging.getLogger("demeter")

FFT_NOISE = 1e-12


def next_fast_len(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n (sizes the FFT handles fastest)."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def gaussian_kernel(distance: int) -> np.ndarray:
    """(2d+1)² Gaussian kernel, sigma = d/2, cut to a disc of radius d, summing to 1."""
    if distance <= 0:
        return np.ones((1, 1))
    offsets = np.arange(-distance, distance + 1)
    dist2 = offsets[:, None] ** 2 + offsets[None, :] ** 2
    sigma = distance / 2.0
    kernel = np.exp(-dist2 / (2.0 * sigma**2))
    kernel[dist2 > distance**2] = 0.0
    return kernel / kernel.sum()


def kernel_density(
    fractions: np.ndarray, distance: int, ledger: MemoryLedger | None = None
) -> np.ndarray:
    """Kernel density of each class: its fractions convolved with the kernel, scaled to [0, 1].

    ``fractions`` is (classes, ny, nx); the result has the same shape.  The convolution
    is linear (zero beyond the grid's edges), computed with one batched real FFT.
    """
    ledger = ledger or MemoryLedger()
    n_classes, ny, nx = fractions.shape
    if distance <= 0:
        density = fractions.copy()
    else:
        py = next_fast_len(ny + 2 * distance)
        px = next_fast_len(nx + 2 * distance)
        kernel_spectrum = np.fft.rfft2(gaussian_kernel(distance), s=(py, px))
        ledger.hold("kd_kernel", kernel_spectrum)
        # rfft2 transforms the last axis first: (classes, ny, px//2+1) then the full spectrum.
        ledger.hold("kd_partial", n_classes * ny * (px // 2 + 1) * 16)
        spectrum = np.fft.rfft2(fractions, s=(py, px))
        ledger.hold("kd_spectrum", spectrum)
        ledger.release("kd_partial")
        spectrum *= kernel_spectrum
        # irfft2 inverts axis -2 into a complex copy first, then the last axis to reals.
        ledger.hold("kd_partial", spectrum)
        padded = np.fft.irfft2(spectrum, s=(py, px))
        ledger.hold("kd_padded", padded)
        ledger.release("kd_partial")
        del spectrum
        ledger.release("kd_spectrum", "kd_kernel")
        density = padded[:, distance : distance + ny, distance : distance + nx].copy()
        ledger.hold("kd_density", density)
        del padded
        ledger.release("kd_padded")
    np.maximum(density, 0.0, out=density)
    peak = density.reshape(n_classes, -1).max(axis=1)
    scale = np.divide(1.0, peak, out=np.zeros_like(peak), where=peak > 0)
    density *= scale[:, None, None]
    density[density < FFT_NOISE] = 0.0  # round-off far from any of the class's cells
    return density


@dataclass
class LandIndex:
    """Where the land is: flat grid indices of every land cell and of each region's."""

    cells: np.ndarray  # flat indices of all land cells, ascending
    region_cells: dict[int, np.ndarray]  # region id -> flat indices of its land cells
    region_rows: dict[int, np.ndarray]  # region id -> positions of those cells in `cells`

    @classmethod
    def build(cls, stage: Any) -> LandIndex:
        land = np.flatnonzero(stage.fractions.sum(axis=0).reshape(-1) > 0)
        region_of_land = stage.region_id.reshape(-1)[land]
        rows = {rid: np.flatnonzero(region_of_land == rid) for rid in stage.projected_regions}
        return cls(land, {rid: land[r] for rid, r in rows.items()}, rows)

    def arrays(self) -> list[np.ndarray]:
        return [self.cells, *self.region_cells.values(), *self.region_rows.values()]


class ProcessStep:
    """Downscale one GCAM time step (``year_prev`` -> ``year``) onto the grid.

    Like Demeter's, a step holds a (land cells x classes x classes) transition array
    recording the area every class gave every other class in every cell, computes the
    kernel density of every class, allocates each region's change, and writes the
    year's outputs.  ``run()`` updates ``stage.fractions`` in place and returns a plain,
    picklable record (per-region projected, target and allocated areas, the step's
    transition totals, the files written) — never a logger or any other handle, so it
    can cross a process boundary.
    """

    def __init__(
        self,
        stage: Any,
        index: LandIndex,
        step_index: int,
        ledger: MemoryLedger,
        write_outputs: bool = False,
        output_format: str = "csv",
    ) -> None:
        self.stage = stage
        self.index = index
        self.step_index = step_index
        self.year = stage.years[step_index]
        self.year_prev = stage.years[step_index - 1] if step_index > 0 else None
        self.ledger = ledger
        self.write_outputs = write_outputs
        self.output_format = output_format
        n_classes = len(stage.classes)
        n_cells = self.index.cells.size if step_index > 0 else 0  # base year: no change
        self.transitions = np.zeros((n_cells, n_classes, n_classes))
        ledger.hold("transitions", self.transitions)

    def regional_areas(self) -> np.ndarray:
        """(regions, classes) km² currently allocated on the grid."""
        stage = self.stage
        flat = stage.fractions.reshape(len(stage.classes), -1)
        area = stage.cell_area.reshape(-1)
        out = np.zeros((len(stage.projected_regions), len(stage.classes)))
        for i, rid in enumerate(stage.projected_regions):
            cells = self.index.region_cells[rid]
            out[i] = flat[:, cells] @ area[cells]
        return out

    def run(self) -> dict[str, Any]:
        stage = self.stage
        cfg = stage.cfg
        t = self.step_index
        before = self.regional_areas()
        if t == 0:
            # The base year is the observed land cover itself.
            targets = before.copy()
        else:
            density = kernel_density(stage.fractions, cfg.kernel_distance, self.ledger)
            logger.info(
                "%d: kernel density of %d classes, kernel_distance %d cells",
                self.year,
                len(stage.classes),
                cfg.kernel_distance,
            )
            flat = stage.fractions.reshape(len(stage.classes), -1)
            suit = stage.suitability.reshape(len(stage.classes), -1)
            dens = density.reshape(len(stage.classes), -1)
            area = stage.cell_area.reshape(-1)
            targets = np.empty_like(before)
            for i, rid in enumerate(stage.projected_regions):
                delta = harmonize(before[i], stage.projected[i, :, t - 1], stage.projected[i, :, t])
                targets[i] = before[i] + delta
                allocate_region(
                    flat,
                    suit,
                    dens,
                    area,
                    self.index.region_cells[rid],
                    delta,
                    cfg.intensification_ratio,
                    self.transitions,
                    self.index.region_rows[rid],
                )
            del density
            self.ledger.release("kd_density")
        after = self.regional_areas()
        moved = self.transitions.sum(axis=0)
        logger.info(
            "%d: moved %.1f km2 between classes in %d regions",
            self.year,
            float(moved.sum()),
            len(stage.projected_regions),
        )
        outputs: list[str] = []
        if self.write_outputs:
            outputs.append(
                str(write_landcover(cfg.output_dir, self.year, stage, self.output_format))
            )
            if cfg.save_transitions and t > 0:
                outputs.append(
                    str(
                        write_transitions(
                            cfg.output_dir, self.year, stage, self.index.cells, self.transitions
                        )
                    )
                )
        self.transitions = np.zeros((0, 0, 0))
        self.ledger.release("transitions")
        return {
            "year": self.year,
            "projected": stage.projected[:, :, t].copy(),
            "target": targets,
            "allocated": after,
            "transitions": moved,
            "outputs": outputs,
        }
