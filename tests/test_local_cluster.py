"""A real local Dask cluster from a plan: tag routing and scheduler events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from distributed import get_worker

from scalable import ScalableSession
from scalable.client import ScalableClient
from scalable.providers import launch
from scalable.telemetry import Telemetry

MANIFEST = """\
version: 1
project: {name: routing}
targets:
  local: {provider: local, max_workers: 4, threads_per_worker: 1}
components:
  preprocess: {cpus: 1, memory: 256M}
  demeter: {cpus: 1, memory: 512M}
  postprocess: {cpus: 1, memory: 256M}
tasks:
  prepare: {component: preprocess}
  run_scenario: {component: demeter}
  aggregate: {component: postprocess}
"""


class ListRecorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def record(self, stream: str, event_json: str) -> None:
        self.events.append((stream, json.loads(event_json)))


@pytest.fixture(scope="module")
def cluster_client(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ScalableClient, ListRecorder]]:
    path = tmp_path_factory.mktemp("routing") / "scalable.yaml"
    path.write_text(MANIFEST)
    plan = json.loads(ScalableSession.from_yaml(path).plan(scenarios=4).to_json())
    recorder = ListRecorder()
    telemetry = Telemetry(recorder)
    cluster = launch(plan)
    groups = {g["name"]: g for g in plan["worker_groups"]}
    client = ScalableClient(cluster, groups=groups, telemetry=telemetry)
    telemetry.attach(client)
    try:
        yield client, recorder
    finally:
        client.close()
        cluster.close()


def worker_name(scenario: str) -> str:
    return str(get_worker().name)


def boom(scenario: str) -> None:
    raise ValueError(f"bad scenario {scenario}")


def test_workers_per_group_bound_to_loopback(
    cluster_client: tuple[ScalableClient, ListRecorder],
) -> None:
    client, _ = cluster_client
    workers = client.scheduler_info()["workers"]
    names = sorted(str(w["name"]) for w in workers.values())
    assert names == ["demeter-0", "demeter-1", "postprocess-0", "preprocess-0"]
    assert all(address.startswith("tcp://127.0.0.1:") for address in workers)
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    for w in workers.values():
        group = str(w["name"]).rsplit("-", 1)[0]
        assert w["resources"] == {group: 1}


def test_tag_routes_to_the_component_workers(
    cluster_client: tuple[ScalableClient, ListRecorder],
) -> None:
    client, _ = cluster_client
    futures = [client.submit(worker_name, f"s{i}", tag="demeter") for i in range(20)]
    ran_on = set(client.gather(futures))
    assert ran_on <= {"demeter-0", "demeter-1"} and ran_on
    mapped = client.map(worker_name, [f"m{i}" for i in range(6)], tag="postprocess")
    assert set(client.gather(mapped)) == {"postprocess-0"}


def test_unknown_tag_lists_known_tags(cluster_client: tuple[ScalableClient, ListRecorder]) -> None:
    client, _ = cluster_client
    with pytest.raises(ValueError, match="unknown tag 'demter'; known tags: demeter, postprocess"):
        client.submit(worker_name, "x", tag="demter")


def test_events_reach_the_recorder_in_order(
    cluster_client: tuple[ScalableClient, ListRecorder],
) -> None:
    client, recorder = cluster_client
    ok = client.submit(worker_name, "evt-ok", tag="preprocess")
    bad = client.submit(boom, "evt-bad", tag="demeter")
    assert ok.result() == "preprocess-0"
    with pytest.raises(ValueError):
        bad.result()
    assert client_flush(client, recorder)
    by_key: dict[str, list[str]] = {}
    for stream, event in recorder.events:
        if stream == "tasks" and event["key"] in (ok.key, bad.key):
            by_key.setdefault(event["key"], []).append(event["event"])
    assert by_key[ok.key] == ["submitted", "started", "finished"]
    assert by_key[bad.key] == ["submitted", "started", "failed"]
    [failure] = [e for s, e in recorder.events if s == "failures" and e["key"] == bad.key]
    assert failure["exception"]["type"] == "ValueError"
    assert "bad scenario evt-bad" in failure["exception"]["message"]
    assert failure["worker"].startswith("demeter-")
    [submitted] = [
        e for s, e in recorder.events if e.get("key") == bad.key and e["event"] == "submitted"
    ]
    assert submitted["args"] == {"scenario": "evt-bad"}
    assert submitted["tag"] == "demeter"


def client_flush(client: ScalableClient, recorder: ListRecorder) -> bool:
    telemetry = client._telemetry
    assert telemetry is not None
    return telemetry.flush(client)
