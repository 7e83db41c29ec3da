"""``kbundle serve BUNDLE``: read the bundle, serve it, write a kubeconfig, wait for Ctrl-C."""

from __future__ import annotations

import ipaddress
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from analyzer.serve.hosts import DEFAULT_ACCEPT_HOSTS, is_wildcard, parse_accept_hosts
from analyzer.serve.kubeconfig import context_name, write_kubeconfig


def _err(message: str) -> None:
    print(f"kbundle: error: {message}", file=sys.stderr, flush=True)


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve_command(bundle: Path, port: int, address: str, kubeconfig: Path | None,
                  accept_hosts: str | None = None) -> int:
    """Serve ``bundle`` until interrupted.  Exit 0 after Ctrl-C/SIGTERM, 2 when the bundle
    cannot be read, the address cannot be bound, ``--accept-hosts`` is invalid or the
    kubeconfig cannot be written (an existing file kbundle did not write is never replaced)."""
    from analyzer.bundle.reader import BundleError, open_bundle
    from analyzer.serve.server import BundleServer

    if not 0 <= port <= 65535:
        _err(f"--port {port}: must be between 0 and 65535")
        return 2
    if accept_hosts is None:
        accept_hosts = DEFAULT_ACCEPT_HOSTS
    invalid = parse_accept_hosts(accept_hosts)
    if isinstance(invalid, str):
        _err(invalid)
        return 2
    try:
        model = open_bundle(bundle)
    except BundleError as e:
        _err(str(e))
        return 2
    except OSError as e:
        _err(f"{bundle}: {e.strerror or e}")
        return 2
    temp_dir: str | None = None
    server = None
    try:
        try:
            server = BundleServer(model, address, port, accept_hosts=accept_hosts)
        except OSError as e:
            _err(f"cannot listen on {address}:{port}: {e.strerror or e}")
            return 2
        except (ValueError, OverflowError) as e:
            _err(f"cannot listen on {address}:{port}: {e}")
            return 2
        if kubeconfig is None:
            temp_dir = tempfile.mkdtemp(prefix="kbundle-serve-")
            kubeconfig = Path(temp_dir) / "kubeconfig"
        try:
            written = write_kubeconfig(kubeconfig, server.url, context_name(bundle))
        except OSError as e:
            _err(f"cannot write kubeconfig {kubeconfig}: {e.strerror or e}")
            return 2
        counts = model.counts()
        print(
            f"kbundle serve: {bundle} ({model.format}, Kubernetes {model.cluster_version or 'version unknown'}, "
            f"{sum(counts.values())} objects, {len(model.logs)} logs) read-only at {server.url}; Ctrl-C to stop",
            flush=True,
        )
        if model.problems:
            print(f"kbundle serve: {len(model.problems)} part(s) of the bundle could not be read "
                  f"(kbundle inspect {bundle} lists them)", flush=True)
        if not _is_loopback(address):
            print(f"kbundle serve: warning: listening on {address}: anyone who can reach it can read the bundle "
                  "(there is no authentication)", file=sys.stderr, flush=True)
            if is_wildcard(address) and accept_hosts == DEFAULT_ACCEPT_HOSTS:
                print("kbundle serve: note: only requests for localhost/127.0.0.1/[::1] are answered; "
                      "--accept-hosts REGEXP adds the names clients use", file=sys.stderr, flush=True)
        print(f"  kubectl --kubeconfig {written} get pods -A", flush=True)
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        print("kbundle serve: stopped", flush=True)
        return 0
    finally:
        if server is not None:
            server.shutdown()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        close = getattr(model, "close", None)
        if callable(close):
            close()
