"""Demeter (Scalable example edition): downscale GCAM land allocation to a grid."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent


def version() -> str:
    text = (HERE / "demeter" / "_version.py").read_text(encoding="utf-8")
    return re.search(r'__version__\s*=\s*"([^"]+)"', text).group(1)


def requirements() -> list:
    lines = (HERE / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


setup(
    name="demeter",
    version=version(),
    description="Downscale GCAM regional land allocation to a grid (Scalable example model)",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-2-Clause",
    packages=find_packages(include=["demeter", "demeter.*"]),
    python_requires=">=3.9",
    install_requires=requirements(),
    extras_require={"netcdf": ["netCDF4>=1.6"]},
    entry_points={"console_scripts": ["demeter = demeter.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: GIS",
    ],
)
