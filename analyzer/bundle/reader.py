"""The one entry point that turns any bundle kbundle understands into a :class:`Bundle`.

    with open_bundle("support-bundle.tar.gz") as bundle:
        bundle.objects("Pod")

``open_bundle`` opens the input safely (:mod:`analyzer.bundle.safe_source`), detects the
format by its marker files (one or two folders down, since archives wrap the bundle in a
folder whose name varies), lets that format's reader fill the model, and finalises it.
Broken files become ``bundle.problems``; only an unusable input raises :class:`BundleError`.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from datetime import UTC, datetime

from analyzer.bundle.coverage import Coverage, summarize
from analyzer.bundle.formats import (
    cluster_info_dump,
    generic,
    kind_logs,
    kubectl_output,
    must_gather,
    native,
    rancher_logs,
    sonobuoy,
    support_bundle_kit,
    troubleshoot,
    troubleshoot_host,
)
from analyzer.bundle.formats.common import (
    ReadContext,
    correct_collection_clock,
    kubernetes_version_from_objects,
    newest_timestamp,
)
from analyzer.bundle.model import Bundle
from analyzer.bundle.safe_source import ReadLimits, Source, SourceError, open_source

__all__ = ["BundleError", "FORMAT_NAMES", "ReadLimits", "open_bundle"]

# Detection order: the most specific markers first; loose kubectl output, then the generic
# walker (anything with a recognisable shape) are the fallbacks.
FORMATS = (native, troubleshoot, troubleshoot_host, must_gather, sonobuoy, support_bundle_kit, rancher_logs,
           kind_logs, cluster_info_dump, kubectl_output, generic)
FORMAT_NAMES = tuple(f.NAME for f in FORMATS)


# Models with at least this many objects are frozen out of the cyclic gc after loading.
FREEZE_THRESHOLD = 50_000


class BundleError(Exception):
    """The input is unusable as a bundle.  ``str(e)`` is one line: ``<file>: <problem>``."""


def candidate_roots(source: Source, depth: int = 2) -> list[str]:
    """``""`` and the folders up to ``depth`` levels down, shallowest first, as prefixes."""
    roots = [""]
    dirs = sorted(d for d in source.dirs if d.count("/") < depth)
    roots += [d + "/" for d in sorted(dirs, key=lambda d: (d.count("/"), d))]
    return roots


def open_bundle(path: str | os.PathLike[str], limits: ReadLimits | None = None,
                on_source: Callable[[Source], None] | None = None) -> Bundle:
    """Read a bundle (directory, .tar, .tar.gz/.tgz, .tar.xz, .tar.bz2, .zip or a single
    file) into the model.  Raises :class:`BundleError` when the input is unusable.

    Call ``bundle.close()`` (or use ``with``) when done: archives keep a temporary copy of
    their members for the lazily read logs; it is removed on close, at garbage collection
    or at interpreter exit at the latest."""
    limits = limits or ReadLimits()
    name = os.fspath(path)
    try:
        source = open_source(name, limits)
    except SourceError as e:
        raise BundleError(str(e)) from None
    except (OSError, ValueError, EOFError, UnicodeError) as e:  # whatever a damaged container raises
        raise BundleError(f"{name}: cannot read ({type(e).__name__}: {e})") from None
    if on_source is not None:  # e.g. the engine starting to scan the text files meanwhile
        on_source(source)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # building large object graphs with gc on is several times slower
    bundle: Bundle | None = None
    try:
        bundle = _read(name, source, limits)
    except BaseException:
        source.close()
        raise
    finally:
        if gc_was_enabled:
            if bundle is not None and len(bundle.objects_all) >= FREEZE_THRESHOLD:
                # A large model is built once and then only read: move it out of the
                # collector's sight, so that re-enabling gc does not traverse it again.
                gc.freeze()
            gc.enable()
    bundle.on_close(source.close)
    return bundle


def _read(name: str, source: Source, limits: ReadLimits, context: type[ReadContext] = ReadContext) -> Bundle:
    roots = candidate_roots(source)
    fmt = None
    found: list[str] = []
    for candidate in FORMATS:
        found = candidate.detect(source, roots)
        if found:
            fmt = candidate
            break
    if fmt is None:
        if not source.files:
            detail = "no readable files"
            if source.problems:
                detail += f" ({source.problems[0][0]}: {source.problems[0][1]})"
            raise BundleError(f"{name}: {detail}")
        limited = [(p, r) for p, r in source.problems if "--max-" in r]
        hint = f"; {len(limited)} file(s) skipped by the reading limits ({limited[0][0]}: {limited[0][1]})" if limited else ""
        raise BundleError(
            f"{name}: no known bundle format (looked for a kbundle manifest.json, troubleshoot "
            "cluster-resources/, must-gather namespaces/ or cluster-scoped-resources/, a cluster-info "
            f"dump, Sonobuoy results, kind export logs, Kubernetes objects in .json/.yaml files, pod logs by "
            f"path and host journals by line shape){hint}"
        )
    bundle = Bundle(format=fmt.NAME, source=name)
    for path, reason in source.problems:
        bundle.add_problem(path, reason)
    coverage = Coverage()
    for root in found:
        ctx = context(source, root, bundle, limits, coverage)
        try:
            fmt.read(ctx)
        except RecursionError:
            bundle.add_problem(root or os.path.basename(name), "data nested too deeply; reading stopped")
        except Exception as e:  # noqa: BLE001 - a reader bug must not lose the whole bundle
            bundle.add_problem(root or os.path.basename(name), f"reading stopped by an internal error: "
                                                               f"{type(e).__name__}: {e}")
    # The text files are read later, lazily: a source that copies on demand fetches them together.
    source.expect(tf.path for tf in bundle.text_files())
    if bundle.cluster_version is None:
        bundle.cluster_version = kubernetes_version_from_objects(bundle)
    if bundle.collected_at is None:
        bundle.collected_at = newest_timestamp(bundle)
        if bundle.collected_at is None and source.newest_mtime:
            bundle.collected_at = datetime.fromtimestamp(source.newest_mtime, UTC)
    else:
        correct_collection_clock(bundle)
    bundle.finalize()
    bundle.coverage = summarize(bundle, source.files, coverage, fmt.NAME, found)
    return bundle
