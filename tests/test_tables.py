"""Indicators from tables (issue 6): team-made PDF, HTML and DOCX files with the exact rows each yields."""
from __future__ import annotations

import io

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline.ingest import ingest_bytes
from pipeline.process import process_document

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
GDP_HEAD = ("地区", "地区生产总值", "比上年增长(%)")


def _pdf(*pages) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for draw in pages:
        draw(c)
        c.showPage()
    c.save()
    return buf.getvalue()


def _ruled(c: canvas.Canvas, top: float, rows, xs=(72, 200, 320, 440), h: float = 20) -> None:
    for i, row in enumerate(rows):
        c.setFont(FONT, 10)
        for k, cell in enumerate(row):
            c.drawString(xs[k] + 4, top - (i + 1) * h + 6, cell)
    for i in range(len(rows) + 1):
        c.line(xs[0], top - i * h, xs[-1], top - i * h)
    for x in xs:
        c.line(x, top, x, top - len(rows) * h)


def _gdp_page_1(c: canvas.Canvas) -> None:
    c.setFont(FONT, 16)
    c.drawString(72, 790, "2021年深圳市国民经济和社会发展统计公报")
    c.setFont(FONT, 11)
    c.drawString(72, 760, "全年全市地区生产总值比上年增长6.7%。")
    c.drawString(72, 730, "表1 2021年各区地区生产总值")
    c.drawString(400, 710, "单位：亿元")
    _ruled(c, 700, [GDP_HEAD, ("福田区", "5278.92", "6.3"), ("罗湖区", "2610.51", "5.1")])


def _gdp_page_2(c: canvas.Canvas) -> None:
    _ruled(c, 800, [GDP_HEAD, ("南山区", "7757.61[1]", "-0.8"), ("合计", "15647.04", "6.7")])
    c.setFont(FONT, 11)
    c.drawString(72, 700, "注：[1]本表数据为初步核算数。")


def _crops(c: canvas.Canvas) -> None:
    c.setFont(FONT, 16)
    c.drawString(72, 790, "2021年江西省国民经济和社会发展统计公报")
    c.setFont(FONT, 11)
    c.drawString(72, 760, "表3 2021年主要农产品产量")
    y = 735
    for a, b, d in (("产品", "产量(万吨)", "比上年增长(%)"), ("粮食", "2192.3", "0.8"),
                    ("油料", "125.6", "-2.5"), ("蔬菜", "1729.1", "5.0")):
        c.drawString(72, y, a)
        c.drawRightString(300, y, b)
        c.drawRightString(450, y, d)
        y -= 18
    c.drawString(72, y - 10, "全年粮食播种面积比上年增加，总产量创历史新高。")


def rows_of(data: bytes, name: str):
    result = process_document(data, name)
    assert result.error is None
    text = result.doc.text
    for i in result.indicators:
        assert text[i.start:i.end] == i.value_raw
        assert i.evidence == next(s.text for s in result.doc.sentences if s.sent_id == i.sent_id)
    table_rows = [i for i in result.indicators if i.table_id]
    assert all(i.rule == "table" for i in table_rows)
    assert all(i.table_id == "" for i in result.indicators if i.rule != "table")
    return result, [(i.table_id, i.row, i.col, i.subject, i.value, i.unit, i.value_raw, i.place, i.period,
                     i.kind, i.direction) for i in table_rows]


def test_ruled_pdf_table_across_two_pages_with_repeated_header() -> None:
    result, rows = rows_of(_pdf(_gdp_page_1, _gdp_page_2), "深圳2021统计公报.pdf")
    assert result.doc.text.count("地区\t地区生产总值") == 1
    (table,) = result.doc.tables
    assert (table.caption, table.unit_note, table.page) == ("表1 2021年各区地区生产总值", "亿元", 1)
    assert len(table.header) == 1 and len(table.body) == 4
    assert rows == [
        ("t1", 1, 1, "地区生产总值", 527892000000.0, "元", "5278.92", "福田区", "2021", "level", ""),
        ("t1", 1, 2, "地区生产总值", 6.3, "%", "6.3", "福田区", "2021", "change", "up"),
        ("t1", 2, 1, "地区生产总值", 261051000000.0, "元", "2610.51", "罗湖区", "2021", "level", ""),
        ("t1", 2, 2, "地区生产总值", 5.1, "%", "5.1", "罗湖区", "2021", "change", "up"),
        ("t1", 3, 1, "地区生产总值", 775761000000.0, "元", "7757.61", "南山区", "2021", "level", ""),
        ("t1", 3, 2, "地区生产总值", 0.8, "%", "0.8", "南山区", "2021", "change", "down"),
        ("t1", 4, 1, "地区生产总值", 1564704000000.0, "元", "15647.04", "深圳市", "2021", "level", ""),
        ("t1", 4, 2, "地区生产总值", 6.7, "%", "6.7", "深圳市", "2021", "change", "up"),
    ]
    prose = [i for i in result.indicators if not i.table_id]
    assert [(i.subject, i.value, i.unit) for i in prose] == [("地区生产总值", 6.7, "%")]


def test_unruled_pdf_table_from_aligned_columns() -> None:
    result, rows = rows_of(_pdf(_crops), "江西2021统计公报.pdf")
    assert rows == [
        ("t1", 1, 1, "粮食产量", 21923000.0, "吨", "2192.3", "江西省", "2021", "level", ""),
        ("t1", 1, 2, "粮食产量", 0.8, "%", "0.8", "江西省", "2021", "change", "up"),
        ("t1", 2, 1, "油料产量", 1256000.0, "吨", "125.6", "江西省", "2021", "level", ""),
        ("t1", 2, 2, "油料产量", 2.5, "%", "2.5", "江西省", "2021", "change", "down"),
        ("t1", 3, 1, "蔬菜产量", 17291000.0, "吨", "1729.1", "江西省", "2021", "level", ""),
        ("t1", 3, 2, "蔬菜产量", 5.0, "%", "5.0", "江西省", "2021", "change", "up"),
    ]
    assert "全年粮食播种面积比上年增加，总产量创历史新高。" in result.doc.text


def test_prose_pdf_has_no_table() -> None:
    def prose(c: canvas.Canvas) -> None:
        c.setFont(FONT, 11)
        for k, line in enumerate(("过去一年，全省地区生产总值增长5.1%，达到3.4万亿元。", "全省空气质量优良天数比例达到92.4%。")):
            c.drawString(72, 760 - 20 * k, line)
    assert ingest_bytes(_pdf(prose), "a.pdf").tables == ()


MERGED_HTML = """<html><head><meta charset="utf-8"></head><body><article>
<h1>2021年深圳市人口统计公报</h1>
<p>表2 2021年深圳市分区户籍人口及性别比</p>
<table>
<tr><th rowspan="2">地区</th><th colspan="2">户籍人口</th><th rowspan="2">性别比(女=100)</th></tr>
<tr><th>数量（万人）</th><th>比上年增长(%)</th></tr>
<tr><td>全市</td><td>556.39</td><td>5.2</td><td>103.5</td></tr>
<tr><td>福田区</td><td>110.02[2]</td><td>-1.3</td><td>98.1</td></tr>
</table>
<p>注：[2]含暂住人口。</p>
</article></body></html>"""


def test_html_merged_header_cells_place_rows_and_footnote_marker() -> None:
    result, rows = rows_of(MERGED_HTML.encode("utf-8"), "人口.html")
    (table,) = result.doc.tables
    assert table.header[0] == ("地区", "户籍人口", "户籍人口", "性别比(女=100)")
    assert rows == [
        ("t1", 2, 1, "户籍人口", 5563900.0, "人", "556.39", "深圳市", "2021", "level", ""),
        ("t1", 2, 2, "户籍人口", 5.2, "%", "5.2", "深圳市", "2021", "change", "up"),
        ("t1", 2, 3, "性别比", 103.5, "", "103.5", "深圳市", "2021", "level", ""),
        ("t1", 3, 1, "户籍人口", 1100200.0, "人", "110.02", "福田区", "2021", "level", ""),
        ("t1", 3, 2, "户籍人口", 1.3, "%", "1.3", "福田区", "2021", "change", "down"),
        ("t1", 3, 3, "性别比", 98.1, "", "98.1", "福田区", "2021", "level", ""),
    ]
    fut = next(i for i in result.indicators if i.place == "福田区" and i.col == 1)
    assert (fut.place_code, fut.evidence) == ("440304", "福田区\t110.02[2]\t-1.3\t98.1")


def test_html_ragged_table_is_reported_not_guessed() -> None:
    page = ("<html><body><p>表5 主要指标</p><table><tr><th>指标</th><th>数值(亿元)</th></tr>"
            "<tr><td>地区生产总值</td><td>100.5</td><td>6.1</td></tr>"
            "<tr><td>财政收入</td><td>20.3</td></tr></table></body></html>")
    result = process_document(page.encode("utf-8"), "坏表.html")
    assert [w.stage for w in result.warnings] == ["tables"]
    assert "ragged" in result.warnings[0].message
    assert result.indicators == ()


def test_docx_merged_header_unit_line_and_percent_cells() -> None:
    document = docx.Document()
    document.add_paragraph("2021年江西省统计公报")
    document.add_paragraph("表4 2021年全省财政收支")
    document.add_paragraph("单位：亿元")
    table = document.add_table(rows=4, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "项目"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "2021年"
    for k, text in enumerate(("收入", "占比")):
        table.cell(1, k + 1).text = text
    for r, row in enumerate((("一般公共预算收入", "2812.3", "58.6%"), ("全省", "4798.9", "100%")), start=2):
        for k, text in enumerate(row):
            table.cell(r, k).text = text
    buf = io.BytesIO()
    document.save(buf)
    result, rows = rows_of(buf.getvalue(), "财政.docx")
    (parsed,) = result.doc.tables
    assert (parsed.caption, parsed.unit_note) == ("表4 2021年全省财政收支", "亿元")
    assert rows == [
        ("t1", 2, 1, "一般公共预算收入", 281230000000.0, "元", "2812.3", "江西省", "2021", "level", ""),
        ("t1", 2, 2, "一般公共预算收入占比", 58.6, "%", "58.6%", "江西省", "2021", "level", ""),
        ("t1", 3, 1, "收入", 479890000000.0, "元", "4798.9", "江西省", "2021", "level", ""),
        ("t1", 3, 2, "占比", 100.0, "%", "100%", "江西省", "2021", "level", ""),
    ]


def test_unit_column_and_measure_labels() -> None:
    page = """<html><body><article><h1>2021年江西省国民经济和社会发展统计公报</h1>
<p>表1 2021年规模以上工业主要产品产量</p>
<table>
<tr><td>指标</td><td>单位</td><td>产量</td><td>比上年增长%</td></tr>
<tr><td>发电量</td><td>亿千瓦时</td><td>1598.3</td><td>12.4</td></tr>
<tr><td>  其中：水电</td><td>亿千瓦时</td><td>110.2</td><td>-8.9</td></tr>
<tr><td>钢材</td><td>万吨</td><td>3230.5</td><td>—</td></tr>
</table></article></body></html>"""
    _, rows = rows_of(page.encode("utf-8"), "产品.html")
    assert rows == [
        ("t1", 1, 2, "发电量", 159830000000.0, "千瓦时", "1598.3", "江西省", "2021", "level", ""),
        ("t1", 1, 3, "发电量", 12.4, "%", "12.4", "江西省", "2021", "change", "up"),
        ("t1", 2, 2, "水电产量", 11020000000.0, "千瓦时", "110.2", "江西省", "2021", "level", ""),
        ("t1", 2, 3, "水电产量", 8.9, "%", "8.9", "江西省", "2021", "change", "down"),
        ("t1", 3, 2, "钢材产量", 32305000.0, "吨", "3230.5", "江西省", "2021", "level", ""),
    ]


def test_two_column_prose_page_is_not_a_table() -> None:
    def two_columns(c: canvas.Canvas) -> None:
        c.setFont(FONT, 11)
        for k in range(6):
            c.drawString(72, 760 - 18 * k, "全省坚持生态优先绿色发展推进")
            c.drawString(330, 760 - 18 * k, "城乡融合发展民生持续改善稳定")
    raw = ingest_bytes(_pdf(two_columns), "两栏.pdf")
    assert raw.tables == ()
