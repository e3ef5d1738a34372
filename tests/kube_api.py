"""A loopback stand-in for a Kubernetes API server with the Dask operator
installed: the few endpoints kr8s and dask-kubernetes call, on 127.0.0.1.

It stores what clients create (recording every request), and acts as the
operator would for the parts the client waits on: a created ``DaskCluster``
gets ``status.phase: Running``, a ready scheduler Pod and the scheduler
Service its spec describes; behind them runs a real Dask scheduler on
127.0.0.1, and each worker group (the cluster's default one and every
``DaskWorkerGroup``) gets in-process Dask workers holding the resources its
container args name (``--resources demeter=1``), so a launched cluster runs
tasks. Deleting a ``DaskCluster`` deletes what it owns, as the garbage
collector would.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from distributed import SpecCluster, Worker

LOOPBACK = "127.0.0.1"
PATH = re.compile(
    r"^/(?:api/v1|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[^/?]+)(?:/(?P<name>[^/?]+))?$"
)


class FakeKube:
    """The fake API server; ``url`` is its address, ``requests`` what it was sent."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.dask: SpecCluster | None = None
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> Any:
                n = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(n)) if n else None

            def _reply(self, code: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                body = self._body()
                path, _, query = self.path.partition("?")
                path = path.rstrip("/") or "/"
                fake.requests.append(
                    {
                        "method": self.command,
                        "path": path,
                        "query": query,
                        "host": self.headers.get("Host"),
                        "body": body,
                    }
                )
                code, reply = fake.handle(self.command, path, query, body)
                self._reply(code, reply)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def kubeconfig(self, path: Path, namespace: str = "default") -> Path:
        """A kubeconfig pointing at this server (JSON is YAML)."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {"token": "fake-token"}}],
            "contexts": [
                {
                    "name": "fake",
                    "context": {"cluster": "fake", "user": "fake", "namespace": namespace},
                }
            ],
            "current-context": "fake",
        }
        path.write_text(json.dumps(config))
        return path

    def created(self, kind: str) -> list[dict[str, Any]]:
        """Bodies of the objects of ``kind`` clients created, in order."""
        return [
            r["body"]
            for r in self.requests
            if r["method"] == "POST" and r["body"] and r["body"].get("kind") == kind
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.dask is not None:
            self.dask.close()

    # The API.

    def handle(self, method: str, path: str, query: str, body: Any) -> tuple[int, Any]:
        if path == "/version":
            return 200, {"major": "1", "minor": "33", "gitVersion": "v1.33.1"}
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"]}
        if path == "/api/v1":
            resources = [
                {
                    "name": plural,
                    "singularName": kind.lower(),
                    "kind": kind,
                    "namespaced": True,
                    "verbs": ["get", "list"],
                }
                for plural, kind in [
                    ("pods", "Pod"),
                    ("services", "Service"),
                    ("secrets", "Secret"),
                ]
            ]
            return 200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": resources}
        if path == "/apis":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []}
        m = PATH.match(path)
        if m is None:
            return 404, _status(404, f"no route {path}")
        ns, plural, name = m["ns"] or "", m["plural"], m["name"]
        with self.lock:
            if method == "GET" and name is None:
                selector = _selector(query)
                items = [
                    o
                    for (p, n, _), o in self.objects.items()
                    if p == plural and n == ns and _matches(o, selector)
                ]
                return 200, {"kind": "List", "apiVersion": "v1", "metadata": {}, "items": items}
            key = (plural, ns, name or "")
            if method == "POST":
                key = (plural, ns, body["metadata"]["name"])
                if key in self.objects:
                    return 409, _status(409, f"{plural} {key[2]} already exists")
                obj = json.loads(json.dumps(body))
                obj["metadata"].update(
                    uid=str(uuid.uuid4()), namespace=ns, resourceVersion="1", generation=1
                )
                self.objects[key] = obj
                self._operate(obj)
                return 201, obj
            obj = self.objects.get(key)
            if obj is None:
                return 404, _status(404, f'{plural} "{name}" not found')
            if method == "GET":
                return 200, obj
            if method == "PATCH":
                _merge(obj, body)
                return 200, obj
            if method == "DELETE":
                del self.objects[key]
                if obj["kind"] == "DaskCluster":
                    for k in [k for k, o in self.objects.items() if _owned_by(o, name or "")]:
                        del self.objects[k]
                return 200, _status(200, "deleted")
        return 405, _status(405, method)

    def _operate(self, obj: dict[str, Any]) -> None:
        """What the operator does with a new resource."""
        ns, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        if obj["kind"] == "DaskCluster":
            obj["status"] = {"phase": "Running"}
            self.dask = SpecCluster(
                scheduler={
                    "cls": _scheduler_cls(),
                    "options": {"host": LOOPBACK, "port": 0, "dashboard": False},
                },
                workers={},
                # The scheduler shares the cluster manager's info with clients:
                # as under the operator, the cluster's name is the resource's.
                name=name,
                silence_logs=40,
            )
            labels = {"dask.org/cluster-name": name, "dask.org/component": "scheduler"}
            self.objects[("pods", ns, f"{name}-scheduler")] = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"{name}-scheduler", "namespace": ns, "labels": labels},
                "status": {
                    "phase": "Running",
                    "conditions": [
                        {"type": "Ready", "status": "True"},
                        {"type": "ContainersReady", "status": "True"},
                    ],
                },
            }
            self.objects[("services", ns, f"{name}-scheduler")] = {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"{name}-scheduler", "namespace": ns, "labels": labels},
                "spec": obj["spec"]["scheduler"]["service"],
            }
            self._workers(f"{name}-default", obj["spec"]["worker"])
        elif obj["kind"] == "DaskWorkerGroup":
            self._workers(name, obj["spec"]["worker"])

    def _workers(self, group: str, worker: dict[str, Any]) -> None:
        assert self.dask is not None
        (container,) = worker["spec"]["containers"]
        args = container["args"]
        resources = dict(
            (k, float(v))
            for k, v in (item.split("=") for item in args[args.index("--resources") + 1].split())
        )
        for i in range(worker["replicas"]):
            self.dask.worker_spec[f"{group}-{i}"] = {
                "cls": Worker,
                "options": {"host": LOOPBACK, "nthreads": 1, "resources": resources},
            }
        self.dask.sync(self.dask._correct_state)

    @property
    def scheduler_port(self) -> int:
        assert self.dask is not None
        return int(self.dask.scheduler_address.rsplit(":", 1)[1])


def _scheduler_cls() -> type:
    from distributed import Scheduler

    return Scheduler


def _status(code: int, message: str) -> dict[str, Any]:
    reason = {404: "NotFound", 409: "AlreadyExists"}.get(code, "")
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "code": code,
        "message": message,
        "reason": reason,
    }


def _selector(query: str) -> dict[str, str]:
    from urllib.parse import parse_qs

    text = parse_qs(query).get("labelSelector", [""])[0]
    return dict(part.split("=", 1) for part in text.split(",") if "=" in part)


def _matches(obj: dict[str, Any], selector: dict[str, str]) -> bool:
    labels = obj.get("metadata", {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


def _owned_by(obj: dict[str, Any], cluster: str) -> bool:
    owners = obj.get("metadata", {}).get("ownerReferences") or []
    return (
        obj.get("spec", {}).get("cluster") == cluster
        or (obj.get("metadata", {}).get("labels") or {}).get("dask.org/cluster-name") == cluster
        or any(o.get("name") == cluster and o.get("kind") == "DaskCluster" for o in owners)
    )


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(target.get(k), dict):
            _merge(target[k], v)
        elif v is None:
            target.pop(k, None)
        else:
            target[k] = v
