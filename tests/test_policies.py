"""Policies: case table of team-written sentences, and SPEC §4 set scoring against the shared gold."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
import yaml

from pipeline.extract.policies import extract_policies
from pipeline.records import Doc, DocMeta, RawText
from pipeline.text.normalize import normalize
from pipeline.text.structure import paragraphs, sections, sentences

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "policies.yaml").read_text(encoding="utf-8"))
QUOTES = "“”\"'‘’《》〈〉「」『』"
GOLD_DOCS = ("jiangxi_eco_pilot_2026", "hubei_gov_work_report_2026")


def build_doc(text: str, doc_id: str = "t") -> Doc:
    """A Doc through the real normalize and structure stages (metadata is not needed here)."""
    norm = normalize(RawText(text=text, fmt="txt"))
    paras = paragraphs(norm.text)
    secs = sections(norm.text, paras, norm.boilerplate)
    return Doc(doc_id=doc_id, source=doc_id, text=norm.text, meta=DocMeta(), sections=secs,
               sentences=sentences(norm.text, paras, secs, norm.boilerplate), boilerplate=norm.boilerplate,
               paragraphs=paras)


def norm_name(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return "".join(ch for ch in s if not ch.isspace() and ch not in QUOTES)


def score(gold: list[dict], names: set[str]) -> tuple[float, float, float, list[str], list[str]]:
    """SPEC §4 for one document: distinct names, aliases count, optional lines are neutral."""
    pred = {norm_name(n) for n in names}
    known, tp, missed = set(), 0, []
    for g in gold:
        alts = {norm_name(g["name"])} | {norm_name(a) for a in g.get("aliases", [])}
        known |= alts
        if g.get("required", True):
            if alts & pred:
                tp += 1
            else:
                missed.append(g["name"])
    extra = sorted(pred - known)
    p = tp / (tp + len(extra)) if tp + len(extra) else 0.0
    r = tp / (tp + len(missed)) if tp + len(missed) else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), missed, extra


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:12] for c in CASES])
def test_case(case):
    rows = extract_policies(build_doc(case["text"]))
    assert {r.name for r in rows} == set(case["names"])
    for name, kind in case.get("types", {}).items():
        assert {r.type for r in rows if r.name == name} == {kind}
    assert not {r.name for r in rows} & set(case.get("absent", []))


def test_offsets_and_provenance():
    doc = build_doc("一、总体情况\n深入实施“千家万户沐光行动”。全面推行林长制。")
    rows = extract_policies(doc)
    assert rows
    for r in rows:
        assert doc.text[r.start:r.end] == r.mention
        sent = doc.sentences[r.sent_id]
        assert sent.start <= r.start and r.end <= sent.end
        assert r.source == "rule"


def test_boilerplate_skipped():
    doc = build_doc("实施节能降碳改造行动。")
    doc = Doc(**{**doc.__dict__, "boilerplate": ((0, len(doc.text)),)})
    assert extract_policies(doc) == ()


@pytest.mark.parametrize("name", GOLD_DOCS)
def test_gold(shared, name):
    text = (shared / "corpus" / f"{name}.txt").read_text(encoding="utf-8")
    gold = [json.loads(line) for line in (shared / "gold" / name / "policies.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    p, r, f, missed, extra = score(gold, {row.name for row in extract_policies(build_doc(text, name))})
    print(f"\npolicies {name}: P={p:.3f} R={r:.3f} F1={f:.3f}\n  missed={missed}\n  extra={extra}")
    assert f >= 0.85
