"""Command line: ``python -m demeter --config-file config.ini [overrides]``.

Prints the run's result (output paths, cells, memory, time) as JSON on stdout; log
lines go to stderr and to ``<output_dir>/logfile.log``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from ._version import __version__
from .config_reader import ConfigError
from .model import run_model


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="demeter",
        description="Downscale GCAM regional land allocation to a grid for one scenario.",
    )
    parser.add_argument("--config-file", "-c", required=True, help="the scenario's .ini file")
    parser.add_argument("--scenario", help="override [PARAMS] scenario")
    parser.add_argument(
        "--spatial-resolution", type=float, help="override [PARAMS] spatial_resolution (deg)"
    )
    parser.add_argument("--kernel-distance", type=int, help="override [PARAMS] kernel_distance")
    parser.add_argument("--output-dir", help="override [OUTPUTS] output_dir")
    parser.add_argument(
        "--output-format", choices=["auto", "netcdf", "csv"], help="override output_format"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no log lines on stderr")
    parser.add_argument("--version", action="version", version=f"demeter {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("demeter: %(message)s"))
        logging.getLogger("demeter").addHandler(handler)
    overrides = {
        "scenario": args.scenario,
        "spatial_resolution": args.spatial_resolution,
        "kernel_distance": args.kernel_distance,
        "output_dir": args.output_dir,
        "output_format": args.output_format,
    }
    try:
        result = run_model(
            config_file=args.config_file,
            **{k: v for k, v in overrides.items() if v is not None},
        )
    except (ConfigError, FileNotFoundError, ValueError) as err:
        print(f"demeter: error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0
