"""``kbundle fleet analyze|query|report|diff``: the typer layer.  It imports nothing heavy:
each command imports its module (and that module the fleet extra) only when run."""

from __future__ import annotations

from pathlib import Path

import typer

fleet_app = typer.Typer(
    help="Analyse many bundles into one Parquet dataset; query, report and diff it (needs the fleet extra).",
    no_args_is_help=True,
)


@fleet_app.command("analyze")
def analyze(
    sources: list[str] = typer.Argument(..., help="Bundles, directories of bundles, globs, URLs or @FILE listings."),
    output: Path = typer.Option(..., "-o", "--output", help="Dataset directory (created; resumed if it exists)."),
    rules: list[Path] = typer.Option([], "--rules", help="Extra rule file or directory (repeatable)."),
    no_builtin: bool = typer.Option(False, "--no-builtin", help="Do not load the built-in rule pack."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://HOST:8786 "
                                         "(default: a local process pool)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Local pool size (default: all cores)."),
    partition_size: int = typer.Option(200, "--partition-size", min=1, help="Bundles per Parquet partition."),
) -> None:
    """Analyse every bundle into DATASET (tables bundles and findings).

    Bundles already in DATASET with the same rule pack are skipped, so an interrupted run resumes.

    Example: kbundle fleet analyze /archive/bundles @more.txt -o fleet-ds
    """
    from analyzer.fleet.runner import analyze_fleet_command

    raise typer.Exit(analyze_fleet_command(sources, output, rules, no_builtin, scheduler, workers, partition_size))


@fleet_app.command("query")
def query(
    dataset: Path = typer.Argument(..., help="Dataset directory written by fleet analyze."),
    sql: str | None = typer.Argument(None, help="SQL over the views findings and bundles."),
    format: str = typer.Option("text", "--format", help="text, json or csv."),
    top_rules: bool = typer.Option(False, "--top-rules", help="Rules by the number of bundles they fire in."),
    by_version: bool = typer.Option(False, "--by-version", help="Bundles and findings per cluster version."),
    worst_bundles: bool = typer.Option(False, "--worst-bundles", help="Bundles with the most current critical findings."),
    limit: int = typer.Option(50, "--limit", help="Rows of a canned query."),
) -> None:
    """Query the dataset with DuckDB SQL or a canned query.

    Example: kbundle fleet query fleet-ds "select rule, count(*) from findings group by rule"
    """
    from analyzer.fleet.query import query_command

    raise typer.Exit(query_command(dataset, sql, format, top_rules, by_version, worst_bundles, limit))


@fleet_app.command("report")
def report(
    dataset: Path = typer.Argument(..., help="Dataset directory written by fleet analyze."),
    output: Path = typer.Option(Path("fleet.html"), "-o", "--output", help="HTML file to write."),
    reports: Path | None = typer.Option(None, "--reports", help="Directory of per-bundle HTML reports to link "
                                        "(<name>-report.html, as kbundle analyze --format html writes them)."),
) -> None:
    """One self-contained HTML page over the whole fleet.

    Example: kbundle fleet report fleet-ds -o fleet.html --reports reports/
    """
    from analyzer.fleet.report import report_command

    raise typer.Exit(report_command(dataset, output, reports))


@fleet_app.command("diff")
def diff(
    before: Path = typer.Argument(..., help="Dataset of the old rule pack or kbundle version."),
    after: Path = typer.Argument(..., help="Dataset of the new one (same bundles)."),
    format: str = typer.Option("text", "--format", help="text or json."),
    fail_on: str = typer.Option("any", "--fail-on", help="any, gained, lost or never: which change exits 1."),
    examples: int = typer.Option(3, "--examples", min=0, help="Example bundles per rule."),
) -> None:
    """Findings gained and lost per rule between two datasets of the same bundles.

    Exit 0 when nothing changed (per --fail-on), 1 when something did, 2 for unusable input.

    Example: kbundle fleet diff ds-main ds-my-change
    """
    from analyzer.fleet.diff import diff_command

    raise typer.Exit(diff_command(before, after, format, fail_on, examples))
