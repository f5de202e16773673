"""Organizations: case table of team-written sentences, and SPEC §4 set scoring against the shared gold."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.extract.organizations import extract_organizations
from tests.test_policies import GOLD_DOCS, build_doc, score

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "organizations.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:12] for c in CASES])
def test_case(case):
    rows = extract_organizations(build_doc(case["text"]))
    assert {r.name for r in rows} == set(case["names"])
    for name, kind in case.get("types", {}).items():
        assert {r.type for r in rows if r.name == name} == {kind}
    assert not {r.name for r in rows} & set(case.get("absent", []))


def test_offsets_and_provenance():
    doc = build_doc("受省人民政府委托，现将报告提请审议。省政府高度重视。")
    rows = extract_organizations(doc)
    assert [r.name for r in rows] == ["省人民政府", "省人民政府"]
    assert [r.mention for r in rows] == ["省人民政府", "省政府"]
    for r in rows:
        assert doc.text[r.start:r.end] == r.mention
        assert r.source == "rule"


@pytest.mark.parametrize("name", GOLD_DOCS)
def test_gold(shared, name):
    text = (shared / "corpus" / f"{name}.txt").read_text(encoding="utf-8")
    gold = [json.loads(line) for line in (shared / "gold" / name / "organizations.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    p, r, f, missed, extra = score(gold, {row.name for row in extract_organizations(build_doc(text, name))})
    print(f"\norganizations {name}: P={p:.3f} R={r:.3f} F1={f:.3f}\n  missed={missed}\n  extra={extra}")
    assert f >= 0.85
