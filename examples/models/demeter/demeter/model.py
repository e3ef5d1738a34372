"""The Demeter model: read a config, stage the inputs, run every time step, write outputs."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .config_reader import Config, read_config
from .memory import MemoryLedger, peak_rss_bytes
from .process import LandIndex, ProcessStep
from .staging import Stage
from .writers import resolve_format, write_summary

logger = logging.getLogger("demeter")

LOG_FILE = "logfile.log"


class Model:
    """A configured run of one scenario.

    >>> Model("config.ini", scenario="ssp2").run()   # doctest: +SKIP
    """

    def __init__(self, config_file: str | os.PathLike[str], **overrides: Any) -> None:
        self.config: Config = read_config(config_file, **overrides)
        self.ledger = MemoryLedger()

    def run(self, write_outputs: bool = True) -> dict[str, Any]:
        cfg = self.config
        started = time.perf_counter()
        handler: logging.Handler | None = None
        if write_outputs:
            cfg.output_dir.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(cfg.output_dir / LOG_FILE, mode="w", encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
        try:
            return self._run(write_outputs, started)
        finally:
            # Demeter's own logger closes with the run: nothing unpicklable outlives it.
            if handler is not None:
                logger.removeHandler(handler)
                handler.close()

    def _run(self, write_outputs: bool, started: float) -> dict[str, Any]:
        cfg = self.config
        fmt = resolve_format(cfg.output_format) if write_outputs else "none"
        logger.info(
            "demeter %s: scenario %s, config %s", __version__, cfg.scenario, cfg.config_file
        )
        stage = Stage(cfg, self.ledger)
        index = LandIndex.build(stage)
        self.ledger.hold("land_index", *index.arrays())

        steps: list[dict[str, Any]] = []
        outputs: list[str] = []
        frames: dict[int, Any] = {}
        for t, year in enumerate(stage.years):
            record = ProcessStep(stage, index, t, self.ledger, write_outputs, fmt).run()
            record["class_area"] = np.einsum("cij,ij->c", stage.fractions, stage.cell_area)
            steps.append(record)
            outputs.extend(record["outputs"])
            if not write_outputs:
                frames[year] = stage.fractions.copy()

        summary = self._summary(stage, steps, index.cells.size, fmt, outputs)
        result: dict[str, Any] = {
            "scenario": cfg.scenario,
            "config_file": cfg.config_file,
            "output_dir": str(cfg.output_dir),
            "output_format": fmt,
            "outputs": outputs,
            "summary_path": None,
            "years": list(stage.years),
            "cells": stage.grid.size,
            "land_cells": int(index.cells.size),
            "peak_array_bytes": self.ledger.peak,
        }
        if write_outputs:
            path = write_summary(cfg.output_dir / "summary.json", summary)
            result["summary_path"] = str(path)
        else:
            result["summary"] = summary
            result["landcover"] = frames
            result["classes"] = list(stage.classes)
        result["peak_rss_bytes"] = peak_rss_bytes()
        result["elapsed_seconds"] = round(time.perf_counter() - started, 3)
        logger.info(
            "done in %.2f s: %d cells, peak array bytes %d (at %s), peak RSS %s bytes",
            result["elapsed_seconds"],
            result["cells"],
            self.ledger.peak,
            self.ledger.peak_at,
            result["peak_rss_bytes"],
        )
        return result

    def _summary(
        self,
        stage: Stage,
        steps: list[dict[str, Any]],
        land_cells: int,
        fmt: str,
        outputs: list[str],
    ) -> dict[str, Any]:
        """Deterministic per-scenario summary (no timings, no host facts)."""
        cfg = self.config

        def km2(value: float) -> float | None:
            return None if np.isnan(value) else round(float(value), 3)

        regions: dict[str, Any] = {}
        for i, rid in enumerate(stage.projected_regions):
            name = stage.region_names.get(rid, f"region_{rid}")
            regions[name] = {
                str(step["year"]): {
                    cls: {
                        "projected": km2(step["projected"][i, c]),
                        "target": km2(step["target"][i, c]),
                        "allocated": km2(step["allocated"][i, c]),
                    }
                    for c, cls in enumerate(stage.classes)
                }
                for step in steps
            }
        return {
            "model": "demeter",
            "version": __version__,
            "scenario": cfg.scenario,
            "spatial_resolution": cfg.spatial_resolution,
            "bbox": {
                "lon_min": cfg.lon_min,
                "lat_min": cfg.lat_min,
                "lon_max": cfg.lon_max,
                "lat_max": cfg.lat_max,
            },
            "kernel_distance": cfg.kernel_distance,
            "intensification_ratio": cfg.intensification_ratio,
            "constraints": list(cfg.constraints),
            "grid": {"ny": stage.grid.ny, "nx": stage.grid.nx},
            "cells": stage.grid.size,
            "land_cells": land_cells,
            "classes": list(stage.classes),
            "years": list(stage.years),
            "units": "km2",
            "area_km2": {
                str(step["year"]): {
                    cls: round(float(step["class_area"][c]), 3)
                    for c, cls in enumerate(stage.classes)
                }
                for step in steps
            },
            "transitions_km2": {
                str(step["year"]): {
                    src: {
                        dst: round(float(step["transitions"][a, b]), 3)
                        for b, dst in enumerate(stage.classes)
                        if step["transitions"][a, b] > 0
                    }
                    for a, src in enumerate(stage.classes)
                    if step["transitions"][a].sum() > 0
                }
                for step in steps[1:]
            },
            "regions": regions,
            "peak_array_bytes": self.ledger.peak,
            "peak_array_step": self.ledger.peak_at,
            "output_format": fmt,
            "outputs": [Path(p).name for p in outputs],
        }


def run_model(
    config_file: str | os.PathLike[str] | None = None,
    write_outputs: bool = True,
    **kwargs: Any,
) -> dict[str, Any]:
    """Run Demeter for the scenario described by ``config_file``.

    Keyword arguments override configuration keys by name (``scenario``,
    ``spatial_resolution``, ``output_dir``, ...).  Returns a plain dict (picklable):
    scenario, output_dir, output_format, outputs (paths), summary_path, years, cells,
    land_cells, peak_array_bytes, peak_rss_bytes and elapsed_seconds.  With
    ``write_outputs=False`` nothing is written and the dict also carries ``summary``,
    ``classes`` and ``landcover`` ({year: (classes, lat, lon) fractions}).
    """
    if config_file is None:
        raise ValueError("run_model needs config_file=<path to a Demeter .ini>")
    return Model(config_file, **kwargs).run(write_outputs=write_outputs)
