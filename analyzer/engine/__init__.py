"""The engine: bundle model + compiled rules -> findings.

Public API (for the CLI, the benchmark, serve and report tests)::

    from analyzer.engine.evaluate import load_rules, analyze_bundle, failing_findings
    from analyzer.engine.waivers import load_waivers          # raises WaiverError (one line)

    rules = load_rules(paths, builtin=True)   # LoadResult: .rules (valid Rule list),
                                              # .issues (LintIssue: FILE:LINE: RULE-ID: message)
    result = analyze_bundle(bundle, rules.rules, waivers=None, profile=False)
                                              # -> AnalysisResult (analyzer.engine.findings)
    failing = failing_findings(result, "warning")   # unwaived findings at/above a severity

    from analyzer.report.render import render
    text = render(result, bundle, "json", [r.meta() for r in rules.rules])

Other pieces: ``analyzer.engine.examples.run_examples(rules)`` (inline examples),
``analyzer.engine.regression.replay_bundle(dir, rules)`` (expected.yaml),
``analyzer.rules.loader.load_rule_text(text, source)`` (one file's text).
"""
