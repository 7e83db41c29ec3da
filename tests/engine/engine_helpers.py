"""Shared helpers of the engine tests: small bundles, rule files and CLI runs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from analyzer.bundle.native_writer import write_native
from analyzer.cli import app

HERE = Path(__file__).parent
USER_RULES = HERE / "user_rules"
REPO = HERE.parent.parent
SCHEMAS = REPO / "analyzer" / "schemas"
COLLECTED_AT = "2024-05-01T12:00:00Z"


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def write_rules(directory: Path, text: str, name: str = "rules.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def pod(name: str, ns: str = "default", labels: dict[str, str] | None = None, image: str = "nginx:1.25",
        node: str | None = "node-1", statuses: list[dict[str, Any]] | None = None, uid: str | None = None,
        owner: dict[str, Any] | None = None, containers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name, "namespace": ns, "uid": uid or f"uid-{ns}-{name}",
                          "creationTimestamp": "2024-05-01T10:00:00Z"}
    if labels is not None:
        md["labels"] = labels
    if owner is not None:
        md["ownerReferences"] = [owner]
    spec: dict[str, Any] = {"containers": containers or [{"name": "app", "image": image}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec,
            "status": {"phase": "Running", "containerStatuses": statuses or []}}


def node(name: str, ready: str = "True") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": f"uid-node-{name}"},
            "status": {"conditions": [{"type": "Ready", "status": ready,
                                       "lastTransitionTime": "2024-05-01T09:00:00Z"}]}}


def event(name: str, involved: dict[str, Any], reason: str, message: str, etype: str = "Warning",
          count: int = 1) -> dict[str, Any]:
    md = involved["metadata"]
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": md.get("namespace") or "default"},
            "involvedObject": {"kind": involved["kind"], "namespace": md.get("namespace"), "name": md["name"],
                               "uid": md.get("uid")},
            "reason": reason, "message": message, "type": etype, "count": count,
            "firstTimestamp": "2024-05-01T11:00:00Z", "lastTimestamp": "2024-05-01T11:50:00Z"}


def native(path: Path, objects: list[dict[str, Any]], logs: dict[tuple[str, str, str, bool], str] | None = None,
           node_files: dict[tuple[str, str], str] | None = None, cluster_version: str = "1.29.4") -> Path:
    return write_native(path, objects, logs=logs, node_files=node_files, cluster_version=cluster_version,
                        collected_at=COLLECTED_AT)


def json_of(stdout: str) -> dict[str, Any]:
    return json.loads(stdout)


def validate_output(doc: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads((SCHEMAS / "findings.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
