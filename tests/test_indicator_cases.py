"""The indicator case table (tests/cases/indicators.yaml) run through the real pipeline.

Each case is one paragraph placed in a small document of its genre, under the heading that its
`part` names (delivered 2026, so R = 2025). The rows whose `start` falls inside the paragraph must
be exactly the expected records: same count, and every field a record gives equal to the row's
(value within a relative tolerance of 1e-6). A field left out of a record is not checked.

`test_case` is the assertion, one test per case id. `test_summary` prints per-field accuracy over
all cases (run with `-s` or `-rP` to see it); its floor is 0 for now.
"""
from __future__ import annotations

import math
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

pytest.importorskip("pipeline.extract.indicators", reason="pipeline.extract.indicators is not written yet")
pytest.importorskip("pipeline.process", reason="pipeline.process (build_doc) cannot be imported yet")

from pipeline.extract.indicators import extract_indicators  # noqa: E402
from pipeline.process import build_doc  # noqa: E402
from pipeline.records import RawText  # noqa: E402

CASES_FILE = Path(__file__).parent / "cases" / "indicators.yaml"
CASES: list[dict] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
FIELDS = ("subject", "value", "unit", "value_raw", "qualifier", "kind", "direction", "base",
          "modality", "period", "scope")
SUMMARY_FIELDS = ("subject", "qualifier", "kind", "direction", "base", "modality", "period")

_GOV_HEAD = ("2026年安徽省政府工作报告\n"
             "——2026年1月20日在安徽省第十四届人民代表大会第四次会议上\n"
             "各位代表：\n")
_ECO_HEAD = ("关于国家生态文明试验区(江西)建设情况的报告\n"
             "——2026年1月29日在江西省第十四届人民代表大会第四次会议上\n"
             "江西省发展和改革委员会\n"
             "各位代表：\n")
_STAT_HEAD = "安徽省2025年国民经济和社会发展统计公报\n安徽省统计局\n2026年3月1日\n"
_ENV_HEAD = "2025年湖南省生态环境状况公报\n湖南省生态环境厅\n2026年6月5日\n"

HEADS = {"政府工作报告": _GOV_HEAD, "生态文明试验区报告": _ECO_HEAD,
         "统计公报": _STAT_HEAD, "环境状况公报": _ENV_HEAD}
HEADINGS = {
    "政府工作报告": {"review": "一、2025年工作回顾", "review5": "一、“十四五”时期工作回顾",
                 "plan": "三、2026年重点工作", "plan5": "二、“十五五”时期主要目标"},
    "生态文明试验区报告": {"review": "一、2025年国家生态文明试验区建设情况",
                    "review5": "一、“十四五”时期国家生态文明试验区建设情况",
                    "plan": "三、2026年工作安排", "plan5": "二、“十五五”时期目标任务"},
    "统计公报": {"review": "一、综合"},
    "环境状况公报": {"review": "一、生态环境质量状况"},
}


def document_text(case: dict) -> str:
    return HEADS[case["genre"]] + HEADINGS[case["genre"]][case["part"]] + "\n" + case["text"] + "\n"


def _norm(s) -> str:
    s = unicodedata.normalize("NFKC", str(s or ""))
    return "".join(ch for ch in s if not ch.isspace())


def char_f1(a, b) -> float:
    """Character-overlap F1, as tools/score.py computes it for subjects."""
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return 0.0
    common = sum((Counter(a) & Counter(b)).values())
    if not common:
        return 0.0
    p, r = common / len(a), common / len(b)
    return 2 * p * r / (p + r)


def _get(row, name):
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def _paragraph_span(doc, case_text: str) -> tuple[int, int]:
    """Where the case's paragraph lies in the normalized text: it is the document's last paragraph."""
    at = doc.text.rfind(case_text)
    if at >= 0:
        return at, at + len(case_text)
    if doc.paragraphs:
        return tuple(doc.paragraphs[-1])
    body = doc.text.rstrip("\n")
    return body.rfind("\n") + 1, len(body)


@lru_cache(maxsize=None)
def run_case(case_id: str) -> tuple:
    """The rows of the case's paragraph, in order of position."""
    case = CASE_BY_ID[case_id]
    doc = build_doc(RawText(document_text(case), "txt"), doc_id="case", source="case.txt")
    lo, hi = _paragraph_span(doc, case["text"])
    rows = [r for r in extract_indicators(doc) if lo <= _get(r, "start") < hi]
    return tuple(sorted(rows, key=lambda r: (_get(r, "start"), _get(r, "end"))))


CASE_BY_ID = {c["id"]: c for c in CASES}


def field_ok(name: str, want, got) -> bool:
    if name == "value":
        try:
            return math.isclose(float(got), float(want), rel_tol=1e-6, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return got == want


def _score(want: dict, row) -> float:
    """How well a row fits an expected record: value and unit first, then the other fields."""
    weight = {"value": 100, "unit": 20, "value_raw": 10}
    s = sum(weight.get(k, 1) for k, v in want.items() if field_ok(k, v, _get(row, k)))
    return s + char_f1(want.get("subject", ""), _get(row, "subject"))


def align(expect: list[dict], rows: tuple) -> list[tuple[dict, object]]:
    """Pair each expected record with a distinct row (best fit first, so that rows sharing one span,
    as coordinated subjects do, are paired by subject rather than by their order). Unpaired → None."""
    free = list(rows)
    pairs = []
    for want in expect:
        best = max(free, key=lambda r: _score(want, r), default=None)
        if best is not None:
            free.remove(best)
        pairs.append((want, best))
    return pairs


def _show(row) -> str:
    return "{" + ", ".join(f"{k}={_get(row, k)!r}" for k in FIELDS) + "}"


KNOWN_GAPS = {g["id"]: g["gap"] for g in yaml.safe_load(
    (CASES_FILE.parent / "indicators_known_gaps.yaml").read_text(encoding="utf-8")) or []}


def _param(case: dict):
    gap = KNOWN_GAPS.get(case["id"])
    marks = [pytest.mark.xfail(strict=True, reason=f"known gap: {gap}")] if gap else []
    return pytest.param(case, id=case["id"], marks=marks)


def test_known_gaps_are_cases():
    assert set(KNOWN_GAPS) <= set(CASE_BY_ID), set(KNOWN_GAPS) - set(CASE_BY_ID)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case):
    rows = run_case(case["id"])
    expect = case.get("expect") or []
    problems = []
    if len(rows) != len(expect):
        problems.append(f"expected {len(expect)} rows, got {len(rows)}")
    for i, (want, row) in enumerate(align(expect, rows)):
        if row is None:
            problems.append(f"record {i}: no row for {want}")
            continue
        bad = [k for k in FIELDS if k in want and not (
            char_f1(want[k], _get(row, k)) >= 0.5 if k == "subject" else field_ok(k, want[k], _get(row, k)))]
        if bad:
            diff = ", ".join(f"{k}: want {want[k]!r} got {_get(row, k)!r}" for k in bad)
            f1 = char_f1(want.get("subject", ""), _get(row, "subject"))
            problems.append(f"record {i} ({want.get('value_raw', want.get('value'))}): {diff}"
                            f" [subject char-F1 {f1:.2f}]")
    paired = {id(r) for _, r in align(expect, rows) if r is not None}
    extra = [_show(r) for r in rows if id(r) not in paired]
    if extra:
        problems.append("unexpected rows: " + "; ".join(extra))
    assert not problems, (f"{case['id']}: {case['text']}\n  " + "\n  ".join(problems)
                          + (f"\n  note: {case['note']}" if case.get("note") else ""))


def test_summary():
    """Per-field accuracy on paired records and the share of cases fully right, with floors."""
    right = Counter()
    total = Counter()
    subject_f1 = []
    cases_ok = 0
    n_expected = n_found = 0
    for case in CASES:
        try:
            rows = run_case(case["id"])
        except Exception:  # the per-case test reports the error itself
            continue
        expect = case.get("expect") or []
        ok = len(rows) == len(expect)
        n_expected += len(expect)
        for want, row in align(expect, rows):
            if row is None:
                ok = False
                continue
            if not (field_ok("value", want["value"], _get(row, "value")) if "value" in want else True):
                ok = False
                continue
            n_found += 1
            for k in FIELDS:
                if k not in want:
                    continue
                good = field_ok(k, want[k], _get(row, k))
                ok = ok and good
                if k in SUMMARY_FIELDS:
                    total[k] += 1
                    right[k] += good
            if "subject" in want:
                subject_f1.append(char_f1(want["subject"], _get(row, "subject")))
        cases_ok += ok
    print(f"\nindicator cases: {cases_ok}/{len(CASES)} fully right ({cases_ok / len(CASES):.1%}); "
          f"records found with the right value {n_found}/{n_expected}")
    for k in SUMMARY_FIELDS:
        if total[k]:
            print(f"  {k:<10} {right[k] / total[k]:6.1%}  ({right[k]}/{total[k]})")
    if subject_f1:
        print(f"  subject char-F1 ≥ 0.5: {sum(f >= 0.5 for f in subject_f1) / len(subject_f1):.1%}")
    # Floors a little under the figures measured when they were set (82% of cases fully right, subject
    # written exactly as expected 89%, every other field ≥ 99%): a change that loses ground fails here.
    assert cases_ok / len(CASES) >= 0.80
    assert right["subject"] / total["subject"] >= 0.87
    for k in SUMMARY_FIELDS[1:]:
        assert right[k] / total[k] >= 0.97, k


def test_subject_stops_are_single_tokens():
    """Stop words are compared with tokens: one that the dictionary splits would never match."""
    from pipeline.rules import load_yaml
    from pipeline.text.segment import tokenizer

    split = [w for w in load_yaml("indicator_words.yaml")["subject_stops"] if len(tokenizer().lcut(w)) > 1]
    assert not split
