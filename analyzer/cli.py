"""The `kbundle` command line: a thin typer layer.  Each command parses its options and
hands them to the module that does the work; that module returns the exit code.

Exit codes: 0 ok, 1 findings at or above --fail-on, 2 unusable input or usage error,
3 partial collection.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import typer

from analyzer import __version__
from analyzer.console import error, settings, startup_over

app = typer.Typer(
    name="kbundle",
    help="Capture a Kubernetes cluster into one diagnostic bundle and analyse it offline.\n\n"
    "Examples:\n\n"
    "  kbundle analyze bundles/demo\n\n"
    "  kbundle analyze support-bundle.tar.gz --format html -o report.html\n\n"
    "  kbundle inspect must-gather.tar.xz --format json\n\n"
    "  kbundle collect -o cluster.tar.gz\n\n"
    "  kbundle serve bundles/demo --kubeconfig /tmp/kb.kubeconfig",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rules_app = typer.Typer(help="List, lint, test and explain rules.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
from analyzer.fleet.commands import fleet_app  # noqa: E402 - the fleet sub-app (heavy imports are lazy)

app.add_typer(fleet_app, name="fleet")


def _set_quiet(value: bool) -> bool:
    settings.quiet = settings.quiet or bool(value)
    return value


def _set_verbose(value: bool) -> bool:
    settings.verbose = settings.verbose or bool(value)
    return value


def _set_no_color(value: bool) -> bool:
    settings.no_color = settings.no_color or bool(value)
    return value


# Options every command takes (also before the command: kbundle -q analyze ...).
QUIET = typer.Option(False, "-q", "--quiet", callback=_set_quiet, help="Print nothing but errors (and the report).")
VERBOSE = typer.Option(False, "-v", "--verbose", callback=_set_verbose, help="Print more detail on stderr.")
NO_COLOR = typer.Option(False, "--no-color", callback=_set_no_color,
                        help="No colour (also when NO_COLOR is set or the output is not a terminal).")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kbundle {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    # Each invocation starts from the options given before the command (the command's own
    # options are parsed after this and can only add to them).
    settings.quiet, settings.verbose, settings.no_color = quiet, verbose, no_color


LIMIT_HELP = "Reading limit in bytes or entries (see docs/limits.md)."
COMMON = "Common options"


RATIO_HELP = "Largest expansion ratio of a compressed member (see docs/limits.md)."


def _limit(flag: str, help: str = LIMIT_HELP) -> Any:
    return typer.Option(None, flag, help=help, show_default=False)


@app.command()
def inspect(
    bundle: Path = typer.Argument(..., help="Bundle: directory, .tar, .tar.gz/.tgz, .tar.xz or a single dump file.",
                                  show_default=False),
    format: str = typer.Option("text", "--format", help="text or json."),
    max_total_bytes: int | None = _limit("--max-total-bytes"),
    max_file_bytes: int | None = _limit("--max-file-bytes"),
    max_members: int | None = _limit("--max-members"),
    max_ratio: int | None = _limit("--max-compression-ratio", RATIO_HELP),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """Show what a bundle holds: format, cluster version, object counts, logs, problems.

    Example: kbundle inspect bundles/demo --format json
    """
    from analyzer.bundle.commands import inspect_command

    startup_over()
    raise typer.Exit(inspect_command(bundle, format, max_total_bytes, max_file_bytes, max_members, max_ratio))


@app.command()
def analyze(
    bundle: Path = typer.Argument(..., help="Bundle to analyse (any format kbundle reads).", show_default=False),
    rules: list[Path] = typer.Option([], "--rules", help="Extra rule file or directory (repeatable).",
                                     show_default=False),
    no_builtin: bool = typer.Option(False, "--no-builtin", help="Do not load the built-in rule pack."),
    waivers: Path | None = typer.Option(None, "--waivers", help="YAML file of waivers.", show_default=False),
    format: str | None = typer.Option(
        None, "--format", show_default=False,
        help="text, json, html, markdown, junit or sarif (default: from the -o extension, else text)."),
    output: Path | None = typer.Option(
        None, "-o", "--output", show_default=False,
        help="Write the report here; .html .md .json .xml (junit) .sarif .txt choose the format "
             "(html without -o: reports/<bundle>-report.html)."),
    fail_on: str = typer.Option("critical", "--fail-on", help="critical, warning, info or never."),
    profile: bool = typer.Option(False, "--profile", help="Print time per rule to stderr."),
    max_total_bytes: int | None = _limit("--max-total-bytes"),
    max_file_bytes: int | None = _limit("--max-file-bytes"),
    max_members: int | None = _limit("--max-members"),
    max_ratio: int | None = _limit("--max-compression-ratio", RATIO_HELP),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """Run the rules over a bundle and report the findings.

    Exit 0 when no finding is at or above --fail-on, 1 when one is, 2 for unusable input.

    Examples:

      kbundle analyze bundles/demo

      kbundle analyze bundle.tar.gz -o report.html --fail-on warning
    """
    from analyzer.engine.commands import analyze_command

    raise typer.Exit(
        analyze_command(
            bundle=bundle, rule_paths=rules, no_builtin=no_builtin, waivers=waivers, fmt=format, output=output,
            fail_on=fail_on, profile=profile, max_total_bytes=max_total_bytes, max_file_bytes=max_file_bytes,
            max_members=max_members, max_compression_ratio=max_ratio,
        )
    )


@rules_app.callback()
def _rules(quiet: bool = QUIET, verbose: bool = VERBOSE, no_color: bool = NO_COLOR) -> None:
    pass


@fleet_app.callback()
def _fleet(quiet: bool = QUIET, verbose: bool = VERBOSE, no_color: bool = NO_COLOR) -> None:
    pass


@rules_app.command("list")
def rules_list(
    format: str = typer.Option("text", "--format", help="text or json."),
    rules: list[Path] = typer.Option([], "--rules", help="Extra rule file or directory (repeatable).",
                                     show_default=False),
    no_builtin: bool = typer.Option(False, "--no-builtin", help="Do not list the built-in rule pack."),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """List the rules: id, severity, category, scenarios, title, source file."""
    from analyzer.engine.commands import rules_list_command

    raise typer.Exit(rules_list_command(format, rules, no_builtin))


@rules_app.command("lint")
def rules_lint(
    paths: list[Path] = typer.Argument(None, help="Rule files or directories (default: built-in).",
                                       show_default=False),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """Check rule files: schema, JMESPath, regexes, functions, duplicate ids. Exit 2 on errors."""
    from analyzer.engine.commands import rules_lint_command

    startup_over()
    raise typer.Exit(rules_lint_command(paths or []))


@rules_app.command("test")
def rules_test(
    paths: list[Path] = typer.Argument(None, show_default=False,
                                       help="Rule files/dirs (default: built-in) or bundle dirs with expected.yaml."),
    bundles: Path | None = typer.Option(None, "--bundles", show_default=False,
                                        help="Directory of recorded bundles (default: ./bundles if present)."),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """Run every rule's inline examples and replay recorded bundles against expected.yaml."""
    from analyzer.engine.commands import rules_test_command

    startup_over()
    raise typer.Exit(rules_test_command(paths or [], bundles))


@rules_app.command("eval")
def rules_eval(
    bundle: Path = typer.Argument(..., help="Bundle directory or archive.", show_default=False),
    expression: str = typer.Argument(..., help="JMESPath expression, as in a rule ($obj, $bundle, defs).",
                                     show_default=False),
    kind: str | None = typer.Option(None, "--kind", help="Evaluate once per object of this kind (obj = the object)."),
    truthy: bool = typer.Option(False, "--truthy", help="With --kind: only objects where the value is truthy."),
    rules: list[Path] = typer.Option([], "--rules", help="Extra rule file or directory (for its defs and tables).",
                                     show_default=False),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """Evaluate an expression over a bundle and print the result as JSON: try it before writing a rule."""
    from analyzer.engine.commands import rules_eval_command

    startup_over()
    raise typer.Exit(rules_eval_command(bundle, expression, kind, truthy, rules))


@rules_app.command("explain")
def rules_explain(
    rule_id: str = typer.Argument(..., help="Rule id, e.g. POD-OOMKILLED.", show_default=False),
    rules: list[Path] = typer.Option([], "--rules", help="Extra rule file or directory (repeatable).",
                                     show_default=False),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """Show a rule in full: what it detects, its conditions, evidence and examples."""
    from analyzer.engine.commands import rules_explain_command

    raise typer.Exit(rules_explain_command(rule_id, rules))


@app.command()
def serve(
    bundle: Path = typer.Argument(..., help="Bundle to serve (any format kbundle reads).", show_default=False),
    port: int = typer.Option(0, "--port", help="Port (0: pick a free one)."),
    address: str = typer.Option("127.0.0.1", "--address", help="Address to bind."),
    kubeconfig: Path | None = typer.Option(None, "--kubeconfig", show_default=False,
                                           help="Where to write the kubeconfig: a new file, or one kbundle serve "
                                                "wrote (default: a temporary file)."),
    accept_hosts: str | None = typer.Option(None, "--accept-hosts", show_default=False,
                                            help="Host names answered: comma-separated regular expressions, as "
                                                 "kubectl proxy (default: loopback names only)."),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """Serve a bundle as a read-only Kubernetes API so kubectl works on it offline.

    Example: kbundle serve bundles/demo --kubeconfig /tmp/kb && kubectl --kubeconfig /tmp/kb get pods -A
    """
    from analyzer.serve.commands import serve_command

    startup_over()
    raise typer.Exit(serve_command(bundle, port, address, kubeconfig, accept_hosts))


@app.command()
def collect(
    output: Path | None = typer.Option(None, "-o", "--output", show_default=False,
                                       help="Bundle path (.tar.gz); default kbundle-<time>.tar.gz."),
    kubeconfig: Path | None = typer.Option(None, "--kubeconfig", show_default=False,
                                           help="kubeconfig file (default: kubectl's own choice)."),
    context: str | None = typer.Option(None, "--context", show_default=False,
                                       help="kubeconfig context (default: the current one)."),
    namespace: list[str] = typer.Option([], "--namespace", "-n", show_default=False,
                                        help="Limit to these namespaces (repeatable)."),
    since: str | None = typer.Option(None, "--since", show_default=False,
                                     help="Only logs newer than this, e.g. 24h."),
    max_log_bytes: int = typer.Option(10 * 1024 * 1024, "--max-log-bytes", help="Per log; the newest bytes are kept."),
    nodes: list[str] = typer.Option(["all"], "--nodes", help="all, none, or node names."),
    concurrency: int = typer.Option(4, "--concurrency", help="kubectl calls at once (1 to 64)."),
    redact_pattern: list[str] = typer.Option([], "--redact-pattern", show_default=False,
                                             help="Extra regex to mask (repeatable)."),
    timeout: int = typer.Option(60, "--timeout", help="Seconds per kubectl call."),
    node_namespace: str = typer.Option("default", "--node-namespace", help="Namespace of the node debug pods."),
    node_image: str = typer.Option("busybox:1.36", "--node-image", help="Image of the node debug pods."),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """Capture a cluster into a bundle with your own kubectl.

    Exit 0 complete, 3 partial (the summary says what is missing), 2 nothing usable.
    -o ending in .tar.gz/.tgz writes a tarball, anything else a directory (see docs/collect.md).
    """
    from analyzer.collect.commands import collect_command

    startup_over()
    raise typer.Exit(
        collect_command(
            output=output, kubeconfig=kubeconfig, context=context, namespaces=namespace, since=since,
            max_log_bytes=max_log_bytes, nodes=nodes, concurrency=concurrency, redact_patterns=redact_pattern,
            timeout=timeout, node_namespace=node_namespace, node_image=node_image,
        )
    )


@app.command()
def timeline(
    bundle: Path = typer.Argument(..., help="Bundle (any format kbundle reads).", show_default=False),
    since: str | None = typer.Option(None, "--since", help="RFC 3339 time, or a duration before collection (2h)."),
    until: str | None = typer.Option(None, "--until", help="RFC 3339 time, or a duration before collection."),
    namespace: str | None = typer.Option(None, "--namespace", "-n", help="Only this namespace."),
    node: str | None = typer.Option(None, "--node", help="Only this node."),
    format: str = typer.Option("text", "--format", help="text or json."),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """One UTC timeline of events, terminations, node conditions, matched log/journal lines and findings."""
    from analyzer.timeline.commands import timeline_command

    raise typer.Exit(timeline_command(bundle, since, until, namespace, node, format))


@app.command()
def diff(
    old: Path = typer.Argument(..., help="Earlier bundle (any format kbundle reads).", show_default=False),
    new: Path = typer.Argument(..., help="Later bundle of the same cluster.", show_default=False),
    format: str = typer.Option("text", "--format", help="text, json, markdown or html."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the diff here.", show_default=False),
    all_fields: bool = typer.Option(False, "--all-fields", help="List every changed field, not only those that matter."),
    fail_on: str = typer.Option("never", "--fail-on", help="new-critical, new-warning or never."),
    quiet: bool = QUIET,
    verbose: bool = VERBOSE,
    no_color: bool = NO_COLOR,
) -> None:
    """What changed between two captures: findings new/resolved/persisting, objects, versions, event rates.

    Exit 1 when a new finding is at or above --fail-on, 2 for unusable input.
    """
    from analyzer.timeline.commands import diff_command

    raise typer.Exit(diff_command(old, new, format, output, all_fields, fail_on))


def _usage_error(e: Exception) -> int:
    """A usage error from the option parser, in the one error format, with where to look."""
    ctx = getattr(e, "ctx", None)
    where = f" (see {ctx.command_path} --help)" if ctx is not None and getattr(ctx, "command_path", None) else ""
    message = e.format_message() if hasattr(e, "format_message") else str(e)
    return error(f"{message}{where}")


def main() -> None:
    gc.disable()  # until the command has loaded what it needs: see analyzer.console.startup_over
    try:
        code = app(prog_name="kbundle", standalone_mode=False)
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(130)
    except Exception as e:
        if type(e).__name__ == "Abort":
            error("interrupted")
            sys.exit(130)
        exit_code = getattr(e, "exit_code", None)
        if hasattr(e, "format_message") and isinstance(exit_code, int):
            if not str(e.format_message()).strip():  # no arguments: the help was printed
                sys.exit(exit_code)
            sys.exit(_usage_error(e))
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
