"""The command line as a user meets it: output format from the file name, colour only on a
terminal, one order of findings in every format, readable evidence labels, one error prefix,
-q, progress lines, help text."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analyzer.bundle.reader import open_bundle
from analyzer.engine.commands import output_format
from analyzer.engine.evaluate import analyze_bundle
from analyzer.engine.findings import report_order
from analyzer.report.render import render

REPO = Path(__file__).resolve().parents[2]
BUNDLES = REPO / "bundles"
DEMO = BUNDLES / "demo"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def kbundle(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "analyzer.cli", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or REPO, timeout=300)


def kbundle_on_a_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """Run kbundle with stdout and stderr on a pseudo-terminal; returns everything it wrote."""
    full_env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200", TERM="xterm-256color")
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(REPO)
        os.execvpe(sys.executable, [sys.executable, "-m", "analyzer.cli", *args], full_env)
    out = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode("utf-8", "replace")


# ---------------------------------------------------------------------- format from -o
@pytest.mark.parametrize(("name", "fmt"), [("r.html", "html"), ("r.htm", "html"), ("r.md", "markdown"),
                                           ("r.json", "json"), ("r.xml", "junit"), ("r.sarif", "sarif"),
                                           ("r.sarif.json", "sarif"), ("r.txt", "text"), ("report", "text")])
def test_format_is_inferred_from_the_output_name(name: str, fmt: str) -> None:
    assert output_format(None, Path(name)) == (fmt, None)
    assert output_format(fmt, Path(name)) == (fmt, None)


def test_no_output_means_text_and_a_contradiction_is_an_error() -> None:
    assert output_format(None, None) == ("text", None)
    assert output_format("json", None) == ("json", None)
    fmt, problem = output_format("markdown", Path("r.html"))
    assert fmt is None and problem is not None and "contradicts" in problem


def test_cli_writes_each_format_by_extension(tmp_path: Path) -> None:
    for name, marker in (("r.html", "<!doctype html"), ("r.md", "# kbundle analysis"), ("r.json", '"schema_version"'),
                         ("r.xml", "<testsuites"), ("r.sarif", '"$schema"')):
        out = tmp_path / name
        r = kbundle("analyze", str(DEMO), "-o", str(out), "--fail-on", "never")
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == f"report written to {out}"
        assert marker in out.read_text(encoding="utf-8")[:4000].lower() or marker in out.read_text(encoding="utf-8")[:4000]
    r = kbundle("analyze", str(DEMO), "--format", "markdown", "-o", str(tmp_path / "x.html"))
    assert r.returncode == 2 and r.stderr.startswith("kbundle: error: --format markdown contradicts")
    assert not (tmp_path / "x.html").exists()


def test_html_without_output_says_where_it_went(tmp_path: Path) -> None:
    r = kbundle("analyze", str(DEMO), "--format", "html", "--fail-on", "never", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "report written to reports/demo-report.html"
    html = (tmp_path / "reports" / "demo-report.html").read_text(encoding="utf-8")
    assert "<title>kbundle report: demo</title>" in html  # the bundle's name, not its context


# ---------------------------------------------------------------------- colour
def test_colour_on_a_terminal_only() -> None:
    piped = kbundle("analyze", str(DEMO), "--fail-on", "never")
    assert piped.returncode == 0 and "CRITICAL" in piped.stdout and not ANSI.search(piped.stdout)
    coloured = kbundle_on_a_terminal("analyze", str(DEMO), "--fail-on", "never")
    assert "\x1b[1;31mCRITICAL" in coloured
    assert "\x1b[1;31mCRITICAL" not in kbundle_on_a_terminal("analyze", str(DEMO), "--fail-on", "never", "--no-color")
    assert "\x1b[1;31mCRITICAL" not in kbundle_on_a_terminal("analyze", str(DEMO), "--fail-on", "never",
                                                            env={"NO_COLOR": "1"})


# ---------------------------------------------------------------------- one order everywhere
@pytest.fixture(scope="module")
def demo_result(builtin_pack):
    with open_bundle(DEMO) as b:
        result = analyze_bundle(b, builtin_pack.rules)
        meta = [r.meta() for r in builtin_pack.rules]
        texts = {fmt: render(result, b, fmt, meta) for fmt in ("text", "markdown", "html", "json")}
    return result, texts


def _runs(ids: list[str]) -> list[str]:
    """Consecutive repeats collapsed: the order of rules as a reader meets them."""
    out: list[str] = []
    for i in ids:
        if not out or out[-1] != i:
            out.append(i)
    return out


def test_same_order_in_text_markdown_html_and_json(demo_result) -> None:
    result, texts = demo_result
    doc = json.loads(texts["json"])
    keys = [(f["state"] != "current", -{"critical": 3, "warning": 2, "info": 1}[f["severity"]], f["category"],
             f["rule_id"]) for f in doc["findings"]]
    assert keys == sorted(keys), "the JSON keeps the report order"
    assert [f.rule_id for f in sorted(result.findings, key=report_order)] == [f["rule_id"] for f in doc["findings"]]
    expected = _runs([f["rule_id"] for f in doc["findings"] if not f["waived"]])
    assert any(f["state"] == "history" for f in doc["findings"]), "the demo has history: the test needs both"
    text_ids = re.findall(r"^(?:CRITICAL|WARNING|INFO)\s+(\S+)|^  ([A-Z][A-Z0-9-]+)  ", texts["text"], re.M)
    assert _runs([a or b for a, b in text_ids]) == expected
    md_ids = re.findall(r"^\d+\. \*\*[A-Z]+\*\* `([^`]+)`", texts["markdown"], re.M)
    assert _runs(md_ids) == expected[: len(_runs(md_ids))] and len(md_ids) >= 10
    html_ids = re.findall(r'<code class="rule">([^<]+)</code>', texts["html"])
    assert _runs(html_ids) == expected


def test_current_first_and_history_collapsed(demo_result) -> None:
    _result, texts = demo_result
    text = texts["text"]
    assert text.index("History: ") > text.rindex("\n  * ")  # every current finding before the history
    assert "<details>\n<summary>History: " in texts["markdown"]
    assert '<details id="history" class="history-list">' in texts["html"]
    assert 'name="state" value="history"' in texts["html"]


def test_nothing_failing_now_opens_the_report(builtin_pack) -> None:
    with open_bundle(DEMO) as b:
        result = analyze_bundle(b, builtin_pack.rules)
        history = [f for f in result.findings if f.state == "history"]
        result.findings = history
        meta = [r.meta() for r in builtin_pack.rules]
        line = f"Nothing is failing now; {len(history)} problems cleared before collection."
        assert render(result, b, "text", meta).splitlines()[3] == line
        assert f"**{line}**" in render(result, b, "markdown", meta)
        assert f'<p class="headline">{line}</p>' in render(result, b, "html", meta)


def test_markdown_next_steps_render_commands_as_code(demo_result) -> None:
    md = demo_result[1]["markdown"]
    assert "Next step: Free space on worker-1 now: `crictl rmi --prune`" in md
    assert "\\`" not in md.split("Next step:", 1)[1].split("\n", 1)[0]


# ---------------------------------------------------------------------- evidence labels
INTERNAL_LABEL = re.compile(r"\$|^item\b|^obj\.")


def test_no_internal_names_in_evidence_labels_of_any_recorded_bundle(builtin_pack) -> None:
    seen = 0
    for d in sorted(p for p in BUNDLES.iterdir() if (p / "expected.yaml").is_file() or p.name == "demo"):
        with open_bundle(d) as b:
            for f in analyze_bundle(b, builtin_pack.rules).findings:
                for e in f.evidence:
                    if e.type in ("field", "object"):
                        seen += 1
                        assert not INTERNAL_LABEL.search(e.label), (d.name, f.rule_id, e.label)
    assert seen > 50


def test_labels_name_the_container(demo_result) -> None:
    result, _texts = demo_result
    labels = {e.label for f in result.findings for e in f.evidence if e.type == "field"}
    assert any(re.fullmatch(r"status\.containerStatuses\[[a-z0-9-]+\]\.(lastState|state)\.\w+", lbl) for lbl in labels)


def test_html_shows_sizes_readably_with_the_raw_value_on_hover() -> None:
    from analyzer.engine.findings import AnalysisResult, Evidence, Finding
    from analyzer.report.html_report import render_html

    f = Finding(rule_id="X", severity="warning", title="t", category="nodes", message="m",
                evidence=[Evidence(type="field", label="status.allocatable", value={"memory": "33443027968", "cpu": "8"})])
    html = render_html(AnalysisResult(bundle={}, findings=[f], rule_errors=[], problems=[]), None)
    assert '<span title="33443027968">memory: <strong>31.1 GiB</strong></span>' in html


# ---------------------------------------------------------------------- errors, quiet, progress, help
@pytest.mark.parametrize("args", [
    ["analyze", "no/such/bundle"], ["analyze", str(DEMO), "--fail-on", "sometimes"], ["inspect", "no/such/bundle"],
    ["rules", "list", "--format", "yaml"], ["rules", "lint", "no/such/rules.yaml"],
    ["rules", "test", "--bundles", "no/such/dir"], ["rules", "explain", "NO-SUCH-RULE"],
    ["serve", "no/such/bundle"], ["collect", "--since", "yesterday"], ["analyze", "--no-such-option"], ["nope"],
])
def test_every_command_uses_one_error_prefix(args: list[str]) -> None:
    r = kbundle(*args, env={"PATH": os.environ.get("PATH", "")})
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.startswith("kbundle: error: "), r.stderr
    assert "Traceback" not in r.stderr


def test_quiet_prints_nothing_but_errors(tmp_path: Path) -> None:
    r = kbundle("analyze", str(DEMO), "-q", "-o", str(tmp_path / "r.json"), "--fail-on", "never")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = kbundle("-q", "inspect", str(DEMO))
    assert r.returncode == 0 and r.stderr == ""
    r = kbundle("analyze", "no/such/bundle", "-q")
    assert r.returncode == 2 and r.stderr.startswith("kbundle: error: ")


def test_progress_prints_plain_lines_when_not_a_terminal() -> None:
    import io

    from analyzer.progress import Progress

    stream = io.StringIO()
    with Progress("analyze", stream=stream, tty=False, interval_s=0.05, quiet=False) as p:
        p.phase("reading")
        p.read(3, 3 * 1024 * 1024)
        time.sleep(0.4)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 3 and all(ln.startswith("analyze [") for ln in lines)
    assert "reading; 3 files, 3.0 MiB read" in lines[0]
    quiet = io.StringIO()
    with Progress("analyze", stream=quiet, tty=False, interval_s=0.05, quiet=True):
        time.sleep(0.2)
    assert quiet.getvalue() == ""


def test_progress_draws_a_bar_on_a_terminal_and_clears_it() -> None:
    import io

    from analyzer.progress import Progress

    stream = io.StringIO()
    with Progress("analyze", stream=stream, tty=True, delay_s=0.0, quiet=False) as p:
        p.phase("building the model")
        time.sleep(0.5)
    out = stream.getvalue()
    assert "analyze [" in out and "building the model" in out and "\x1b[" in out


def test_help_renders_flags_and_every_option_has_help() -> None:
    import typer.main

    from analyzer.cli import app

    def commands(cmd, path):
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from commands(sub, f"{path} {name}")

    root = typer.main.get_command(app)
    for path, cmd in commands(root, "kbundle"):
        for param in cmd.params:
            if param.param_type_name == "option":
                assert getattr(param, "help", None), f"{path} {param.opts} has no help"
        r = kbundle(*path.split()[1:], "--help")
        assert r.returncode == 0, r.stderr
        assert "<bool>" not in r.stdout and "<list[" not in r.stdout, r.stdout
