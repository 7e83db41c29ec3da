"""``GET .../pods/<pod>/log``: container logs from the bundle, with the API server's
parameters (``container``, ``previous``, ``tailLines``, ``limitBytes``) and its error
messages (no container named for a multi-container pod, unknown container, no previous
terminated container)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.bundle.model import Bundle


@dataclass
class LogResult:
    """Either ``text`` (200) or ``code`` + ``reason`` + ``message`` for a Status."""

    text: str | None = None
    code: int = 200
    reason: str = ""
    message: str = ""


def _names(containers: Any) -> list[str]:
    if not isinstance(containers, list):
        return []
    return [c["name"] for c in containers if isinstance(c, dict) and isinstance(c.get("name"), str)]


def _status_of(pod: dict[str, Any], container: str) -> dict[str, Any]:
    status = status_raw if isinstance(status_raw := pod.get("status"), dict) else {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(key) or []:
            if isinstance(cs, dict) and cs.get("name") == container:
                return cs
    return {}


def _bad_request(message: str) -> LogResult:
    return LogResult(code=400, reason="BadRequest", message=message)


def _int_param(query: dict[str, str], name: str) -> int | None | LogResult:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        return _bad_request(f"invalid {name} {raw!r}: must be an integer")
    if value < 0 or (name == "limitBytes" and value == 0):
        return _bad_request(f"invalid {name} {raw!r}: must be greater than {'0' if name == 'limitBytes' else '-1'}")
    return value


def pod_log(bundle: Bundle, pod: dict[str, Any], query: dict[str, str]) -> LogResult:
    md = md_raw if isinstance(md_raw := pod.get("metadata"), dict) else {}
    namespace, name = str(md.get("namespace") or ""), str(md.get("name") or "")
    spec = spec_raw if isinstance(spec_raw := pod.get("spec"), dict) else {}
    containers = _names(spec.get("containers"))
    init = _names(spec.get("initContainers"))
    ephemeral = _names(spec.get("ephemeralContainers"))
    container = query.get("container") or ""
    if not container:
        if len(containers) == 1:
            container = containers[0]
        else:
            msg = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
            if init:
                msg += f" or one of the init containers: [{' '.join(init)}]"
            if ephemeral:
                msg += f" or one of the ephemeral containers: [{' '.join(ephemeral)}]"
            return _bad_request(msg)
    if container not in containers + init + ephemeral:
        if (namespace, name, container, False) not in bundle.logs and (namespace, name, container, True) not in bundle.logs:
            return _bad_request(f"container {container} is not valid for pod {name}")
    previous = (query.get("previous") or "").lower() in ("true", "1")
    tail = _int_param(query, "tailLines")
    if isinstance(tail, LogResult):
        return tail
    limit = _int_param(query, "limitBytes")
    if isinstance(limit, LogResult):
        return limit

    tf = bundle.log(namespace, name, container, previous)
    if tf is None:
        cs = _status_of(pod, container)
        last = last_raw if isinstance(last_raw := cs.get("lastState"), dict) else {}
        if previous:
            msg = f'previous terminated container "{container}" in pod "{name}" not found'
            if last.get("terminated"):
                msg += " in the bundle (it was not collected)"
            return _bad_request(msg)
        state = state_raw if isinstance(state_raw := cs.get("state"), dict) else {}
        waiting = waiting_raw if isinstance(waiting_raw := state.get("waiting"), dict) else None
        if waiting is not None and not last.get("terminated"):
            reason = waiting.get("reason") or "ContainerCreating"
            return _bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
        return LogResult(code=404, reason="NotFound",
                         message=f'the bundle holds no log for container "{container}" in pod "{name}" '
                                 f'(namespace "{namespace}")')
    text = tf.text()
    if tail is not None:
        lines = text.splitlines(keepends=True)
        text = "".join(lines[-tail:]) if tail else ""
    if limit is not None:
        data = text.encode("utf-8")[:limit]
        text = data.decode("utf-8", errors="ignore")
    return LogResult(text=text)
