"""Normalization (SPEC §3), structure (SPEC §2 sections and sentences) and metadata, on the sample
and on short texts written for the purpose."""
from __future__ import annotations

import pytest

from pipeline.process import build_doc
from pipeline.records import RawText
from pipeline.text.metadata import infer_meta, script_of
from pipeline.text.normalize import normalize


@pytest.fixture(scope="module")
def sample_doc():
    from conftest import SAMPLE

    return build_doc(RawText(SAMPLE.read_text(encoding="utf-8"), "txt"), doc_id="s", source=SAMPLE.name)


def test_offsets_map_every_character_back(sample_text: str) -> None:
    norm = normalize(RawText(sample_text, "txt"))
    assert len(norm.to_raw) == len(norm.text)
    for i, ch in enumerate(norm.text):
        if ch != "\n":
            assert sample_text[norm.to_raw[i]] == ch


def test_body_line_breaks_are_joined_and_headings_stay_apart(sample_doc) -> None:
    text = sample_doc.text
    assert "金山银山理念未能全面贯彻" in text and "强化碳排放双控" in text
    assert "生态文明建设示范区" in text and "价值实现机制试点" in text
    head = [line for line in text.split("\n") if line.strip()][:4]
    assert head == ["关于国家生态文明试验区(江西)建设情况的报告",
                    "——2026年1月29日在江西省第十四届人民代表大会第四次会议上", "省发展和改革委员会", "各位代表："]
    assert "\n一、2025年及“十四五”时期国家生态文明试验区建设情况\n" in text


def test_closing_photo_caption_and_byline_are_boilerplate(sample_doc) -> None:
    text = sample_doc.text
    caption = text.index("2月10日，资溪县")
    byline = text.index("吴志贵摄")
    assert any(s <= caption and byline < e for s, e in sample_doc.boilerplate)
    assert all(s.boilerplate for s in sample_doc.sentences if s.start >= caption)
    assert not any(s.boilerplate for s in sample_doc.sentences if s.start < caption)


def test_sample_sections_and_nesting(sample_doc) -> None:
    secs = sample_doc.sections
    top = [s for s in secs if s.level == 1]
    assert [(s.marker, s.title[:10]) for s in top] == [("一、", "2025年及“十四五"), ("二、", "“十五五”时期及20")]
    under_first = [s for s in secs if s.parent_id == top[0].section_id]
    assert [s.marker for s in under_first] == ["(一)", "(二)", "(三)", "(四)", "(五)"]
    assert under_first[0].title == "加强系统治理，生态环境质量保持优良水平"
    under_second = [s for s in secs if s.parent_id == top[1].section_id]
    assert [s.marker for s in under_second] == ["一是", "二是", "三是", "四是", "五是", "六是"]
    assert under_second[0].title == "着力在长江大保护上取得新成效"
    assert all(s.level == 2 for s in under_second)
    # inline 一是 after the end of a sentence opens a section, a repeated ordinal a new sibling
    first_items = [s for s in secs if s.parent_id == under_first[0].section_id]
    assert [s.marker for s in first_items] == ["一是", "一是", "二是", "三是"]
    assert first_items[1].title == "统筹推进蓝天、碧水、净土提升攻坚战"


def test_sentences_split_on_stops_but_not_inside_quotes() -> None:
    raw = "一、总体情况\n全省实施“千家万户沐光行动；千乡万村驭风行动”，成效明显！新增装机120万千瓦；占比达56.2%。\n"
    doc = build_doc(RawText(raw, "txt"), doc_id="t", source="t.txt")
    texts = [s.text for s in doc.sentences]
    assert texts == ["一、总体情况", "全省实施“千家万户沐光行动；千乡万村驭风行动”，成效明显！",
                     "新增装机120万千瓦；", "占比达56.2%。"]
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text
    assert {s.section_id for s in doc.sentences} == {doc.sections[0].section_id}


def test_fullwidth_digits_and_layout_spaces() -> None:
    norm = normalize(RawText("地区生产总值达到 ６２６６１亿元，增长５．５％。\n", "txt"))
    assert norm.text == "地区生产总值达到62661亿元，增长5.5%。\n"
    pdf = normalize(RawText("森 林 覆 盖 率 达 到 63.1 %\n", "pdf"))
    assert pdf.text.startswith("森林覆盖率达到63.1")


def test_web_furniture_is_boilerplate() -> None:
    raw = "下载\n打印\n【字号：\n加大\n】\n2026年某省政府工作报告\n来源：某省日报\n各位代表：\n现在，我代表省人民政府向大会报告工作。\n相关报道：\n"
    norm = normalize(RawText(raw, "txt"))
    bp = "".join(norm.text[s:e] for s, e in norm.boilerplate)
    assert "下载" in bp and "来源：某省日报" in bp and "相关报道" in bp
    assert "报告工作" not in bp and "政府工作报告" not in bp


@pytest.mark.parametrize("head, expect", [
    ("2026年湖北省政府工作报告\n——2026年1月27日在湖北省第十四届人民代表大会第四次会议上\n湖北省人民政府省长 李殿勋\n各位代表：\n",
     dict(title="2026年湖北省政府工作报告", issuer="湖北省人民政府", region="湖北省", region_code="420000",
          year=2026, review_year=2025, genre="政府工作报告")),
    ("安徽省2025年国民经济和社会发展统计公报\n安徽省统计局\n2026年3月1日\n",
     dict(region="安徽省", region_code="340000", year=2026, review_year=2025, genre="统计公报")),
    ("关于国家生态文明试验区(江西)建设情况的报告\n——2026年1月29日在江西省第十四届人民代表大会第四次会议上\n省发展和改革委员会\n各位代表：\n",
     dict(issuer="江西省发展和改革委员会", region="江西省", region_code="360000", year=2026, review_year=2025,
          genre="生态文明试验区报告")),
    ("关于浙江省2025年国民经济和社会发展计划执行情况与2026年计划草案的报告\n浙江省发展和改革委员会\n",
     dict(region="浙江省", region_code="330000", year=2026, review_year=2025, genre="other")),
    ("2025年湖南省生态环境状况公报\n湖南省生态环境厅\n",
     dict(region="湖南省", region_code="430000", year=2026, review_year=2025, genre="环境状况公报")),
])
def test_metadata_from_the_head(head: str, expect: dict) -> None:
    doc = build_doc(RawText(head + "一、工作回顾\n全年地区生产总值增长5.5%。\n", "txt"), doc_id="m", source="m.txt")
    got = {k: getattr(doc.meta, k) for k in expect}
    assert got == expect


def test_script_is_told_from_the_characters() -> None:
    assert script_of("過去一年，我們堅持穩中求進，經濟發展實現新突破，國內生產總值增長，區域協調發展。") == "traditional"
    assert script_of("过去一年，我们坚持稳中求进，经济发展实现新突破，国内生产总值增长，区域协调发展。") == "simplified"
    assert infer_meta("2025年某市统计公报\n").genre == "统计公报"


def test_a_pdf_report_end_to_end() -> None:
    """A real multi-page PDF: running headers and page numbers gone, the sentence that crosses the
    page break joined, sections found, and its numbers extracted with offsets into the text."""
    from test_ingest import _pdf, _report

    from pipeline.process import process_document

    result = process_document(_pdf(_report), "2025年 政府工作报告.pdf")
    doc = result.doc
    assert result.error is None and doc is not None
    assert "固定资产投资增长4.5%，社会消费品零售总额突破1.3万亿元。" in doc.text
    assert "- 2 -" not in doc.text and doc.text.count("2025年政府工作报告") == 1
    assert [(s.marker, s.title) for s in doc.sections] == [("一、", "经济运行"), ("二、", "生态环境"),
                                                          ("三、", "民生保障")]
    rows = {r.value_raw: r for r in result.indicators}
    assert rows["4.5%"].subject == "固定资产投资" and rows["4.5%"].kind == "change"
    assert rows["1.3万亿元"].value == 1.3e12 and rows["1.3万亿元"].qualifier == ">"
    for r in result.indicators:
        assert doc.text[r.start:r.end] == r.value_raw
