"""``kbundle diff`` output: text, JSON, Markdown and a self-contained HTML page.

All four render :meth:`BundleDiff.as_dict`, so they say the same things.  Bundle strings are
untrusted: Markdown escapes them (``md_text``/``md_code``), HTML escapes them and the page's
Content-Security-Policy allows no script and no fetch at all.
"""

from __future__ import annotations

from html import escape
from typing import Any

import orjson

from analyzer.report.markdown_report import md_code, md_text
from analyzer.report.sanitize import one_line
from analyzer.timeline.diff import BundleDiff

FORMATS = ("text", "json", "markdown", "html")
MAX_CHANGES = 2000  # changed objects listed in text/Markdown/HTML (JSON has all)
MAX_RATES = 25  # event reasons listed


def _value(v: Any) -> str:
    if isinstance(v, dict | list):
        return orjson.dumps(v).decode()
    return "(none)" if v is None else str(v)


def _change(c: dict[str, Any]) -> str:
    delta = f" ({c['delta']:+d})" if "delta" in c else ""
    return f"{c['path']}: {_value(c['old'])} -> {_value(c['new'])}{delta}"


def _rate(r: dict[str, Any]) -> str:
    def per(x: Any) -> str:
        return "-" if x is None else f"{x:g}/h"

    return f"{r['reason'] or '(no reason)'}: {r['old_count']} ({per(r['old_per_hour'])}) -> " \
           f"{r['new_count']} ({per(r['new_per_hour'])})"


def _finding(f: dict[str, Any]) -> str:
    objs = ", ".join(f["objects"][:5]) + (f" (+{len(f['objects']) - 5})" if len(f["objects"]) > 5 else "")
    return f"[{f['severity']}] {f['rule_id']}: {f['title']}{' - ' + objs if objs else ''}"


def _sections(d: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The diff as titled lists of plain lines (shared by text, Markdown and HTML)."""
    fd, od = d["findings"], d["objects"]
    sections = [
        (f"New findings ({len(fd['new'])})", [_finding(f) for f in fd["new"]]),
        (f"Resolved findings ({len(fd['resolved'])})", [_finding(f) for f in fd["resolved"]]),
        (f"Persisting findings ({len(fd['persisting'])})",
         [_finding(f) + (f" (was {f['old_severity']})" if "old_severity" in f else "") for f in fd["persisting"]]),
    ]
    versions = []
    v = d["versions"]
    if "cluster" in v:
        versions.append(f"cluster: {v['cluster']['old']} -> {v['cluster']['new']}")
    for node, kv in (v.get("kubelet") or {}).items():
        versions.append(f"kubelet {node}: {kv['old']} -> {kv['new']}")
    for img in (v.get("images") or {}).get("added", []):
        versions.append(f"image added: {img}")
    for img in (v.get("images") or {}).get("removed", []):
        versions.append(f"image removed: {img}")
    sections.append((f"Versions ({len(versions)})", versions))
    sections.append((f"Objects added ({len(od['added'])})", od["added"][:MAX_CHANGES]))
    sections.append((f"Objects removed ({len(od['removed'])})", od["removed"][:MAX_CHANGES]))
    changed = []
    for c in od["changed"][:MAX_CHANGES]:
        changed.append(c["object"])
        changed += ["    " + _change(x) for x in c["changes"]]
        if c["other_changes"]:
            changed.append(f"    ... {c['other_changes']} other field change(s) (--all-fields)")
    if od["changed_other_fields_only"]:
        changed.append(f"{od['changed_other_fields_only']} more object(s) changed only in other fields (--all-fields)")
    sections.append((f"Objects changed ({len(od['changed'])})", changed))
    rates = [_rate(r) for r in d["event_rates"] if r["old_count"] != r["new_count"]][:MAX_RATES]
    sections.append(("Events by reason, before -> after", rates))
    return sections


def render_text(diff: BundleDiff, all_fields: bool = False) -> str:
    d = diff.as_dict(all_fields)
    out = [f"kbundle diff {d['old']} -> {d['new']}"]
    if diff.is_empty():
        out.append("No change: same findings, objects and versions.")
    for title, lines in _sections(d):
        if not lines:
            continue
        out += ["", title] + ["  " + one_line(x) if not x.startswith("    ") else "    " + one_line(x) for x in lines]
    return "\n".join(out) + "\n"


def render_markdown(diff: BundleDiff, all_fields: bool = False) -> str:
    d = diff.as_dict(all_fields)
    out = [f"# kbundle diff: {md_code(d['old'])} \u2192 {md_code(d['new'])}", ""]
    if diff.is_empty():
        out += ["No change: same findings, objects and versions.", ""]
    for title, lines in _sections(d):
        if not lines:
            continue
        out += [f"## {title}", ""]
        for x in lines:
            out.append(f"  - {md_code(x.strip())}" if x.startswith("    ") else f"- {md_text(x)}")
        out.append("")
    return "\n".join(out)


_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_STYLE = ("body{font:14px system-ui,sans-serif;margin:2em;max-width:80em}h2{font-size:1.1em;margin-top:1.5em}"
          "li{margin:.15em 0}code{font-size:.95em}.sub{list-style:none;color:#444}.new{color:#a00}")


def render_html(diff: BundleDiff, all_fields: bool = False) -> str:
    """One self-contained page: no script, no external resource, every string escaped."""
    d = diff.as_dict(all_fields)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
             f"<title>kbundle diff</title><style>{_STYLE}</style></head><body>",
             f"<h1>kbundle diff: <code>{escape(one_line(d['old']))}</code> &rarr; "
             f"<code>{escape(one_line(d['new']))}</code></h1>"]
    if diff.is_empty():
        parts.append("<p>No change: same findings, objects and versions.</p>")
    for title, lines in _sections(d):
        if not lines:
            continue
        cls = ' class="new"' if title.startswith("New findings") else ""
        parts.append(f"<h2{cls}>{escape(title)}</h2><ul>")
        for x in lines:
            if x.startswith("    "):
                parts.append(f'<li class="sub"><code>{escape(one_line(x))}</code></li>')
            else:
                parts.append(f"<li>{escape(one_line(x))}</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render(diff: BundleDiff, fmt: str, all_fields: bool = False) -> str:
    if fmt == "json":
        return orjson.dumps(diff.as_dict(all_fields), option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "markdown":
        return render_markdown(diff, all_fields)
    if fmt == "html":
        return render_html(diff, all_fields)
    return render_text(diff, all_fields)
