"""The number grammar against its case table, property tests, and gold coverage (SPEC §2)."""
from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.numbers import find_quantities

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "numbers.yaml").read_text(encoding="utf-8"))


def _observed(text: str) -> list[dict]:
    return [
        {"raw": q.value_raw, "value": q.value, "unit": q.unit, "q": q.qualifier, "rank": q.is_rank,
         "bound": q.bound, "neg": q.negative}
        for q in find_quantities(text)
    ]


def _expected(case: dict) -> list[dict]:
    return [
        {"raw": str(e["raw"]), "value": float(e["value"]), "unit": e["unit"], "q": e.get("q", ""),
         "rank": e.get("rank", False), "bound": e.get("bound", ""), "neg": e.get("neg", False)}
        for e in case["expect"]
    ]


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_case_table(case: dict) -> None:
    got, want = _observed(case["text"]), _expected(case)
    assert len(got) == len(want), got
    for g, w in zip(got, want):
        assert math.isclose(g.pop("value"), w.pop("value"), rel_tol=1e-9, abs_tol=1e-12), got
        assert g == w


def test_case_table_size() -> None:
    assert len(CASES) >= 150
    assert sum(1 for c in CASES if not c["expect"]) >= 40


# --- property tests ------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def _cn_below_10000(n: int) -> str:
    """Chinese numeral for 0 < n < 10000, the standard way (一千零五, 十五)."""
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            if zero and out:
                out += "零"
            out += ("" if (name == "十" and d == 1 and not out) else _DIGITS[d]) + name
            zero = False
        else:
            zero = bool(out)
    return out


def _cn(n: int) -> str:
    yi, rest = divmod(n, 10**8)
    wan, low = divmod(rest, 10**4)
    parts = []
    if yi:
        parts.append(_cn_below_10000(yi) + "亿")
    if wan:
        if yi and wan < 1000:
            parts.append("零")
        parts.append(_cn_below_10000(wan) + "万")
    if low:
        if (yi or wan) and low < 1000:
            parts.append("零")
        parts.append(_cn_below_10000(low))
    return "".join(parts)


_MULTS = {"": 1, "千": 10**3, "万": 10**4, "十万": 10**5, "百万": 10**6, "千万": 10**7, "亿": 10**8,
          "十亿": 10**9, "百亿": 10**10, "千亿": 10**11, "万亿": 10**12}


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999_999), st.sampled_from(["吨", "元", "个", "亩"]))
def test_chinese_integers_parse_back(n: int, unit: str) -> None:
    qs = find_quantities(f"全年达到{_cn(n)}{unit}，")
    assert [(q.value, q.unit) for q in qs] == [(float(n), unit)]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=3),
       st.sampled_from(sorted(_MULTS)), st.booleans())
def test_arabic_numbers_with_multipliers_parse_back(mantissa: int, places: int, mult: str, commas: bool) -> None:
    number = Decimal(mantissa).scaleb(-places)
    written = f"{number:,f}" if commas else f"{number:f}"
    qs = find_quantities(f"新增投资{written}{mult}元。")
    assert len(qs) == 1
    assert qs[0].value == float(number * _MULTS[mult]) and qs[0].unit == "元"
    assert qs[0].value_raw == f"{written}{mult}元"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=99_999), st.integers(min_value=0, max_value=9999))
def test_mixed_forms_parse_back(high: int, low: int) -> None:
    qs = find_quantities(f"惠及{high}万{low:04d}人")
    assert [q.value for q in qs] == [float(high * 10**4 + low)]
    qs = find_quantities(f"规模{_cn(high)}亿元")
    assert [q.value for q in qs] == [float(high * 10**8)]


_TEXT = st.text(alphabet=st.sampled_from(list("0123456789.,，%‰-—~至到第余多万亿千百十一二两三四五六七八九零〇成倍分之"
                                              "个家年月日元吨亩位名人“”《》[]()（）、。；：居全国增长为达PMG_ ")), max_size=40)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_TEXT, st.text(max_size=40)))
def test_never_raises_and_spans_are_exact(text: str) -> None:
    for q in find_quantities(text):
        assert text[q.start:q.end] == q.value_raw
        assert q.value >= 0 and not math.isnan(q.value)


# --- gold coverage ---------------------------------------------------------------------------

def _anchor_spans(text: str, anchor: str) -> list[tuple[int, int]]:
    spans, pos = [], text.find(anchor)
    while pos >= 0:
        spans.append((pos, pos + len(anchor)))
        pos = text.find(anchor, pos + 1)
    return spans


def test_gold_coverage(shared: Path) -> None:
    """Share of required gold indicators whose anchor holds a quantity with gold's value and unit."""
    total, found, missed = 0, 0, []
    for gold_dir in sorted((shared / "gold").iterdir()):
        text = (shared / "corpus" / f"{gold_dir.name}.txt").read_text(encoding="utf-8")
        quantities = find_quantities(text)
        for line in (gold_dir / "indicators.jsonl").read_text(encoding="utf-8").splitlines():
            gold = json.loads(line)
            if not gold["required"]:
                continue
            total += 1
            spans = _anchor_spans(text, gold["anchor"])
            candidates = ([q for q in quantities if any(s <= q.start and q.end <= e for s, e in spans)]
                          if spans else list(find_quantities(gold["anchor"])))
            if any(q.unit == gold["unit"] and math.isclose(q.value, gold["value"], rel_tol=1e-6)
                   for q in candidates):
                found += 1
            else:
                missed.append(f"{gold_dir.name}: {gold['anchor']} ({gold['value']} {gold['unit']})")
    print(f"\ngold coverage: {found}/{total} = {found / total:.1%}; missed: {missed}")
    assert found / total >= 0.97, missed
