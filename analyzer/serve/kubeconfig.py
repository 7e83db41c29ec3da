"""The kubeconfig that points kubectl at a served bundle (plain HTTP, no credentials)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
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


MARKER = "# Written by kbundle serve: a plain-HTTP kubeconfig for a served bundle, no credentials.\n"
_MAX_OWN_SIZE = 64 * 1024  # a kubeconfig kbundle serve wrote is a few hundred bytes


def written_by_kbundle(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is empty or a kubeconfig only kbundle serve could have written (every
    cluster ``kbundle-*`` at an ``http://`` server, every user without credentials): then
    nothing is lost by replacing it.  A user's real kubeconfig never passes."""
    try:
        with open(path, "rb") as f:
            raw = f.read(_MAX_OWN_SIZE + 1)
    except OSError:
        return False
    if not raw.strip():
        return True
    if len(raw) > _MAX_OWN_SIZE:
        return False
    try:
        doc = yaml.safe_load(raw)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return False
    if not isinstance(doc, dict) or doc.get("kind") != "Config":
        return False
    clusters, users, contexts = doc.get("clusters") or [], doc.get("users") or [], doc.get("contexts") or []
    if not all(isinstance(x, list) for x in (clusters, users, contexts)) or not clusters:
        return False
    for entry in (*clusters, *users, *contexts):
        if not isinstance(entry, dict) or not str(entry.get("name", "")).startswith("kbundle-"):
            return False
    for c in clusters:
        cluster = c.get("cluster")
        if not isinstance(cluster, dict) or not str(cluster.get("server", "")).startswith("http://"):
            return False
    return all(not u.get("user") for u in users)


def write_kubeconfig(path: str | os.PathLike[str], url: str, name: str, namespace: str = "default") -> Path:
    """Write a kubeconfig for ``url`` with one context ``name`` (mode 0600) and return its path.

    Never creates directories, and never replaces a file kbundle did not write (a user's
    ``~/.kube/config`` would lose its credentials): raises FileNotFoundError or
    FileExistsError with the reason.  Written to a temporary file then renamed, so the
    file is whole or absent, and a symlink at ``path`` is replaced, never followed."""
    out = Path(path)
    parent = out.parent
    if not parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"directory {parent} does not exist (kbundle serve creates none)",
                                str(out))
    if out.is_symlink() or out.exists():
        if out.is_dir() or not written_by_kbundle(out):
            raise FileExistsError(errno.EEXIST, "the file exists and was not written by kbundle serve (it may hold "
                                  "credentials); choose a new path", str(out))
    fd, tmp = tempfile.mkstemp(prefix=".kbundle-kubeconfig-", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(MARKER + kubeconfig_text(url, name, namespace))
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return out
