"""The kubeconfig that points kubectl at a served bundle (plain HTTP, no credentials)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar", ".zip", ".json", ".yaml",
                     ".yml", ".txt")


def context_name(bundle_path: str | os.PathLike[str]) -> str:
    """``kbundle-<bundle name>``: the bundle's file or folder name without archive suffix,
    reduced to characters safe in a kubeconfig name."""
    base = os.path.basename(os.path.normpath(os.fspath(bundle_path))) or "bundle"
    low = base.lower()
    for suffix in _ARCHIVE_SUFFIXES:
        if low.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.") or "bundle"
    return f"kbundle-{safe}"


def kubeconfig_text(url: str, name: str, namespace: str = "default") -> str:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": url}}],
        "users": [{"name": name, "user": {}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def write_kubeconfig(path: str | os.PathLike[str], url: str, name: str, namespace: str = "default") -> Path:
    """Write a kubeconfig for ``url`` with one context ``name`` (mode 0600) and return its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(kubeconfig_text(url, name, namespace))
    return out
