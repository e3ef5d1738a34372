"""`@cacheable` and the store, with real files and real processes: hits and
misses, the invalidation matrix, check_output, failures, 32 concurrent
processes on one key, SIGKILL mid-write, a flipped byte, and the CLI."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scalable import CacheWarning, DirType, FileType, UtilityType, cacheable, caching
from scalable._core import RunRecorder
from scalable.telemetry import Telemetry

BIN = Path(sys.executable).parent


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("SCALABLE_CACHE_DIR", str(d))
    monkeypatch.delenv("SCALABLE_CACHE_PARANOID", raising=False)
    monkeypatch.delenv("SCALABLE_CACHE_LEASE_SECONDS", raising=False)
    return d


@pytest.fixture
def recorded(tmp_path: Path, cache_dir: Path) -> Iterator[tuple[Telemetry, Path]]:
    """A run record this process's cache events go to, as under a session."""
    recorder = RunRecorder.create(
        str(tmp_path / "runs"),
        "cachetest",
        "version: 1\n",
        '{"target": "local", "provider": {"name": "local"}}',
        None,
        [],
    )
    telemetry = Telemetry(recorder)
    caching.configure(None, telemetry)
    yield telemetry, Path(recorder.run_dir)
    caching.configure(None, None)


def cache_events(telemetry: Telemetry, run_dir: Path) -> list[dict[str, Any]]:
    telemetry.written()
    text = (run_dir / "cache.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "entries-v1").glob("*/*") if not p.name.startswith("."))


def scalable(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(BIN / "scalable"), *args], capture_output=True, text=True, timeout=120, **kw
    )


# --- hits, misses, events -------------------------------------------------------


def test_hit_returns_the_stored_value_without_running(recorded: tuple[Telemetry, Path]) -> None:
    calls: list[int] = []

    @cacheable(scenario=str, years=list)
    def prepare(scenario: str, years: list[int], scale: float = 1.0) -> dict[str, Any]:
        calls.append(1)
        return {"scenario": scenario, "years": years, "scale": scale}

    first = prepare("ssp1", [2020, 2030])
    assert prepare("ssp1", [2020, 2030]) == first
    assert prepare("ssp1", years=[2020, 2030], scale=1.0) == first  # same binding, same key
    assert len(calls) == 1
    assert prepare("ssp2", [2020, 2030])["scenario"] == "ssp2"
    assert len(calls) == 2
    events = cache_events(*recorded)
    assert [e["event"] for e in events] == ["miss", "store", "hit", "hit", "miss", "store"]
    hit = events[2]
    assert hit["key"] == events[0]["key"] and len(hit["key"]) == 64
    assert hit["task"] == "prepare"
    assert hit["function"].endswith("prepare")
    assert hit["saved_s"] >= 0 and hit["bytes"] > 0
    assert events[1]["bytes"] == hit["bytes"]


def test_without_a_session_it_just_works(cache_dir: Path) -> None:
    @cacheable
    def double(x: int) -> int:
        return 2 * x

    assert double(21) == 42
    assert double(21) == 42
    assert len(entries(cache_dir)) == 1


def test_utility_arguments_are_left_out_of_the_key(cache_dir: Path) -> None:
    calls: list[int] = []

    @cacheable(log=UtilityType)
    def f(x: int, log: Any) -> int:
        calls.append(1)
        return x

    f(1, object())
    f(1, object())
    assert len(calls) == 1


def test_recompute_always_runs_and_replaces(recorded: tuple[Telemetry, Path]) -> None:
    calls: list[int] = []

    @cacheable(recompute=True)
    def f(x: int) -> int:
        calls.append(1)
        return x + len(calls)

    assert f(1) == 2
    assert f(1) == 3
    events = cache_events(*recorded)
    assert [e["event"] for e in events] == ["recompute", "store", "recompute", "store"]
    assert events[0]["reason"] == "recompute=True"


def test_failures_are_never_cached(cache_dir: Path) -> None:
    calls: list[int] = []

    @cacheable
    def flaky(x: int) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first call fails")
        return x

    with pytest.raises(RuntimeError, match="first call fails"):
        flaky(1)
    assert entries(cache_dir) == []
    assert list((cache_dir / "leases-v1").iterdir()) == []
    assert flaky(1) == 1
    assert flaky(1) == 1
    assert len(calls) == 2


def test_a_failed_store_is_loud_and_returns_the_result(
    recorded: tuple[Telemetry, Path], cache_dir: Path
) -> None:
    @cacheable
    def counter(n: int) -> Any:
        return (i for i in range(n))  # a generator cannot be pickled

    with pytest.warns(CacheWarning, match="could not store the result of `.*counter`"):
        result = counter(3)
    assert list(result) == [0, 1, 2]
    assert entries(cache_dir) == []
    events = cache_events(*recorded)
    assert [e["event"] for e in events] == ["miss", "store_failed"]
    assert "pickle" in events[1]["error"].lower() or "generator" in events[1]["error"]


def test_arguments_without_a_canonical_form_warn_once(cache_dir: Path) -> None:
    class Point:
        def __init__(self, x: int) -> None:
            self.x = x

    calls: list[int] = []

    @cacheable
    def norm(p: Any) -> int:
        calls.append(1)
        return abs(p.x)

    Point.__module__ = __name__
    Point.__qualname__ = "PointForTest"
    globals()["PointForTest"] = Point
    with pytest.warns(CacheWarning, match="argument `p` of `.*norm` \\(Point\\)"):
        assert norm(Point(-3)) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert norm(Point(-3)) == 3
    assert len(calls) == 1


# --- the invalidation matrix ---------------------------------------------------------

MODEL = '''\
from scalable import cacheable, DirType, FileType

CALLS = []


@cacheable(config=FileType, data=DirType, scale=float)
def model(config, data, scale):
    """Docstring {doc}."""
    CALLS.append(1)  {comment}
    return {body}
'''


def load(path: Path, doc: str = "one", comment: str = "", body: str = "scale * 2") -> ModuleType:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MODEL.format(doc=doc, comment=comment, body=body))
    spec = importlib.util.spec_from_file_location(f"cachemodel_{path.parent.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_invalidation_matrix(tmp_path: Path, cache_dir: Path) -> None:
    config = tmp_path / "in" / "config.ini"
    data = tmp_path / "in" / "data"
    (data / "sub").mkdir(parents=True)
    config.write_text("[params]\nscenario = ssp1\n")
    (data / "a.csv").write_text("1,2\n")
    (data / "sub" / "b.csv").write_text("3,4\n")
    m = load(tmp_path / "v1" / "model.py")

    def runs(module: ModuleType, scale: float = 1.0) -> int:
        before = len(module.CALLS)
        module.model(str(config), data, scale)
        return len(module.CALLS) - before

    assert runs(m) == 1
    assert runs(m) == 0, "same inputs: a hit"
    # Touching without changing content is not a change.
    future = time.time() + 10
    os.utime(config, (future, future))
    os.utime(data / "a.csv", (future, future))
    assert runs(m) == 0, "mtime alone does not invalidate"
    config.write_text("[params]\nscenario = ssp2\n")
    assert runs(m) == 1, "FileType content edit"
    assert runs(m) == 0
    (data / "sub" / "b.csv").write_text("3,5\n")
    assert runs(m) == 1, "a file inside a DirType"
    (data / "c.csv").write_text("new\n")
    assert runs(m) == 1, "a file added to a DirType"
    assert runs(m, scale=2.0) == 1, "ValueType argument"
    assert runs(m, scale=2.0) == 0
    # The same source reformatted, with another comment and docstring: same key.
    m2 = load(tmp_path / "v2" / "model.py", doc="two", comment="# a comment", body="(scale*2)")
    assert runs(m2, scale=2.0) == 0, "comments and formatting do not invalidate"
    m3 = load(tmp_path / "v3" / "model.py", body="scale * 3")
    assert runs(m3, scale=2.0) == 1, "a body edit invalidates"

    # `explain` names what changed, closest earlier entry first.
    out = scalable("cache", "explain", "model", "--dir", str(cache_dir))
    assert out.returncode == 0, out.stderr
    assert "the function body changed" in out.stdout, out.stdout
    assert "argument `scale`" not in out.stdout
    listing = json.loads(
        scalable("cache", "explain", "model", "--dir", str(cache_dir), "--format", "json").stdout
    )
    assert listing[0]["changes"] == [{"part": "body"}]


def test_explain_names_the_file_inside_a_directory(tmp_path: Path, cache_dir: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("1\n")
    (data / "b.csv").write_text("2\n")

    @cacheable(data=DirType, label=str)
    def total(data: Path, label: str) -> int:
        return sum(int(p.read_text()) for p in sorted(data.iterdir()))

    assert total(data, "x") == 3
    (data / "b.csv").write_text("5\n")
    assert total(data, "x") == 6
    out = scalable("cache", "explain", "total", "--dir", str(cache_dir))
    assert out.returncode == 0, out.stderr
    assert "argument `data`: directory content changed" in out.stdout, out.stdout
    assert "changed b.csv" in out.stdout, out.stdout
    assert "a.csv" not in out.stdout


# --- check_output ---------------------------------------------------------------


def test_check_output_recomputes_a_changed_or_vanished_output(
    tmp_path: Path, recorded: tuple[Telemetry, Path]
) -> None:
    out = tmp_path / "out.txt"
    calls: list[int] = []

    @cacheable(return_type=FileType, check_output=True)
    def write(text: str) -> str:
        calls.append(1)
        out.write_text(text)
        return str(out)

    write("hello")
    write("hello")
    assert len(calls) == 1
    out.write_text("tampered")
    assert write("hello") == str(out)
    assert out.read_text() == "hello"
    assert len(calls) == 2
    out.unlink()
    write("hello")
    assert out.read_text() == "hello"
    assert len(calls) == 3
    events = [e for e in cache_events(*recorded) if e["event"] != "store"]
    assert [e["event"] for e in events] == ["miss", "hit", "recompute", "recompute"]
    assert events[2]["reason"] == f"output `{out}` changed"
    assert events[3]["reason"] == f"output `{out}` is gone"


# --- processes ---------------------------------------------------------------------

WORKER = """\
import os, sys, time
from scalable import cacheable

count, start, ready, x = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

@cacheable(x=int)
def slow_square(x):
    with open(count, "a") as f:
        f.write("computed\\n")
    time.sleep(float(os.environ.get("SLEEP", "0")))
    return {"square": x * x, "pad": "y" * int(os.environ.get("PAD", "0"))}

open(ready, "w").close()
while not os.path.exists(start):
    time.sleep(0.002)
print(slow_square(x)["square"], flush=True)
"""


def spawn(tmp: Path, i: int, x: int, env: dict[str, str]) -> subprocess.Popen[str]:
    script = tmp / "worker.py"
    if not script.exists():
        script.write_text(WORKER)
    args = [str(tmp / "count"), str(tmp / "start"), str(tmp / f"ready-{i}"), str(x)]
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("lease", ["600", "0"])
def test_32_processes_one_key(tmp_path: Path, cache_dir: Path, lease: str) -> None:
    env = {"SLEEP": "0.5", "SCALABLE_CACHE_LEASE_SECONDS": lease, "PAD": "100000"}
    procs = [spawn(tmp_path, i, 12, env) for i in range(32)]
    deadline = time.time() + 60
    while len(list(tmp_path.glob("ready-*"))) < 32 and time.time() < deadline:
        time.sleep(0.01)
    (tmp_path / "start").touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == "144", (out, err)
    computed = (tmp_path / "count").read_text().count("computed")
    if lease == "0":
        assert 1 <= computed <= 32
    else:
        assert computed == 1, "the lease holder computes, the others wait for its entry"
    assert len(entries(cache_dir)) == 1
    # A value of 100 kB is a blob: exactly one, and no temp file left behind.
    blobs = list((cache_dir / "blobs-v1").glob("*/*"))
    assert len(blobs) == 1 and not blobs[0].name.startswith(".")
    assert list((cache_dir / "leases-v1").iterdir()) == []


def test_sigkill_during_a_write_leaves_no_entry(tmp_path: Path, cache_dir: Path) -> None:
    env = {"PAD": str(400 * 1024 * 1024)}
    (tmp_path / "start").touch()
    proc = spawn(tmp_path, 0, 7, env)
    blobs = cache_dir / "blobs-v1"
    deadline = time.time() + 60
    killed = False
    while time.time() < deadline and proc.poll() is None:
        if any(p.name.startswith(".tmp-") for p in blobs.glob("*/*")):
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.0005)
    proc.wait(timeout=30)
    assert killed, "the write was not caught in progress"
    assert entries(cache_dir) == [], "no visible entry after a killed write"
    assert [p for p in blobs.glob("*/*") if not p.name.startswith(".")] == []
    # The dead writer's lease is taken over at once; the next call recomputes.
    again = spawn(tmp_path, 1, 7, env)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert out.strip() == "49"
    assert (tmp_path / "count").read_text().count("computed") == 2
    assert len(entries(cache_dir)) == 1
    verify = scalable("cache", "verify", "--repair", "--dir", str(cache_dir))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_flipped_byte_is_quarantined_recomputed_and_reported(
    recorded: tuple[Telemetry, Path], cache_dir: Path
) -> None:
    calls: list[int] = []

    @cacheable
    def big(n: int) -> bytes:
        calls.append(1)
        return bytes(range(256)) * n

    value = big(1000)  # 256 kB: a blob
    [blob] = list((cache_dir / "blobs-v1").glob("*/*"))
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))

    verify = scalable("cache", "verify", "--dir", str(cache_dir))
    assert verify.returncode == 1, verify.stdout
    assert f"damaged: `{blob}`: blob digest mismatch" in verify.stdout

    assert big(1000) == value
    assert len(calls) == 2, "the damaged entry was recomputed"
    quarantined = list((cache_dir / "quarantine").iterdir())
    assert any(q.name.startswith(blob.name) for q in quarantined)
    assert big(1000) == value and len(calls) == 2
    events = cache_events(*recorded)
    assert [e["event"] for e in events] == ["miss", "store", "corrupt", "miss", "store", "hit"]
    assert events[2]["path"] == str(blob)
    assert events[2]["reason"] == "blob digest mismatch"
    assert events[3]["reason"] == "corrupt"

    verify = scalable("cache", "verify", "--dir", str(cache_dir), "--format", "json")
    assert verify.returncode == 0, verify.stdout
    assert json.loads(verify.stdout)["problems"] == []


def test_cli_lists_shows_prunes_and_clears(cache_dir: Path) -> None:
    @cacheable(name=str)
    def greet(name: str) -> str:
        return f"hello {name}"

    greet("a")
    greet("b")
    ls = json.loads(scalable("cache", "ls", "--dir", str(cache_dir), "--format", "json").stdout)
    assert len(ls) == 2 and {e["function"] for e in ls} == {greet.__qualname__}
    key = ls[0]["key"]
    show = scalable("cache", "show", key[:10], "--dir", str(cache_dir))
    assert show.returncode == 0, show.stderr
    assert f"Entry {key}" in show.stdout
    assert "argument   name (value)" in show.stdout
    stats = json.loads(
        scalable("cache", "stats", "--dir", str(cache_dir), "--format", "json").stdout
    )
    assert stats["entries"] == 2
    prune = scalable("cache", "prune", "--older-than", "1h", "--dir", str(cache_dir))
    assert prune.stdout.startswith("removed 0 entries"), prune.stdout
    prune = scalable("cache", "prune", "--max-size", "0", "--dir", str(cache_dir))
    assert prune.stdout.startswith("removed 2 entries"), prune.stdout
    greet("a")
    refused = scalable("cache", "clear", "--dir", str(cache_dir))
    assert refused.returncode == 2 and "--yes" in refused.stderr
    cleared = scalable("cache", "clear", "--yes", "--dir", str(cache_dir))
    assert cleared.stdout.startswith("removed 1 entries"), cleared.stdout
    assert entries(cache_dir) == []


def test_a_process_notices_when_a_remembered_entry_changes(cache_dir: Path) -> None:
    calls: list[int] = []

    @cacheable
    def ident(x: int) -> int:
        calls.append(1)
        return x

    ident(1)
    ident(1)  # served from this process's memory of the entry
    [entry] = entries(cache_dir)
    data = bytearray(entry.read_bytes())
    data[-1] ^= 0x01
    entry.write_bytes(bytes(data))
    assert ident(1) == 1
    assert len(calls) == 2, "the rewritten entry was read again, found damaged, recomputed"
    cleared = scalable("cache", "clear", "--yes", "--dir", str(cache_dir))
    assert cleared.returncode == 0, cleared.stderr
    assert ident(1) == 1
    assert len(calls) == 3, "a cleared cache is not served from memory"
