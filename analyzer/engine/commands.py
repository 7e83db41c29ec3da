"""The work behind ``kbundle analyze`` and ``kbundle rules list|lint|test|explain``.

Each function returns the exit code: 0 ok, 1 findings at or above --fail-on (analyze) or
failing tests (rules test), 2 unusable input or usage error.  Errors are one line on
stderr (``kbundle: error: ...``); reports go to stdout or the -o file.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import analyzer
from analyzer.console import color_enabled, detail, error, settings, startup_over
from analyzer.progress import Progress, human_size

if TYPE_CHECKING:
    from analyzer.engine.findings import RuleError
    from analyzer.rules.loader import LoadResult
    from analyzer.rules.model import Rule

FAIL_ON = ("critical", "warning", "info", "never")
PROFILE_TOP = 25


def load_rules(paths: list[Path], builtin: bool = True, cache: bool = False) -> LoadResult:
    """:func:`analyzer.engine.evaluate.load_rules`, imported when first needed (start-up time)."""
    from analyzer.engine.evaluate import load_rules as load

    return load(paths, builtin=builtin, cache=cache)


def _err(message: str) -> int:
    return error(message)


# Output file extensions and the format they mean (-o report.html -> html).
FORMAT_OF_SUFFIX = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json",
                    ".xml": "junit", ".sarif": "sarif", ".txt": "text"}


def output_format(fmt: str | None, output: Path | None) -> tuple[str | None, str | None]:
    """``(format, None)`` from --format and the -o extension, or ``(None, error)`` when they
    disagree.  No --format: the extension's format, else text."""
    name = output.name.lower() if output is not None else ""
    inferred = "sarif" if name.endswith(".sarif.json") else FORMAT_OF_SUFFIX.get(Path(name).suffix)
    if fmt is None:
        return inferred or "text", None
    if inferred is not None and fmt != inferred:
        return None, (f"--format {fmt} contradicts -o {output} (a {Path(name).suffix} file is written as "
                      f"{inferred}): drop --format or change the file name")
    return fmt, None


def _issues_as_rule_errors(load: LoadResult) -> list[RuleError]:
    from analyzer.engine.findings import RuleError

    return [RuleError(i.rule_id or "(file)", f"not loaded: {i.file}:{i.line}: {i.message}", i.file) for i in load.issues]


def analyze_command(
    bundle: Path,
    rule_paths: list[Path],
    no_builtin: bool,
    waivers: Path | None,
    fmt: str | None,
    output: Path | None,
    fail_on: str,
    profile: bool,
    max_total_bytes: int | None = None,
    max_file_bytes: int | None = None,
    max_members: int | None = None,
    max_compression_ratio: int | None = None,
) -> int:
    from analyzer.report.render import FORMATS

    if fail_on not in FAIL_ON:
        return _err(f"--fail-on must be one of {', '.join(FAIL_ON)}, got '{fail_on}'")
    if fmt is not None and fmt not in FORMATS:
        return _err(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")
    fmt, problem = output_format(fmt, output)
    if fmt is None:
        return _err(problem or "no output format")

    waiver_list = None
    if waivers is not None:
        from analyzer.engine.waivers import WaiverError, load_waivers

        try:
            waiver_list = load_waivers(waivers)
        except WaiverError as e:
            return _err(str(e))

    progress = Progress("analyze").start()
    try:
        return _analyze(bundle, rule_paths, no_builtin, waiver_list, fmt, output, fail_on, profile,
                        (max_total_bytes, max_file_bytes, max_members, max_compression_ratio), progress)
    finally:
        progress.close()


def _analyze(bundle: Path, rule_paths: list[Path], no_builtin: bool, waiver_list: Any, fmt: str,
             output: Path | None, fail_on: str, profile: bool, limit_options: tuple[int | None, int | None, int | None, int | None],
             progress: Progress) -> int:
    from analyzer.engine.evaluate import analyze_bundle, failing_findings
    from analyzer.report.output_file import write_report_file
    from analyzer.report.render import FormatUnavailable, render
    from analyzer.rules.loader import LoadResult

    # Rules: problems in the user's rule files are usage errors; problems in the built-in pack
    # are reported as rule errors and the rest of the pack still runs.
    progress.phase("loading rules")
    user = load_rules(rule_paths, builtin=False, cache=True) if rule_paths else LoadResult()
    if user.issues:
        for issue in user.issues:
            sys.stderr.write(f"{issue}\n")
        return _err(f"{len(user.issues)} problem(s) in the rule files given with --rules (see kbundle rules lint)")
    builtin = load_rules([], builtin=True, cache=True) if not no_builtin else LoadResult()
    builtin_ids = {r.id for r in builtin.rules}
    clash = [r for r in user.rules if r.id in builtin_ids]
    if clash:
        r = clash[0]
        return _err(f"{r.source}:{r.line}: {r.id}: duplicate id (a built-in rule has this id; use --no-builtin "
                    "or another id)")
    rules: list[Rule] = builtin.rules + user.rules
    if not rules and not builtin.issues:
        return _err("no rules to run (give --rules DIR, or drop --no-builtin)")
    detail(f"rules: {len(builtin.rules)} built-in, {len(user.rules)} from --rules")
    startup_over()

    from analyzer.bundle.commands import limits_from_options
    from analyzer.bundle.reader import BundleError, open_bundle

    try:
        limits = limits_from_options(*limit_options)
    except ValueError as e:
        return _err(str(e))
    from analyzer.engine.parallel import TextScan

    text_scan = TextScan(rules)  # a child scans the logs while this process reads the objects
    progress.phase("reading")

    def on_source(source: Any) -> None:
        progress.phase("building the model")
        text_scan.on_source(source)

    try:
        b = open_bundle(bundle, limits=limits, on_source=on_source)
    except BundleError as e:
        progress.close()
        text_scan.abandon()
        return _err(str(e))
    except OSError as e:
        progress.close()
        text_scan.abandon()
        return _err(f"{bundle}: {e.strerror or e}")
    except BaseException:
        text_scan.abandon()
        raise
    try:
        progress.phase("rules")
        result = analyze_bundle(b, rules, waivers=waiver_list, profile=profile,
                                progress=lambda done, total, what: progress.detail(f"{what} {done}/{total}"),
                                text_scan=text_scan)
        result.rule_errors = _issues_as_rule_errors(builtin) + result.rule_errors
        meta = [r.meta() for r in rules]
        progress.phase("report")
        color = output is None and fmt == "text" and color_enabled(sys.stdout)
        try:
            text = render(result, b, fmt, meta, color=color)
        except FormatUnavailable as e:
            return _err(str(e))
        except Exception as e:  # noqa: BLE001 - a renderer bug must not end in a traceback
            return _err(f"cannot render the {fmt} report: {type(e).__name__}: {e}")
    finally:
        progress.close()
        text_scan.abandon()  # when the analysis ended before collecting it
        close = getattr(b, "close", None)
        if close is not None:
            close()
    detail(f"read {progress.files} files ({human_size(progress.bytes)}); "
           + ", ".join(f"{name} {secs:.2f}s" for name, secs in progress.phase_times))

    if fmt == "html" and output is None:
        from analyzer.report.render import bundle_name

        output = Path("reports") / f"{bundle_name(bundle)}-report.html"
    if output is not None:
        problem = write_report_file(output, text)
        if problem:
            return _err(problem)
        if not settings.quiet:
            sys.stdout.write(f"report written to {output}\n")
    else:
        sys.stdout.write(text)
    sys.stdout.flush()

    if profile:
        _print_profile(result.profile)
    return 1 if failing_findings(result, fail_on) else 0


def _print_profile(profile: dict[str, float]) -> None:
    total = sum(profile.values())
    items = sorted(profile.items(), key=lambda kv: -kv[1])
    sys.stderr.write(f"time per rule (top {min(PROFILE_TOP, len(items))} of {len(items)}, total {total:.3f}s):\n")
    for rule_id, secs in items[:PROFILE_TOP]:
        share = 100 * secs / total if total else 0
        sys.stderr.write(f"  {secs * 1000:9.1f} ms  {share:5.1f}%  {rule_id}\n")


# ---------------------------------------------------------------------- rules list / lint


def rules_list_command(fmt: str, rule_paths: list[Path], no_builtin: bool) -> int:
    from analyzer.rules.pack_cache import load_summary

    if fmt not in ("text", "json"):
        return _err(f"--format must be text or json, got '{fmt}'")
    load = load_summary(rule_paths, builtin=not no_builtin)
    for issue in load["issues"]:
        sys.stderr.write(f"{issue}\n")
    if load["issues"]:
        sys.stderr.write(f"kbundle: {len(load['issues'])} rule problem(s); those rules are not listed "
                         "(run kbundle rules lint)\n")
    rows = [{k: meta[k] for k in ("id", "title", "severity", "category", "scenarios", "scope", "kind", "source")}
            for meta in sorted(load["rules"], key=lambda m: m["id"])]
    if fmt == "json":
        import orjson

        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if not rows:
        sys.stdout.write("No rules.\n")
        return 0
    w = max(len(r["id"]) for r in rows)
    for r in rows:
        scen = ",".join(r["scenarios"])
        sys.stdout.write(f"{r['id']:<{w}}  {r['severity']:<8}  {r['category']:<13}  {r['title']}"
                         f"{'  [' + scen + ']' if scen else ''}  ({r['source']})\n")
    sys.stdout.write(f"{len(rows)} rules\n")
    return 0


def rules_lint_command(paths: list[Path]) -> int:
    from analyzer.rules.files import builtin_rules_dir

    if not paths and builtin_rules_dir() is None:
        return _err("no built-in rule directory found; give rule files or directories")
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        return _err(f"{missing[0]}: no such file or directory")
    load = load_rules(paths, builtin=not paths)
    for issue in sorted(load.issues, key=lambda i: (i.file, i.line)):
        sys.stdout.write(f"{issue}\n")
    if load.issues:
        sys.stdout.write(f"{len(load.issues)} problem(s) in {len(load.files)} file(s)\n")
        return 2
    sys.stdout.write(f"ok: {len(load.rules)} rules in {len(load.files)} file(s)\n")
    return 0


# ---------------------------------------------------------------------- rules test


def _default_bundles_dir() -> Path | None:
    repo = Path(analyzer.__file__).resolve().parent.parent / "bundles"
    for d in (repo, Path("bundles")):
        if d.is_dir():
            return d
    return None


def rules_test_command(paths: list[Path], bundles: Path | None) -> int:
    from analyzer.engine.examples import run_examples
    from analyzer.engine.regression import EXPECTED_FILE, find_recorded_bundles, replay_bundle

    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        return _err(f"{missing[0]}: no such file or directory")
    rule_paths = [p for p in paths if not (p.is_dir() and (p / EXPECTED_FILE).is_file())]
    bundle_dirs = [p for p in paths if p.is_dir() and (p / EXPECTED_FILE).is_file()]
    if bundles is not None:
        if not bundles.is_dir():
            return _err(f"--bundles {bundles}: not a directory")
        found = find_recorded_bundles(bundles)
        if not found:
            return _err(f"--bundles {bundles}: no bundle directory with {EXPECTED_FILE}")
        bundle_dirs += found
    elif not paths:
        d = _default_bundles_dir()
        if d is not None:
            bundle_dirs += find_recorded_bundles(d)

    load = load_rules(rule_paths, builtin=not rule_paths)
    if load.issues:
        for issue in load.issues:
            sys.stdout.write(f"{issue}\n")
        sys.stdout.write(f"{len(load.issues)} lint problem(s): fix them first (kbundle rules lint)\n")
        return 2
    failures = 0
    results = run_examples(load.rules)
    for r in results:
        if not r.ok:
            failures += 1
            sys.stdout.write(f"{r}  [{r.source}]\n")
    passed = sum(1 for r in results if r.ok)
    sys.stdout.write(f"examples: {passed} passed, {len(results) - passed} failed ({len(load.rules)} rules)\n")
    for d in bundle_dirs:
        rep = replay_bundle(d, load.rules)
        sys.stdout.write(rep.report() + "\n")
        if not rep.ok:
            failures += 1
    sys.stdout.write("FAILED\n" if failures else "all passed\n")
    return 1 if failures else 0


# ---------------------------------------------------------------------- rules explain


def rules_eval_command(bundle: Path, expression: str, kind: str | None, truthy_only: bool,
                       rule_paths: list[Path]) -> int:
    """``kbundle rules eval BUNDLE EXPR [--kind KIND]``: the value of ``EXPR`` in bundle scope,
    or ``[{object, value}]`` per object of ``KIND`` (with ``obj`` and the object's fields at
    the root, as in an object rule), printed as JSON.  The defs and tables of the built-in
    pack and of ``--rules`` files can be read as ``$name``."""
    from analyzer.bundle.commands import limits_from_options
    from analyzer.bundle.reader import BundleError, open_bundle
    from analyzer.engine.context import Evaluator, truthy
    from analyzer.rules.expr import ExprError, compile_expr
    from analyzer.rules.model import BASE_VARIABLES

    loaded = load_rules(rule_paths, builtin=True, cache=True)
    if rule_paths and loaded.issues:
        for issue in loaded.issues:
            sys.stderr.write(f"{issue}\n")
        return _err(f"{len(loaded.issues)} problem(s) in the rule files given with --rules (see kbundle rules lint)")
    defs = loaded.defs
    try:
        expr = compile_expr(expression)
    except ExprError as e:
        return _err(str(e))
    unknown = [v for v in expr.variables if v not in BASE_VARIABLES and defs.get(v) is None]
    if unknown:
        names = sorted(defs.names())
        shown = ", ".join(f"${n}" for n in names[:15]) + (", ..." if len(names) > 15 else "")
        return _err(f"unknown variable ${unknown[0]} (known: $obj, $item, $bundle{', ' + shown if shown else ''})")
    expr = defs.inline(expr)
    try:
        b = open_bundle(bundle, limits_from_options(None, None, None))
    except BundleError as e:
        return _err(str(e))
    with b:
        b.finalize()
        ev = Evaluator(b)
        try:
            if kind is None:
                out: Any = ev.eval(expr, ev.bundle_context())
            else:
                out = []
                for obj in b.objects(kind):
                    value = ev.eval(expr, ev.object_context(obj))
                    if truthy_only and not truthy(value):
                        continue
                    out.append({"object": _ref_text(obj), "value": value})
        except Exception as e:  # noqa: BLE001 - the expression's failure, shown as a rule error would be
            text = " ".join(str(e).split())
            text = text if len(text) <= 300 else text[:300] + "..."
            error(f"evaluation failed: {type(e).__name__}: {text}")
            return 1
    import orjson

    sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode()
                     + "\n")
    return 0


def _ref_text(obj: dict[str, Any]) -> str:
    from analyzer.bundle.model import ref_of

    r = ref_of(obj)
    return "/".join(x for x in (r["kind"], r["namespace"], r["name"]) if x)


def _yaml_block(value: Any, indent: str = "    ") -> str:
    import yaml

    if isinstance(value, str):
        return "\n".join(indent + ln for ln in value.strip().splitlines())
    text = yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False).rstrip()
    return "\n".join(indent + ln for ln in text.splitlines())


def rule_file_path(source: str) -> Path | None:
    """Where the file of a rule really is: built-in rules are shown as ``rules/<file>``, which
    is ``analyzer/builtin_rules/<file>`` in an installed kbundle."""
    from analyzer.rules.files import builtin_rules_dir

    if source.startswith("rules/"):
        bdir = builtin_rules_dir()
        return (bdir / source[len("rules/"):]).resolve() if bdir is not None else None
    p = Path(source)
    return p.resolve() if p.exists() else None


def rules_explain_command(rule_id: str, rule_paths: list[Path] | None = None) -> int:
    load = load_rules([], builtin=True, cache=True)
    if rule_paths:
        load.rules += load_rules(rule_paths, builtin=False, cache=True).rules
    by_id = {r.id: r for r in load.rules}
    rule = by_id.get(rule_id) or by_id.get(rule_id.upper())
    if rule is None:
        close = difflib.get_close_matches(rule_id.upper(), list(by_id), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        return _err(f"no rule with id '{rule_id}'{hint}")
    raw = rule.raw
    out = [f"{rule.id}: {rule.title}",
           f"  severity: {rule.severity}   category: {rule.category}   source: {rule.source}:{rule.line}"]
    where = rule_file_path(rule.source)
    if where is not None:
        out.append(f"  file: {where}:{rule.line}")
    if rule.scenarios:
        out.append(f"  scenarios: {', '.join(rule.scenarios)}")
    if rule.description:
        out += ["", "  " + rule.description]
    out.append("")
    if rule.scope == "object":
        out.append(f"Runs once per {rule.kind} object.")
    elif rule.scope == "bundle":
        out.append("Runs once over the whole bundle.")
    else:
        out.append(f"Scans text files {', '.join(rule.files)} line by line for /{raw.get('pattern')}/"
                   f" (at least {rule.min_count} matching line(s) per {rule.group_by}).")
    for key, label in (("tables", "Tables"), ("each", "For each element of"), ("let", "Computes"),
                       ("classify", "Classifies (first matching case)"), ("when", "Fires when"),
                       ("history_when", "Reported as history (cleared) when"), ("since", "Started at"),
                       ("objects", "About the objects"), ("group_by", "One finding per"), ("evidence", "Evidence")):
        if raw.get(key) is not None:
            out.append(f"  {label}:")
            out.append(_yaml_block(raw[key]))
    out += ["", "Message:", _yaml_block(rule.message.source), "Next step:", _yaml_block(rule.remediation.source)]
    if rule.references:
        out.append("References:")
        out += [f"    {r}" for r in rule.references]
    out.append("Examples:")
    for ex in rule.examples:
        out.append(f"    {ex.get('expect')}: {ex.get('name') or '(unnamed)'}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


# ---------------------------------------------------------------------- analysis for other commands


def open_and_analyze(path: Path, rule_paths: list[Path] | None = None) -> tuple[Any, Any] | str:
    """Open ``path`` and run the built-in rules (plus ``rule_paths``) as ``analyze`` does:
    ``(bundle, result)``, or a one-line error.  The caller closes the bundle.  Used by
    ``kbundle timeline`` and ``kbundle diff``."""
    from analyzer.bundle.reader import BundleError, open_bundle
    from analyzer.engine.evaluate import analyze_bundle
    from analyzer.engine.parallel import TextScan

    load = load_rules([], builtin=True, cache=True)
    if rule_paths:
        load.rules += load_rules(list(rule_paths), builtin=False, cache=True).rules
    text_scan = TextScan(load.rules)
    try:
        b = open_bundle(path, on_source=text_scan.on_source)
    except BundleError as e:
        text_scan.abandon()
        return str(e)
    except OSError as e:
        text_scan.abandon()
        return f"{path}: {e.strerror or e}"
    except BaseException:
        text_scan.abandon()
        raise
    try:
        result = analyze_bundle(b, load.rules, text_scan=text_scan)
    except BaseException:
        b.close()
        raise
    finally:
        text_scan.abandon()
    result.rule_errors = _issues_as_rule_errors(load) + result.rule_errors
    return b, result
