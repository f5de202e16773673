"""Property tests: the normalizer's offset map, the number grammar and the whole pipeline on random
Unicode and on random mutations of the sample.  `make fuzz` runs them with a large budget."""
from __future__ import annotations

import math
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.numbers import find_quantities
from pipeline.ingest.base import single_page
from pipeline.process import process_document
from pipeline.records import RawText
from pipeline.rules import load_yaml
from pipeline.text.normalize import normalize
from robustness.conftest import SAMPLE, budget

SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
FULL_WIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000", "\xa0"]
REPORT_CHARS = list("0123456789.,%，。、；：！？（）()“”《》一二三四五六七八九十百千万亿余多第年月日元吨亩个家是 \t")
NEWLINES = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\n \n"]
LINES = st.lists(st.one_of(st.text(max_size=30), st.text(st.sampled_from(FULL_WIDTH + REPORT_CHARS), max_size=30),
                           st.sampled_from(["一、总体情况", "（二）生态", "各位代表：", "2025年1月20日", SAMPLE_TEXT[:80]])),
                 max_size=12)
RAW = st.builds(lambda lines, breaks: "".join(line + breaks[i % len(breaks)] for i, line in enumerate(lines)),
                LINES, st.lists(st.sampled_from(NEWLINES), min_size=1, max_size=4))


def _half_width(ch: str) -> str:
    return " " if ch in "\u3000\xa0" else unicodedata.normalize("NFKC", ch) if ch in FULL_WIDTH else ch


@budget(150)
@given(RAW, st.sampled_from(["txt", "pdf", "html", "docx"]))
def test_normalized_characters_map_back_to_the_same_raw_characters(raw: str, fmt: str) -> None:
    norm = normalize(RawText(text=raw, fmt=fmt, encoding="utf-8", line_pages=single_page(raw)))
    assert len(norm.to_raw) == len(norm.text)
    assert list(norm.to_raw) == sorted(set(norm.to_raw)), "offsets go forward"
    for i, ch in enumerate(norm.text):
        if ch != "\n":
            assert ch in (raw[norm.to_raw[i]], _half_width(raw[norm.to_raw[i]])), (i, ch)
    for start, end in norm.boilerplate:
        assert 0 <= start < end <= len(norm.text)


def _units() -> list[str]:
    rules = load_yaml("units.yaml")
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            found.update(k for k in node if isinstance(k, str) and len(k) <= 4)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str) and len(node) <= 4:
            found.add(node)

    walk(rules)
    return sorted(found)


NUMBER_TOKENS = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(str),
    st.text(st.sampled_from(list("0123456789")), min_size=1, max_size=400),  # far over a float's range
    st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(repr),
    st.text(st.sampled_from(list("零〇一二两三四五六七八九十百千万亿点")), min_size=1, max_size=12),
    st.sampled_from(["1,100", "1，100", "23.4", "0.5", "１２３", "三分之一", "百分之五", "千分之三", "第1", "第十四",
                     "5%—5.5%", "2-3", "-3.2", "负增长", "270余", "310多", "1e400", "1.7976931348623157e308"]),
)
WORDS = st.sampled_from(["增长", "下降", "达到", "超过", "不足", "以上", "左右", "约", "万", "亿", "万亿", "百分点",
                         "个", "%", "‰", "倍", "成", "年", "居全国", "，", "。", "、", "至", "到", "—", "~", " "])
QUANTITY_TEXT = st.lists(st.one_of(NUMBER_TOKENS, WORDS, st.sampled_from(_units()), st.text(max_size=4)),
                         max_size=16).map("".join)


@budget(300)
@given(QUANTITY_TEXT)
def test_the_number_grammar_never_raises_and_round_trips(text: str) -> None:
    for q in find_quantities(text):
        assert text[q.start:q.end] == q.value_raw
        assert 0 <= q.start < q.end <= len(text)
        assert math.isfinite(q.value) and q.value >= 0


def _check_document(text: str) -> None:
    """The pipeline never raises, and every row's mention and evidence are in the text."""
    result = process_document(text.encode("utf-8"), "x.txt")
    doc = result.doc
    if doc is None:
        assert result.error is not None and result.error.code in {"empty", "unreadable", "too_large"}
        return
    sentences = {s.sent_id: s for s in doc.sentences}
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text
    for row in result.indicators:
        assert doc.text[row.start:row.end] == row.value_raw
        assert row.evidence == sentences[row.sent_id].text
        assert sentences[row.sent_id].start <= row.start < row.end <= sentences[row.sent_id].end
        assert math.isfinite(row.value) and row.value >= 0
    for row in (*result.places, *result.policies, *result.organizations):
        assert doc.text[row.start:row.end] == row.mention, row
        assert sentences[row.sent_id].start <= row.start < row.end <= sentences[row.sent_id].end, row


@budget(40)
@given(st.one_of(st.text(max_size=200), RAW, QUANTITY_TEXT))
def test_the_pipeline_on_random_unicode(text: str) -> None:
    _check_document(text)


@st.composite
def mutated_sample(draw: st.DrawFn) -> str:
    """A window of the sample (at most all of it) with spans deleted, inserted, swapped or repeated."""
    start = draw(st.integers(0, len(SAMPLE_TEXT) - 1))
    text = SAMPLE_TEXT[start:start + draw(st.integers(1, len(SAMPLE_TEXT)))]
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 200)))
        op = draw(st.sampled_from(["delete", "insert", "swap", "repeat"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.one_of(st.text(max_size=20), QUANTITY_TEXT, st.sampled_from(NEWLINES))) + text[i:]
        elif op == "swap":
            k = draw(st.integers(j, min(len(text), j + 200)))
            text = text[:i] + text[j:k] + text[i:j] + text[k:]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


@budget(8)
@given(mutated_sample())
def test_the_pipeline_on_mutations_of_the_sample(text: str) -> None:
    _check_document(text)
