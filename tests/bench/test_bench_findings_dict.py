"""Finding.as_dict, built directly for speed, gives what the dataclasses.asdict version gave."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from analyzer.engine.findings import Evidence, Finding, ObjectRef, Waived


def _reference(f: Finding) -> dict[str, Any]:
    d = asdict(f)
    d["evidence"] = [{k: v for k, v in asdict(e).items() if v not in (None, "", [])} | {"type": e.type}
                     for e in f.evidence]
    for e in d["evidence"]:
        if "lines" in e:
            e["lines"] = [list(x) for x in e["lines"]]
    return d


def test_as_dict_matches_asdict() -> None:
    evidence = [
        Evidence(type="log", label="log of app", path="logs/a/b/c.log", lines=[(1, "x"), (3, "y")]),
        Evidence(type="field", label="item.state", value={"waiting": {"reason": "X"}, "n": [1, (2, 3)]}),
        Evidence(type="field", label="zero", value=0),
        Evidence(type="field", label="false", value=False),
        Evidence(type="field", label="empty map", value={}),
        Evidence(type="event", value={"reason": "BackOff", "count": None}),
        Evidence(type="text", label="", path="", lines=[]),
    ]
    for waived in (None, Waived("known", "2030-01-01"), Waived("forever")):
        f = Finding(rule_id="R-1", severity="warning", title="t", category="workloads", message="m",
                    objects=[ObjectRef("Pod", "ns", "p"), ObjectRef("Node", "", "n")], evidence=evidence,
                    remediation="r", references=["https://x"], scenarios=["S"], state="history",
                    since="2026-01-01T00:00:00Z", waived=waived, source="rules/pods.yaml")
        assert f.as_dict() == _reference(f)
        assert list(f.as_dict()) == list(_reference(f))
        assert [list(e) for e in f.as_dict()["evidence"]] == [list(e) for e in _reference(f)["evidence"]]
