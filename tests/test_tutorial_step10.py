"""Tutorial Step 10's validation loop, verbatim, on a valid and a broken manifest."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

STEP10 = """
from scalable import ScalableSession

# Validate the result
session = ScalableSession.from_yaml("./scalable.yaml", target="local")
report = session.validate()

if not report.ok:
    print("Generated config has issues:")
    for issue in report.errors:
        print(f"  [{issue.code}] {issue.path}: {issue.message}")
    # Fix issues and re-validate
else:
    print("Generated config is valid — ready to run")
"""


def run_step10() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(STEP10, "tutorial-step10", "exec"), {})
    return out.getvalue()


def test_step10_valid(project: Path) -> None:
    assert run_step10() == "Generated config is valid — ready to run\n"


def test_step10_reports_issues(project: Path) -> None:
    text = Path("scalable.yaml").read_text()
    text = text.replace("component: postprocess", "component: postprocesss")
    Path("scalable.yaml").write_text(text)
    assert run_step10() == (
        "Generated config has issues:\n"
        "  [E_UNKNOWN_COMPONENT] tasks.aggregate_demeter_outputs.component: "
        "unknown component `postprocesss`\n"
    )
