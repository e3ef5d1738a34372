"""Write a model repository of N files for the init-component benchmark.

    python bench/gen_repo.py OUT [N]

OUT gets a copy of the Demeter-shaped fixture (crates/scalable-ai/tests/fixtures/
onboard/demeter) plus generated files until it holds N files (default 20,000):
Python modules in nested subpackages, CSV/NetCDF-named data files, built HTML and
JS under docs/_build, and a `.gitignore`d `scratch/` folder of 2,000 more files the
walk must skip. Contents are small and deterministic (the same tree every time).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "crates" / "scalable-ai" / "tests" / "fixtures" / "onboard" / "demeter"


def main() -> None:
    out = Path(sys.argv[1])
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(FIXTURE, out)
    count = sum(1 for p in out.rglob("*") if p.is_file())
    (out / ".gitignore").write_text("scratch/\n")
    scratch = out / "scratch"
    scratch.mkdir()
    for i in range(2_000):
        (scratch / f"ignored_{i:04d}.csv").write_text("a,b\n1,2\n")
    kinds = [
        (
            "demeter/sub{a:02d}/part{b:02d}",
            "module_{i:05d}.py",
            "def f_{i}(x):\n    return x + {i}\n",
        ),
        ("data/region{a:02d}/basin{b:02d}", "inputs_{i:05d}.csv", "cell,value\n{i},0.5\n"),
        ("docs/_build/html/p{a:02d}", "page_{i:05d}.html", "<p>{i}</p>\n"),
        ("docs/_build/html/_static/s{a:02d}", "chunk_{i:05d}.js", "var x{i} = {i};\n"),
    ]
    i = 0
    while count < total:
        folder, name, text = kinds[i % len(kinds)]
        a, b = (i // 4) % 40, (i // 160) % 25
        path = out / folder.format(a=a, b=b) / name.format(i=i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(i=i))
        for parent in (path.parent, path.parent.parent):
            init = parent / "__init__.py"
            if "demeter/sub" in str(parent) and not init.exists():
                init.write_text("")
                count += 1
        count += 1
        i += 1
    print(f"{out}: {count} files (+ 2,000 ignored under scratch/)")


if __name__ == "__main__":
    main()
