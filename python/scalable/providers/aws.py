"""The AWS launcher: Dask on ECS Fargate through dask-cloudprovider.

One ``FargateCluster``: a scheduler task, and per component the task
definition ``scalable plan --emit`` writes (``Plan.artifacts()``, family
``<project>-<component>``, the CPU/memory pair the plan sized), registered
with the container name dask-cloudprovider starts workers under. The fan-out
component's workers are the ones Dask scales (``adapt(minimum, maximum)``);
the other components' workers are fixed and pinned. Every worker advertises
its component as a Dask resource (``--resources <component>=1``).

Logs go to the CloudWatch group ``/scalable/<project>`` (created when
missing, kept after the run). Secret variables are read by ECS from SSM
Parameter Store (``/scalable/<project>/<NAME>``); they must exist before the
launch and the execution role must be allowed to read them.

Credentials and the default region come from the standard AWS chain
(environment, shared config/credentials files, instance or task roles); the
launcher never reads, logs or records them itself.
"""

from __future__ import annotations

import json
import logging
import uuid
import weakref
from typing import Any

from scalable._core import Plan
from scalable.providers._groups import PinnedGroups
from scalable.providers._launch import (
    check_single_adaptive_group,
    count,
    fail,
    fan_out_group,
    require,
    unsupported,
)

log = logging.getLogger(__name__)

PROVIDER = "aws"
EXTRA = "aws"
#: The container name dask-cloudprovider's RunTask overrides address.
WORKER_CONTAINER = "dask-worker"


def task_definitions(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The emitted ``RegisterTaskDefinition`` input of each component."""
    artifacts = Plan.from_json(json.dumps(plan)).artifacts()
    return {
        g["name"]: json.loads(artifacts[f"taskdef-{g['name']}.json"])
        for g in plan["worker_groups"]
        if f"taskdef-{g['name']}.json" in artifacts
    }


def check(plan: dict[str, Any]) -> None:
    """Refuse, before anything is created, what Fargate cannot run."""
    options = plan["provider"]["options"]
    if options.get("cluster_type", "fargate") != "fargate":
        unsupported(
            PROVIDER,
            "cluster_type: ec2",
            "dask-cloudprovider runs ECS-on-EC2 workers only on an existing EC2-backed "
            "ECS cluster, and the manifest has no option naming one",
            "use `cluster_type: fargate`, or apply the `--emit` task definitions "
            "to your own ECS cluster",
        )
    if not options.get("region"):
        unsupported(
            PROVIDER,
            "region",
            "the target names no region, and the task definitions' log configuration needs one",
            "set `region:` on the target (e.g. `us-east-1`)",
        )
    for g in plan["worker_groups"]:
        if g["mounts"]:
            m = g["mounts"][0]
            unsupported(
                PROVIDER,
                f"components.{g['name']}.mounts",
                f"`{m['host']}` -> `{m['container']}` is a host bind mount, "
                "and Fargate tasks see no host paths",
                "read inputs from S3 (`project.default_storage: s3://...`) or bake them "
                "into the image, and drop `mounts` in an overlay for this target",
            )
    check_single_adaptive_group(plan, PROVIDER)
    if _secrets(task_definitions(plan)) and not options.get("execution_role_arn"):
        unsupported(
            PROVIDER,
            "execution_role_arn",
            "secret variables come from SSM Parameter Store, and the role "
            "dask-cloudprovider would create cannot read them",
            "set `execution_role_arn` to a role allowed `ssm:GetParameters` on "
            f"`/scalable/{plan['project']}/*`",
        )


def _secrets(taskdefs: dict[str, dict[str, Any]]) -> list[str]:
    """The SSM parameters the task definitions read secrets from."""
    return sorted(
        {
            s["valueFrom"]
            for td in taskdefs.values()
            for c in td["containerDefinitions"]
            for s in c.get("secrets", [])
        }
    )


def cluster_options(plan: dict[str, Any], name: str) -> dict[str, Any]:
    """``FargateCluster`` keyword arguments for the plan (the fan-out
    component is the worker template Dask scales)."""
    options = plan["provider"]["options"]
    default = fan_out_group(plan)
    taskdef = task_definitions(plan)[default["name"]]
    (container,) = taskdef["containerDefinitions"]
    return {
        "name": name,
        "region_name": options["region"],
        "image": options.get("image") or container["image"],
        "n_workers": count(default),
        "worker_cpu": int(taskdef["cpu"]),
        "worker_mem": int(taskdef["memory"]),
        "worker_nthreads": _nthreads(container["command"]),
        "worker_extra_args": ["--resources", f"{default['name']}=1"],
        "fargate_spot": bool(default["spot"]),
        "vpc": options.get("vpc") or "default",
        "subnets": options.get("subnets") or None,
        "security_groups": options.get("security_groups") or None,
        "execution_role_arn": options.get("execution_role_arn"),
        "task_role_arn": options.get("task_role_arn"),
        "cloudwatch_logs_group": container["logConfiguration"]["options"]["awslogs-group"],
        "tags": {"scalable:project": plan["project"], "scalable:target": plan["target"]},
        # dask-cloudprovider's default clean-up deletes every idle resource it
        # ever tagged in the account, other people's included: never here.
        "skip_cleanup": True,
    }


def _nthreads(command: list[str]) -> int:
    return int(command[command.index("--nthreads") + 1])


def launch(plan: dict[str, Any]) -> Any:
    """Create the Fargate cluster and return it once the scheduler and the
    first workers run."""
    check(plan)
    taskdefs = task_definitions(plan)
    ecs = require("dask_cloudprovider.aws", EXTRA)
    botocore_session = require("botocore.session", EXTRA).get_session()
    region = plan["provider"]["options"]["region"]
    _check_credentials(botocore_session)
    _check_secrets(botocore_session, region, _secrets(taskdefs))
    _ensure_log_group(botocore_session, region, taskdefs)

    name = f"scalable-{plan['project']}-{uuid.uuid4().hex[:8]}"[:40]
    cls = _cluster_class(ecs.FargateCluster)
    default = fan_out_group(plan)
    try:
        cluster = cls(
            taskdefs=taskdefs, default_group=default["name"], **cluster_options(plan, name)
        )
    except Exception as e:
        fail(
            "E_LAUNCH_FAILED",
            f"the Fargate cluster `{name}` did not start: {type(e).__name__}: {e}",
            "what dask-cloudprovider created has been deleted again; the CloudWatch "
            f"group `/scalable/{plan['project']}` holds the tasks' logs",
        )
    try:
        cluster.start_groups(
            plan,
            default,
            lambda g: cluster.group_spec(g["name"]),
        )
    except Exception as e:
        cluster.close()
        fail(
            "E_LAUNCH_FAILED",
            f"the Fargate cluster `{name}` started but its worker groups did not: {e}",
            f"the cluster has been closed; see the CloudWatch group `/scalable/{plan['project']}`",
        )
    return cluster


def _check_credentials(session: Any) -> None:
    if session.get_credentials() is None:
        fail(
            "E_LAUNCH_CREDENTIALS",
            "no AWS credentials found in the standard places (environment, "
            "~/.aws/credentials, ~/.aws/config profiles, instance or task role)",
            "`aws configure` or `aws sso login`, or set `AWS_PROFILE`; "
            "`aws sts get-caller-identity` should answer",
        )


def _check_secrets(session: Any, region: str, names: list[str]) -> None:
    """Every SSM parameter the tasks read must exist before anything starts."""
    if not names:
        return
    ssm = session.create_client("ssm", region_name=region)
    found = ssm.get_parameters(Names=names, WithDecryption=False)
    missing = sorted(set(names) - {p["Name"] for p in found["Parameters"]})
    if missing:
        fail(
            "E_LAUNCH_SECRET",
            f"the SSM parameters {', '.join(f'`{m}`' for m in missing)} do not exist "
            f"in {region}; the tasks read secret variables from them",
            f"`aws ssm put-parameter --type SecureString --name {missing[0]} --value ...`",
        )


def _ensure_log_group(session: Any, region: str, taskdefs: dict[str, dict[str, Any]]) -> None:
    logs = session.create_client("logs", region_name=region)
    for group in sorted(
        {
            c["logConfiguration"]["options"]["awslogs-group"]
            for td in taskdefs.values()
            for c in td["containerDefinitions"]
        }
    ):
        found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        if group not in {g["logGroupName"] for g in found}:
            logs.create_log_group(logGroupName=group, tags={"scalable:managed": "true"})


def _cluster_class(base: type[Any]) -> type[Any]:
    """``base`` (dask-cloudprovider's ``FargateCluster``) with one task
    definition per component and pinned worker groups."""

    class ScalableFargateCluster(PinnedGroups, base):  # type: ignore[misc]
        """A Fargate cluster with a worker group per component."""

        def __init__(
            self, *, taskdefs: dict[str, dict[str, Any]], default_group: str, **kwargs: Any
        ) -> None:
            self._taskdefs = taskdefs
            self._default_group = default_group
            self.scaled_group = default_group
            self._arns: dict[str, str] = {}
            super().__init__(**kwargs)

        def _new_worker_name(self, worker_number: int) -> str:
            return f"{self._default_group}-{worker_number}"

        async def _create_worker_task_definition_arn(self) -> str:
            # The task definitions `--emit` writes, with the roles and log
            # stream dask-cloudprovider resolved and the container name its
            # RunTask overrides address.
            async with self._client("ecs") as client:
                for group, taskdef in self._taskdefs.items():
                    td = json.loads(json.dumps(taskdef))
                    (container,) = td["containerDefinitions"]
                    container["name"] = WORKER_CONTAINER
                    td["executionRoleArn"] = self._execution_role_arn
                    td["taskRoleArn"] = self._task_role_arn
                    td["tags"] = [{"key": k, "value": str(v)} for k, v in self.tags.items()]
                    response = await client.register_task_definition(**td)
                    self._arns[group] = response["taskDefinition"]["taskDefinitionArn"]
            return self._arns[self._default_group]

        async def _delete_worker_task_definition_arn(self) -> None:
            async with self._client("ecs") as client:
                for arn in self._arns.values():
                    await client.deregister_task_definition(taskDefinition=arn)
            self._arns = {}

        def group_spec(self, group: str) -> dict[str, Any]:
            """The worker spec of a component other than the fan-out one."""
            (container,) = self._taskdefs[group]["containerDefinitions"]
            options = {
                **self.new_spec["options"],
                "task_definition_arn": self._arns[group],
                "cpu": int(self._taskdefs[group]["cpu"]),
                "mem": int(self._taskdefs[group]["memory"]),
                "nthreads": _nthreads(container["command"]),
                "extra_args": ["--resources", f"{group}=1"],
            }
            return {"cls": self.new_spec["cls"], "options": options}

        async def _start(self) -> None:
            try:
                await super()._start()
            except BaseException:
                await self._release()
                raise

        async def _close(self, *args: Any, **kwargs: Any) -> None:
            await super()._close(*args, **kwargs)
            await self._release()

        async def _release(self) -> None:
            """Delete what dask-cloudprovider created for this cluster (the ECS
            cluster, task definitions, roles, security group) now, while the
            event loop runs, instead of at interpreter exit."""
            steps: list[tuple[Any, list[Any]]] = [(self._delete_worker_task_definition_arn, [])]
            for f in _finalizers(self):
                detached = f.detach()
                if detached is not None:
                    _, _sync, (method, *args), _ = detached
                    steps.append((method, args))
            for method, args in steps:
                try:
                    await method(*args)
                except Exception as e:  # one failed deletion must not keep the others
                    log.warning("could not %s: %s", method.__name__.strip("_"), e)

    return ScalableFargateCluster


def _finalizers(obj: Any) -> list[weakref.finalize[Any, Any]]:
    """The clean-ups dask-cloudprovider registered for ``obj``, newest first.

    It registers each deletion with ``weakref.finalize(cluster, cluster.sync,
    delete, ...)``; the standard library offers no public listing of them.
    """
    registry = getattr(weakref.finalize, "_registry", {})
    found = [f for f in list(registry) if (f.peek() or (None,))[0] is obj]
    return sorted(found, key=lambda f: registry[f].index, reverse=True)
