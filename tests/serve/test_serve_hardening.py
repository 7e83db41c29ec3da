"""kbundle serve against hostile clients and careless paths (issue 14 points 14-16): DNS
rebinding (Host checks as kubectl proxy), abandoned watches, idle connections, a bounded
number of connection threads, and a --kubeconfig that never replaces a user's file."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from analyzer.bundle.reader import open_bundle
from analyzer.serve import server as server_module
from analyzer.serve.commands import serve_command
from analyzer.serve.kubeconfig import write_kubeconfig
from analyzer.serve.server import BundleServer

USER_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: LS0tLS1CRUdJTg==}
users:
- name: admin
  user: {token: "realUserToken0123456789"}
contexts:
- name: prod
  context: {cluster: prod, user: admin}
current-context: prod
"""


@pytest.fixture
def make_server(sample_bundle_dir: Path) -> Iterator:
    servers: list[BundleServer] = []

    def make(**kw) -> BundleServer:
        srv = BundleServer(open_bundle(sample_bundle_dir), **kw)
        srv.owns_bundle = True
        servers.append(srv.start())
        return srv

    yield make
    for srv in servers:
        srv.shutdown()


def _connect(srv: BundleServer, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)


def _request(srv: BundleServer, path: str, host: str | None, version: str = "HTTP/1.1") -> tuple[int, bytes]:
    with _connect(srv) as s:
        head = f"GET {path} {version}\r\n" + (f"Host: {host}\r\n" if host is not None else "")
        s.sendall((head + "Connection: close\r\n\r\n").encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


# ----------------------------------------------------------------------------- Host (point 14)


def test_default_accepts_only_loopback_names_like_kubectl_proxy(make_server) -> None:
    """A DNS-rebinding page sends its own name: refused; loopback names are answered."""
    srv = make_server()
    port = srv.port
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost"):
        status, _ = _request(srv, "/api/v1/namespaces/default/secrets", host)
        assert status == 200, host
    for host in (f"evil.example:{port}", f"localhost.evil.example:{port}", f"127.0.0.1.nip.io:{port}",
                 "attacker.test"):
        status, body = _request(srv, "/api/v1/namespaces/default/secrets", host)
        assert status == 403, host
        doc = json.loads(body)
        assert doc["kind"] == "Status" and doc["reason"] == "Forbidden" and "--accept-hosts" in doc["message"]
    status, _ = _request(srv, "/api/v1/namespaces", None, version="HTTP/1.0")
    assert status == 403  # no Host at all: nothing to check, refused


def test_accept_hosts_widens_and_replaces_the_default(make_server) -> None:
    srv = make_server(accept_hosts=r"^kb\.internal$,^10\.1\.")
    assert _request(srv, "/version", f"kb.internal:{srv.port}")[0] == 200
    assert _request(srv, "/version", "10.1.2.3")[0] == 200
    assert _request(srv, "/version", f"localhost:{srv.port}")[0] == 403
    assert _request(srv, "/version", f"127.0.0.1:{srv.port}")[0] == 200  # the address it is bound to


def test_host_parsing_and_the_kubectl_proxy_default() -> None:
    from analyzer.serve.hosts import DEFAULT_ACCEPT_HOSTS, HostFilter, host_of, parse_accept_hosts

    assert DEFAULT_ACCEPT_HOSTS == r"^localhost$,^127\.0\.0\.1$,^\[::1\]$"
    assert host_of("localhost:8001") == "localhost" and host_of("[::1]:8001") == "[::1]"
    assert host_of("example") == "example" and host_of("[::1]") == "[::1]"
    patterns = parse_accept_hosts(DEFAULT_ACCEPT_HOSTS)
    assert not isinstance(patterns, str)
    default = HostFilter(tuple(patterns), "127.0.0.1")
    assert default.accepts("[::1]:8001") and default.accepts("LOCALHOST:1") is False
    assert not default.accepts("[::1].evil:80") and not default.accepts("")
    assert HostFilter(tuple(patterns), "10.0.0.5").accepts("10.0.0.5:8080")
    assert not HostFilter(tuple(patterns), "0.0.0.0").accepts("0.0.0.0:8080")
    assert isinstance(parse_accept_hosts("^ok$,(broken"), str)


def test_invalid_accept_hosts_is_one_line_exit_2(sample_bundle_dir: Path, capsys: pytest.CaptureFixture[str]
                                                 ) -> None:
    assert serve_command(sample_bundle_dir, 0, "127.0.0.1", None, accept_hosts="^ok$,(broken") == 2
    err = capsys.readouterr().err
    assert err.startswith("kbundle: error: --accept-hosts: pattern #2") and err.count("\n") == 1


# ----------------------------------------------------------------------------- connections (point 15)


def _open_watch(srv: BundleServer, query: str = "watch=1") -> tuple[socket.socket, bytes]:
    s = _connect(srv)
    s.sendall(f"GET /api/v1/namespaces/shop/pods?{query} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    data = b""
    while b'"ADDED"' not in data:
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    return s, data


def _read_until_closed(s: socket.socket, data: bytes, within_s: float) -> bytes:
    s.settimeout(within_s)
    while chunk := s.recv(65536):  # socket.timeout fails the test: the stream did not end
        data += chunk
    return data


def test_abandoned_watch_with_a_stray_byte_ends(make_server) -> None:
    """A client that writes a byte on a watch and goes quiet without closing: the stream
    ends at once (it used to peek at the same byte forever in a busy loop)."""
    srv = make_server()
    s, data = _open_watch(srv)
    with s:
        s.sendall(b"x")
        started = time.monotonic()
        data = _read_until_closed(s, data, within_s=5)
    assert data.endswith(b"0\r\n\r\n")
    assert time.monotonic() - started < 5


def test_watch_without_timeout_is_bounded(make_server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "MAX_WATCH_S", 0.5)
    srv = make_server()
    s, data = _open_watch(srv)
    with s:
        assert _read_until_closed(s, data, within_s=5).endswith(b"0\r\n\r\n")


def test_idle_connection_is_closed(make_server) -> None:
    srv = make_server(idle_timeout_s=0.5)
    with _connect(srv) as s:
        s.settimeout(5)
        started = time.monotonic()
        assert s.recv(1) == b""  # closed by the server, nothing sent
        assert time.monotonic() - started < 5
    with _connect(srv) as s:  # a half-sent request line stalls: closed too
        s.sendall(b"GET /version HT")
        s.settimeout(5)
        assert s.recv(65536) == b""


def test_connection_threads_are_bounded(make_server) -> None:
    srv = make_server(max_connections=2, idle_timeout_s=10)
    idle = [_connect(srv), _connect(srv)]
    try:
        # Both idle connections hold a slot once the server has accepted them.
        deadline = time.monotonic() + 5
        while srv.httpd.slots._value > 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        status, body = _request(srv, "/version", "localhost")
        assert status == 503 and json.loads(body)["reason"] == "ServiceUnavailable"
    finally:
        for s in idle:
            s.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status, _ = _request(srv, "/version", "localhost")
        if status == 200:
            break
        time.sleep(0.05)
    assert status == 200  # slots come back when connections end


# ----------------------------------------------------------------------------- --kubeconfig (point 16)


def test_kubeconfig_never_replaces_a_users_file(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(USER_KUBECONFIG)
    with pytest.raises(FileExistsError, match="not written by kbundle serve"):
        write_kubeconfig(config, "http://127.0.0.1:1", "kbundle-x")
    assert config.read_text() == USER_KUBECONFIG
    link = tmp_path / "link"
    link.symlink_to(config)
    with pytest.raises(FileExistsError):
        write_kubeconfig(link, "http://127.0.0.1:1", "kbundle-x")
    assert config.read_text() == USER_KUBECONFIG and link.is_symlink()
    with pytest.raises(FileExistsError):
        write_kubeconfig(tmp_path, "http://127.0.0.1:1", "kbundle-x")


def test_kubeconfig_creates_no_directories(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_kubeconfig(tmp_path / "new" / "dir" / "config", "http://127.0.0.1:1", "kbundle-x")
    assert not (tmp_path / "new").exists()


def test_kubeconfig_replaces_its_own_and_empty_files(tmp_path: Path) -> None:
    from analyzer.serve.kubeconfig import written_by_kbundle

    config = tmp_path / "kb"
    write_kubeconfig(config, "http://127.0.0.1:1", "kbundle-a")
    assert written_by_kbundle(config)
    write_kubeconfig(config, "http://127.0.0.1:2", "kbundle-b")  # a second serve run: same path
    doc = yaml.safe_load(config.read_text())
    assert doc["clusters"][0]["cluster"]["server"] == "http://127.0.0.1:2"
    assert config.stat().st_mode & 0o077 == 0
    empty = tmp_path / "from-mktemp"
    empty.write_text("")
    write_kubeconfig(empty, "http://127.0.0.1:1", "kbundle-a")
    assert written_by_kbundle(empty)
    assert not written_by_kbundle(tmp_path / "missing")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kbundle-kubeconfig-")]  # no temp left


def test_serve_refuses_an_existing_kubeconfig_with_one_line(sample_bundle_dir: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config"
    config.write_text(USER_KUBECONFIG)
    assert serve_command(sample_bundle_dir, 0, "127.0.0.1", config) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kbundle: error: cannot write kubeconfig {config}: ") and err.count("\n") == 1
    assert config.read_text() == USER_KUBECONFIG
    missing_dir = tmp_path / "nope" / "config"
    assert serve_command(sample_bundle_dir, 0, "127.0.0.1", missing_dir) == 2
    assert "does not exist" in capsys.readouterr().err and not missing_dir.parent.exists()
