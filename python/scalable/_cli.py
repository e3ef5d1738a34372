"""The ``scalable`` console script: hands argv to the Rust CLI."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``scalable`` command and exit with its code."""
    import os

    from scalable._core import cli_main

    # `scalable run` starts the workflow with this same interpreter.
    os.environ.setdefault("SCALABLE_PYTHON", sys.executable)
    sys.exit(cli_main(["scalable", *sys.argv[1:]]))
