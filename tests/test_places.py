"""Places: case table of team-written sentences, and the score on the shared gold (SPEC §4)."""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from pipeline.extract.places import division, extract_places, infer_region, lookup, province_of
from pipeline.records import Doc, DocMeta, Section, Sentence

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "places.yaml").read_text(encoding="utf-8"))
QUOTES = "“”\"'‘’《》〈〉「」『』"
SENTENCE_END = re.compile(r"[^。；！？\n]+[。；！？]?")


def make_doc(text: str, region_code: str = "", doc_id: str = "test") -> Doc:
    """A Doc with one section and sentences split on 。；！？ and line breaks."""
    sents = tuple(
        Sentence(i, "s1", m.start(), m.end(), m.group())
        for i, m in enumerate(m for m in SENTENCE_END.finditer(text) if m.group().strip())
    )
    region = division(region_code)
    meta = DocMeta(region=region.name if region else "", region_code=region_code)
    return Doc(doc_id, doc_id, text, meta, (Section("s1", "", 1, "", "", 0, len(text)),), sents)


def report_doc(path: Path) -> Doc:
    """The real normalize and structure stages when present, else the local splitter."""
    text = path.read_text(encoding="utf-8")
    try:
        from pipeline.process import build_doc
        from pipeline.records import RawText
    except ImportError:
        region = infer_region(text)
        return make_doc(text, region.code if region else "", path.stem)
    return build_doc(RawText(text, "txt"), doc_id=path.stem, source=str(path))


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:20] for c in CASES])
def test_case(case):
    places = extract_places(make_doc(case["text"], str(case.get("region", ""))))
    got = {p.name: p.code for p in places}
    for name, code in (case.get("places") or {}).items():
        assert name in got, f"{name} missing in {got}"
        assert got[name] == str(code or ""), f"{name}: {got[name]} != {code}"
    for name in case.get("not") or ():
        assert name not in got, f"{name} should not be found in {got}"
    for p in places:
        assert case["text"][p.start:p.end] == p.mention


def test_api():
    assert [d.name for d in lookup("九江")] == ["九江市"]
    assert lookup("恩施")[0].code == "422800"
    assert province_of("360704").name == "江西省"
    assert division("429021").level == "county"
    assert infer_region("2026年湖北省政府工作报告").code == "420000"
    assert infer_region("关于国家生态文明试验区(江西)建设情况的报告").code == "360000"
    assert infer_region("杭州市西湖区2025年政府工作报告").code == "330106"


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return "".join(ch for ch in s if not ch.isspace() and ch not in QUOTES)


def _score(gold: list[dict], places) -> dict:
    pred: dict[str, str] = {}
    for p in places:
        pred.setdefault(_norm(p.name), p.code)
    known, tp, fn, code_ok, code_n = set(), 0, [], 0, 0
    for g in gold:
        names = {_norm(g["name"])} | {_norm(a) for a in g.get("aliases", [])}
        known |= names
        if not g.get("required", True):
            continue
        hit = names & pred.keys()
        if hit:
            tp += 1
            code_n += 1
            code_ok += any(pred[h] == str(g.get("code") or "") for h in hit)
        else:
            fn.append(g["name"])
    fp = sorted(set(pred) - known)
    p = tp / (tp + len(fp)) if tp + len(fp) else 0.0
    r = tp / (tp + len(fn)) if tp + len(fn) else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return dict(p=p, r=r, f1=f1, codes=code_ok / code_n if code_n else 1.0, missed=fn, extra=fp)


def test_gold(shared):
    scores = {}
    for gold_dir in sorted((shared / "gold").iterdir()):
        gold_file = gold_dir / "places.jsonl"
        report = shared / "corpus" / (gold_dir.name + ".txt")
        if not gold_file.exists() or not report.exists():
            continue
        gold = [json.loads(line) for line in gold_file.read_text(encoding="utf-8").splitlines() if line.strip()]
        s = _score(gold, extract_places(report_doc(report)))
        print(f"\n{gold_dir.name}: P={s['p']:.3f} R={s['r']:.3f} F1={s['f1']:.3f} codes={s['codes']:.3f}"
              f"\n  missed: {s['missed']}\n  extra: {s['extra']}")
        scores[gold_dir.name] = s
    for name, s in scores.items():
        assert s["f1"] >= 0.95 and s["codes"] >= 0.95, name
