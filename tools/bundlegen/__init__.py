"""Generator of the recorded bundles under bundles/: `python -m tools.bundlegen`.

Every recorded bundle is the healthy cluster of :mod:`tools.bundlegen.healthy` plus one
fault, written by a scenario function of a ``scenarios_<area>.py`` module.  Each function
declares the findings the bundle must produce (``cluster.expect(rule, object)``); they are
written to ``expected.yaml``.  The output is deterministic: re-running it changes nothing.
"""
