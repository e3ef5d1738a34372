"""Write a large, valid manifest for the validate benchmarks.

    python bench/gen_manifest.py [OUT] [N]     (defaults: target/bench/big.yaml, 5000)

N components, each with cpus, memory, an image, tags, mounts and env, and N
tasks bound to them (one each); targets local, slurm (`hpc`) and aws (`aws`,
with an overlay). The same shape is generated in-process by
crates/scalable-manifest/benches/validate.rs.
"""

from __future__ import annotations

import sys
from pathlib import Path


def manifest(n: int) -> str:
    out = [
        "version: 1",
        "project:",
        "  name: big-ensemble",
        "  default_storage: ./outputs/big",
        "targets:",
        "  local: {provider: local, max_workers: 2}",
        "  hpc:",
        "    provider: slurm",
        "    queue: short",
        "    account: gcims",
        '    walltime: "02:30:00"',
        "  aws:",
        "    provider: aws",
        "    overlay: aws-storage",
        "    region: us-east-1",
        "    cluster_type: fargate",
        "components:",
    ]
    for i in range(n):
        out += [
            f"  model_{i:05d}:",
            f"    image: ghcr.io/example/model-{i % 50}:1.{i % 7}.0",
            f"    cpus: {1 + i % 8}",
            f"    memory: {1 + i % 32}G",
            f"    tags: [ensemble, group-{i % 100}, member-{i}]",
            "    mounts:",
            f"      ./data/{i % 100}: /data",
            "      ./scratch: /scratch",
            "    env:",
            f"      MEMBER: member-{i}",
            '      OMP_NUM_THREADS: "1"',
        ]
    out.append("tasks:")
    for i in range(n):
        cache = "true" if i % 2 else "false"
        out.append(f"  run_{i:05d}: {{component: model_{i:05d}, cache: {cache}}}")
    out += [
        "overlays:",
        "  aws-storage:",
        "    project:",
        "      default_storage: s3://${ARTIFACT_STORAGE:-bench-bucket}/big/",
    ]
    return "\n".join(out) + "\n"


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "target/bench/big.yaml")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(manifest(n))
    print(f"{out}: {n} components, {n} tasks, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
