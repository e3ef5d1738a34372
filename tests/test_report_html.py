"""The HTML run report in a real browser.

A synthetic 10,000-task run is recorded through the bindings (as the session
feeds a real one), its HTML report written by `scalable report --format html`
and by `report_html`, checked for size (<= 2 MB) and self-containment, then
opened in headless Chromium (Debian's `chromium` package): the page must load
with no console error, and a screenshot goes to tests/output/report.png.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scalable._core import RunError, RunRecorder, latest_run, report_html, report_json, report_text

OUTPUT = Path(__file__).resolve().parent / "output"
TASKS = 10_000
WORKERS = 16
T0 = 1_779_250_500.0  # 2026-05-20T04:15:00Z
MAX_BYTES = 2 * 1024 * 1024

PLAN = {
    "schema_version": 1,
    "project": "demeter-lulcc",
    "target": "local",
    "provider": {"name": "local", "options": {}},
    "cost": {"currency": "USD", "items": [], "hourly": 0.0, "total": 4.82},
    "manifest_lock": "sha256:" + "ab" * 32,
}


def _events() -> dict[str, list[dict[str, Any]]]:
    """A Demeter-like ensemble: a preprocess task, 9,998 scenario and tile
    runs on 16 workers with failures, retries and cache hits, an aggregate."""
    rng = random.Random(7)
    streams: dict[str, list[dict[str, Any]]] = {
        "tasks": [],
        "workers": [],
        "failures": [],
        "cache": [],
        "cost": [],
        "resources": [],
        "artifacts": [],
    }
    names = ["preprocess-0"] + [f"demeter-{i}" for i in range(WORKERS - 1)]
    for added in names:
        streams["workers"].append(
            {"event": "added", "time": T0, "worker": added, "nthreads": 1, "memory_limit": 17 << 30}
        )
    free = [T0 + 1.0] * WORKERS
    for n in range(TASKS):
        if n == 0:
            name, tag, w = "prepare_demeter_config", "preprocess", 0
        elif n == TASKS - 1:
            name, tag, w = "aggregate_demeter_outputs", "preprocess", 0
        else:
            name = "downscale_tile" if n % 7 == 3 else "run_demeter_scenario"
            tag, w = "demeter", 1 + n % (WORKERS - 1)
        key = f"{name}-{n * 0x9E3779B97F4A7C15 % (1 << 64):016x}"
        resolution = [0.05, 0.1, 0.25, 0.5][n % 4]
        args = {"scenario": f"ssp{1 + n % 5}", "spatial_resolution": resolution, "seed": n}
        streams["tasks"].append(
            {
                "event": "submitted",
                "time": T0 + n * 0.001,
                "key": key,
                "task": name,
                "function": f"workflow.{name}",
                "tag": tag,
                "args": args,
            }
        )
        if name == "run_demeter_scenario":
            hit = n % 5 == 4
            streams["cache"].append(
                {"event": "hit" if hit else "miss", "key": f"c{n:08x}", "task": name}
                | ({"saved_s": 40.0} if hit else {})
            )
        start = free[w]
        stop = start + (40.0 if name == "run_demeter_scenario" else 12.0) * rng.uniform(0.5, 1.5)
        worker = names[w]
        streams["tasks"].append({"event": "started", "time": start, "key": key, "worker": worker})
        if n % 29 == 4 and n != TASKS - 1:
            kind, message = (
                ("MemoryError", "Unable to allocate 18.6 GiB for an array")
                if resolution <= 0.1
                else ("FileNotFoundError", "No such file: 'constraints/soil_quality.csv'")
            )
            exception = {"type": kind, "message": message, "traceback": f"...\n{kind}: {message}"}
            failed = {"key": key, "task": name, "worker": worker, "exception": exception}
            streams["tasks"].append(
                {"event": "failed", "time": stop, "start": start, "stop": stop, **failed}
            )
            streams["failures"].append({"event": "failed", "time": stop, **failed})
        else:
            streams["tasks"].append(
                {
                    "event": "finished",
                    "time": stop,
                    "key": key,
                    "worker": worker,
                    "start": start,
                    "stop": stop,
                    "worker_memory": 2 << 30,
                }
            )
        free[w] = stop + 0.2
        if n % 100 == 0:
            streams["cost"].append({"event": "accrued", "time": stop, "usd": 0.05})
            streams["resources"].append({"time": stop, "worker": worker, "memory": 3 << 30})
    end = max(free)
    streams["artifacts"].append({"time": end, "path": "/out/summary.csv", "bytes": 52_428})
    for removed in names:
        streams["workers"].append({"event": "removed", "time": end + 1, "worker": removed})
    return streams


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    rec = RunRecorder.create(
        str(root),
        "demeter-lulcc",
        "version: 1\nproject: {name: demeter-lulcc}\n",
        json.dumps(PLAN),
        None,
        ["python", "workflow.py"],
    )
    assert re.fullmatch(r"run-\d{8}T\d{6}Z-demeter-lulcc-[0-9a-f]{8}", rec.run_id)
    for stream, events in _events().items():
        rec.record_many(stream, [json.dumps(e) for e in events])
    assert rec.close(None, 0) == "failed"  # some tasks failed; exit code 0 does not hide it
    assert latest_run(str(root)) == rec.run_dir
    return Path(rec.run_dir)


def test_bindings_read_the_run_back(run_dir: Path) -> None:
    summary = json.loads(report_json(run_dir))
    assert summary["tasks"]["total"] == TASKS
    assert summary["status"] == "failed"
    assert summary["tasks"]["failed"] == len(
        [n for n in range(TASKS) if n % 29 == 4 and n != TASKS - 1]
    )
    text = report_text(run_dir)
    assert text.startswith(f"Run {run_dir.name}\n")
    assert "Failures by class" in text
    with pytest.raises(RunError) as err:
        report_text(run_dir / "missing")
    assert err.value.code == "E_RUN_NOT_FOUND"


def test_recorder_refuses_bad_events(tmp_path: Path) -> None:
    rec = RunRecorder.create(str(tmp_path), "p", "", "{}", None, [])
    with pytest.raises(RunError) as err:
        rec.record("tasks", json.dumps({"event": "started"}))
    assert err.value.code == "E_RUN_EVENT"
    with pytest.raises(RunError) as err:
        rec.record("nope", "{}")
    assert err.value.code == "E_RUN_STREAM"
    joined = RunRecorder.open(rec.run_dir)
    joined.record("tasks", json.dumps({"event": "started", "key": "k"}))
    assert rec.close("interrupted", None) == "interrupted"
    with pytest.raises(RunError) as err:
        RunRecorder.open(rec.run_dir).record("tasks", json.dumps({"event": "finished", "key": "k"}))
    assert err.value.code == "E_RUN_CLOSED"
    with pytest.raises(RunError) as err:
        rec.close("running", None)
    assert err.value.code == "E_RUN_STATUS"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _errors_probe(html: str) -> str:
    """The page plus a script (allowed by a copy of its policy) that records
    script errors, failed loads, policy violations and console errors into the DOM."""
    probe = (
        "<script>window.__errors=[];"
        "addEventListener('error',"
        "e=>__errors.push('error: '+(e.message||e.target.outerHTML)),true);"
        "addEventListener('securitypolicyviolation',e=>__errors.push('csp: '+e.blockedURI));"
        "const ce=console.error;console.error=(...a)=>{__errors.push('console: '+a.join(' '));"
        "ce(...a)};"
        "addEventListener('load',()=>{document.documentElement.setAttribute("
        "'data-errors',JSON.stringify(__errors))});</script>"
    )
    probed = html.replace(
        "style-src 'unsafe-inline'", "style-src 'unsafe-inline'; script-src 'unsafe-inline'", 1
    )
    return probed.replace("<head>", "<head>" + probe, 1)


def test_html_report_loads_cleanly_in_chromium(run_dir: Path) -> None:
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / ".gitignore").write_text("*\n")
    # The CLI writes it (default: into the run directory) and prints its path.
    cli = subprocess.run(
        [sys.executable, "-m", "scalable", "report", str(run_dir), "--format", "html"],
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.strip() == str(run_dir / "report.html")
    page = OUTPUT / "report.html"
    assert report_html(run_dir, page) == str(page)
    html = page.read_text(encoding="utf-8")
    assert html == (run_dir / "report.html").read_text(encoding="utf-8")
    size = len(html.encode())
    print(f"report.html: {size} bytes for {TASKS} tasks")
    assert size <= MAX_BYTES
    assert "<script" not in html
    assert not re.search(r"(src|href)=|url\(|https?://", html)

    chromium = _chromium()
    if chromium is None:
        reason = "chromium not found: install Debian's `chromium` (apt-get install -y chromium)"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    common = [
        chromium,
        "--headless",
        "--no-sandbox",  # tests run as root in CI
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ]
    env = {**os.environ, "HOME": str(OUTPUT)}  # no profile outside tests/output

    # 1. The page as shipped: screenshot, and no console message in the log.
    shot = OUTPUT / "report.png"
    shot.unlink(missing_ok=True)
    browser = subprocess.run(
        [*common, f"--screenshot={shot}", "--window-size=1400,900", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert browser.returncode == 0, browser.stderr[-3000:]
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000, "the screenshot is (nearly) blank"
    console = [line for line in browser.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], "\n".join(console)

    # 2. The same page with an error probe: the DOM after load lists no error.
    probed = OUTPUT / "report.probe.html"
    probed.write_text(_errors_probe(html), encoding="utf-8")
    dump = subprocess.run(
        [*common, "--dump-dom", probed.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert dump.returncode == 0, dump.stderr[-3000:]
    found = re.search(r'data-errors="([^"]*)"', dump.stdout)
    assert found is not None, "the probe did not run: " + dump.stdout[:500]
    errors = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert errors == []
    # The browser built the whole timeline.
    assert dump.stdout.count('<rect class="c') == TASKS
