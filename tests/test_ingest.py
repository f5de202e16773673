"""Ingest on real files generated in tmp_path: encodings, PDFs, DOCX, HTML and hostile inputs."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline.ingest import MAX_FILE_BYTES, ingest_bytes, read_source, sniff_format
from pipeline.ingest.pdf import _PAGE_NUMBER
from pipeline.records import PipelineError

# Written for these tests: one paragraph in simplified and the same in traditional characters.
SIMP = (
    "过去一年，全省上下坚持稳中求进工作总基调，经济运行总体平稳，发展质量稳步提升。"
    "地区生产总值增长百分之五左右，城乡居民收入持续增加，新增城镇就业人数超过预期目标。"
    "我们深入推进生态文明建设，空气质量优良天数比例进一步提高，主要河流水质保持稳定。"
    "科技创新能力不断增强，高新技术企业数量明显增加，研发投入强度稳步上升。"
    "民生保障更加有力，教育、医疗、养老等公共服务水平持续改善，人民群众获得感幸福感安全感不断增强。"
)
TRAD = (
    "過去一年，全省上下堅持穩中求進工作總基調，經濟運行總體平穩，發展質量穩步提升。"
    "地區生產總值增長百分之五左右，城鄉居民收入持續增加，新增城鎮就業人數超過預期目標。"
    "我們深入推進生態文明建設，空氣品質優良天數比例進一步提高，主要河流水質保持穩定。"
    "科技創新能力不斷增強，高新技術企業數量明顯增加，研發投入強度穩步上升。"
    "民生保障更加有力，教育、醫療、養老等公共服務水準持續改善，人民群眾獲得感幸福感安全感不斷增強。"
)
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def code_of(data: bytes, name: str) -> str:
    with pytest.raises(PipelineError) as info:
        ingest_bytes(data, name)
    assert name in info.value.message
    return info.value.code


# --------------------------------------------------------------------------- txt


@pytest.mark.parametrize(
    ("text", "codec", "expected_codec"),
    [
        (SIMP, "gbk", "gb18030"),
        (SIMP[:40], "gbk", "gb18030"),
        (SIMP, "gb2312", "gb18030"),
        (TRAD, "big5", "cp950"),
        (TRAD[:40], "big5", "cp950"),
        (TRAD[:20], "big5", "cp950"),
        (SIMP, "utf-8", "utf-8"),
        (SIMP, "utf-8-sig", "utf-8-sig"),
        (SIMP, "utf-16", "utf-16"),
        (SIMP[:40], "utf-16-le", "utf-16-le"),
        (SIMP, "utf-16-be", "utf-16-be"),
    ],
)
def test_txt_encodings(text: str, codec: str, expected_codec: str) -> None:
    raw = ingest_bytes(("2025\r\n" + text + "\rEND\n").encode(codec), "报告.txt")
    assert raw.text == "2025\n" + text + "\nEND\n"
    assert raw.encoding == expected_codec
    assert raw.fmt == "txt"
    assert raw.line_pages == (1, 1, 1, 1)


@pytest.mark.parametrize(("text", "codec"), [(SIMP, "gbk"), (TRAD, "big5"), (TRAD, "gb18030")])
def test_short_chinese_texts_are_not_misdetected(text: str, codec: str) -> None:
    """The detector alone calls some of these cp949, cp932 or UTF-16."""
    for size in (4, 6, 10, 24):
        for start in range(0, len(text) - size, 5):
            piece = text[start : start + size]
            assert ingest_bytes(piece.encode(codec), "short.txt").text == piece


def test_txt_bom_is_stripped() -> None:
    raw = ingest_bytes("\ufeff各位代表：".encode("utf-8"), "a.txt")
    assert raw.text == "各位代表："


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 40,
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        b"\x00\x01\x02\x03garbage\x00\x00\x10\x11" * 50,
        bytes((i * 37 + 11) % 256 for i in range(5000)),
    ],
)
def test_binary_named_txt_is_unreadable(data: bytes) -> None:
    assert code_of(data, "data.txt") == "unreadable"


def test_whitespace_only_txt_is_empty() -> None:
    assert code_of(b" \r\n\t\n", "blank.txt") == "empty"


def test_text_over_two_million_characters_is_too_large() -> None:
    assert code_of(("增" * 2_000_001).encode("utf-8"), "big.txt") == "too_large"


# --------------------------------------------------------------------------- pdf


def _pdf(draw, encrypt=None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    draw(c)
    c.save()
    return buf.getvalue()


REPORT_PAGES = [
    [
        ("2025年政府工作报告", 18),
        ("各位代表：", 12),
        ("过去一年，全省地区生产总值增长5.1%，达到3.4万亿元。", 12),
        ("一、经济运行", 12),
        ("规模以上工业增加值增长7.2%，固定资产投资", 12),
    ],
    [
        ("增长4.5%，社会消费品零售总额突破1.3万亿元。", 12),
        ("二、生态环境", 12),
        ("全省空气质量优良天数比例达到92.4%。", 12),
    ],
    [
        ("三、民生保障", 12),
        ("城镇新增就业人数超过50万人。", 12),
    ],
]


def _report(c: canvas.Canvas) -> None:
    for number, lines in enumerate(REPORT_PAGES, start=1):
        c.setFont(FONT, 9)
        c.drawString(72, 800, "2025年政府工作报告")  # running header, same words as the title
        y = 760
        for text, size in lines:
            c.setFont(FONT, size)
            c.drawString(72, y, text)
            y -= 2 * size
        c.setFont(FONT, 9)
        c.drawString(72, 60, f"江西省人民政府办公厅 2025年{number}月印发")
        c.drawCentredString(300, 40, f"- {number} -")
        c.showPage()


def test_pdf_report_headers_footers_and_page_break() -> None:
    raw = ingest_bytes(_pdf(_report), "2025年 政府工作报告.pdf")
    assert raw.fmt == "pdf"
    assert raw.text == (
        "2025年政府工作报告\n"
        "各位代表：\n"
        "过去一年，全省地区生产总值增长5.1%，达到3.4万亿元。\n"
        "一、经济运行\n"
        "规模以上工业增加值增长7.2%，固定资产投资\n"
        "增长4.5%，社会消费品零售总额突破1.3万亿元。\n"
        "二、生态环境\n"
        "全省空气质量优良天数比例达到92.4%。\n"
        "\n"
        "三、民生保障\n"
        "城镇新增就业人数超过50万人。"
    )
    assert raw.line_pages == (1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3)
    assert len(raw.line_pages) == len(raw.text.split("\n"))
    assert raw.warnings == ()


@pytest.mark.parametrize(
    "line",
    ["3", "- 3 -", "—3—", "－ 12 －", "第3页", "第 3 页 共 10 页", "第三页", "3 / 10", "Page 3 of 10"],
)
def test_page_number_lines(line: str) -> None:
    assert _PAGE_NUMBER.fullmatch("".join(line.split()))


@pytest.mark.parametrize("line", ["2025年", "3.4万亿元", "一、经济运行", "第3批"])
def test_not_page_number_lines(line: str) -> None:
    assert not _PAGE_NUMBER.fullmatch("".join(line.split()))


def _ascii_page(c: canvas.Canvas) -> None:
    c.setFont("Helvetica", 12)
    c.drawString(72, 700, "GDP grew 5.1% in 2025.")
    c.showPage()


def test_letter_spaced_cjk_is_not_split_by_spaces() -> None:
    def draw(c: canvas.Canvas) -> None:
        text = c.beginText(72, 700)
        text.setFont(FONT, 16)
        text.setCharSpace(4)  # justified lines spread their characters
        text.textLine("全省生态环境质量持续改善")
        c.drawText(text)
        c.showPage()

    assert ingest_bytes(_pdf(draw), "spaced.pdf").text == "全省生态环境质量持续改善"


def test_owner_password_only_pdf_is_read() -> None:
    encryption = StandardEncryption("", ownerPassword="owner", canPrint=0, canCopy=0)
    raw = ingest_bytes(_pdf(_ascii_page, encryption), "restricted.pdf")
    assert raw.text == "GDP grew 5.1% in 2025."


def test_user_password_pdf() -> None:
    encryption = StandardEncryption("secret", ownerPassword="owner")
    assert code_of(_pdf(_ascii_page, encryption), "locked.pdf") == "pdf_password"


def _image_page(c: canvas.Canvas) -> None:
    scan = Image.new("RGB", (200, 100), "white")
    c.drawImage(ImageReader(scan), 72, 500, width=400, height=200)
    c.showPage()


def _drawing_page(c: canvas.Canvas) -> None:
    c.rect(72, 500, 300, 200, fill=1)
    c.showPage()


@pytest.mark.parametrize("draw", [_image_page, _drawing_page])
def test_pdf_without_text_layer(draw) -> None:
    assert code_of(_pdf(draw), "scan.pdf") == "no_text_layer"


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_pdf(keep: float) -> None:
    data = _pdf(_report)
    assert code_of(data[: int(len(data) * keep)], "cut.pdf") == "unreadable"


def _hand_pdf(contents: list[bytes]) -> bytes:
    """A PDF with a Helvetica font F1 and a font F2 whose glyphs have no Unicode mapping."""
    n_pages = len(contents)
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(n_pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Lost /Encoding /Identity-H "
        b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Lost "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/DW 1000 >>] >>",
    ]
    for i, content in enumerate(contents):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {6 + 2 * i} 0 R "
            "/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


GOOD_PAGE = b"BT /F1 12 Tf 72 700 Td (Readable page one.) Tj ET"
CID_PAGE = b"BT /F2 12 Tf 72 700 Td <0011002200330044005500660077> Tj ET"


def test_damaged_page_is_left_out_with_a_warning() -> None:
    raw = ingest_bytes(_hand_pdf([GOOD_PAGE, CID_PAGE]), "mixed.pdf")
    assert raw.text == "Readable page one."
    assert raw.line_pages == (1,)
    assert [(w.stage, w.code) for w in raw.warnings] == [("ingest", "damaged_page")]
    assert "page 2" in raw.warnings[0].message


def test_all_pages_damaged_is_unreadable() -> None:
    assert code_of(_hand_pdf([CID_PAGE, CID_PAGE]), "cid.pdf") == "unreadable"


def test_pdf_named_txt_is_read_as_pdf() -> None:
    raw = ingest_bytes(_pdf(_ascii_page), "report.txt")
    assert (raw.fmt, raw.text) == ("pdf", "GDP grew 5.1% in 2025.")
    assert [w.code for w in raw.warnings] == ["format_mismatch"]
    assert ingest_bytes(_pdf(_ascii_page), "report").fmt == "pdf"


def test_not_a_pdf_named_pdf() -> None:
    assert code_of("各位代表：".encode(), "fake.pdf") == "unreadable"


# --------------------------------------------------------------------------- docx


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("2025年政府工作报告")
    document.add_paragraph("各位代表：")
    table = document.add_table(rows=3, cols=3)
    head = table.cell(0, 0).merge(table.cell(0, 1))
    head.text = "指标名称"
    table.cell(0, 2).text = "数值"
    region = table.cell(1, 0).merge(table.cell(2, 0))
    region.text = "生产总值"
    table.cell(1, 1).text = "增速"
    table.cell(1, 2).text = "5.1%"
    table.cell(2, 1).text = "总量"
    table.cell(2, 2).text = "3.4万亿元"
    document.add_paragraph("以上数据为初步统计。")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_paragraphs_and_table_in_order() -> None:
    raw = ingest_bytes(_docx(), "报告.docx")
    assert raw.fmt == "docx"
    assert raw.text == (
        "2025年政府工作报告\n"
        "各位代表：\n"
        "指标名称\t数值\n"
        "生产总值\t增速\t5.1%\n"
        "\t总量\t3.4万亿元\n"
        "以上数据为初步统计。"
    )
    assert raw.line_pages == (1,) * 6


def _zip_with(member: str, zeros: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w", force_zip64=True) as f:
            chunk = bytes(1 << 20)
            for _ in range(zeros >> 20):
                f.write(chunk)
    return buf.getvalue()


def test_docx_zip_bomb_over_200_mb() -> None:
    data = _zip_with("word/document.xml", 300 << 20)
    assert len(data) < 2 << 20
    with pytest.raises(PipelineError) as info:
        ingest_bytes(data, "bomb.docx")
    assert info.value.code == "zip_bomb"
    assert "word/document.xml" in info.value.message and "300 MB" in info.value.message


def test_docx_zip_bomb_by_ratio() -> None:
    with pytest.raises(PipelineError) as info:
        ingest_bytes(_zip_with("word/media/image1.png", 5 << 20), "ratio.docx")
    assert info.value.code == "zip_bomb"
    assert "limit 100×" in info.value.message


def test_docx_that_is_not_a_zip() -> None:
    assert code_of("各位代表：".encode(), "fake.docx") == "unreadable"


def test_zip_that_is_not_a_word_document() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert code_of(buf.getvalue(), "archive.docx") == "unreadable"
    assert code_of(buf.getvalue(), "archive.txt") == "unreadable"


# --------------------------------------------------------------------------- html

PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>江西省人民政府</title><script>var tip = "脚本文字";</script><style>p {}</style></head>
<body>
<div class="logo"><h1>江西省人民政府</h1></div>
<div class="header"><a href="/">首页</a> <a href="/zw">政务</a></div>
<nav><ul><li>导航一</li><li>导航二</li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开</div>
<h1>2025年政府工作报告</h1>
<div class="TRS_Editor">
<p>各位代表：</p>
<p>过去一年，全省地区生产总值<b>增长5.1%</b>。<br>全年粮食产量达到
  432.3亿斤。</p>
<table><tr><th>指标</th><th>数值</th></tr>
<tr><td>森林覆盖率</td><td><span>63.35%</span></td></tr></table>
<div class="bdsharebuttonbox">分享到：微信</div>
<p style="display: none">隐藏段落</p>
</div>
<div id="sidebar"><ul><li>热点新闻</li></ul></div>
<footer>版权所有 江西省人民政府办公厅</footer>
</body></html>
"""


def test_html_main_content_without_furniture() -> None:
    raw = ingest_bytes(PAGE.encode("gb2312"), "page.html")
    assert raw.fmt == "html"
    assert raw.encoding == "gb18030"
    assert raw.text == (
        "2025年政府工作报告\n"
        "各位代表：\n"
        "过去一年，全省地区生产总值增长5.1%。\n"
        "全年粮食产量达到 432.3亿斤。\n"
        "指标\t数值\n"
        "森林覆盖率\t63.35%"
    )
    assert raw.line_pages == (1,) * 6


def test_html_article_keeps_its_own_header() -> None:
    page = (
        "<html><body><header>网站名称</header><article><header><h1>统计公报</h1></header>"
        "<p>全年粮食产量432.3亿斤。</p><footer>责任编辑：张三</footer></article></body></html>"
    )
    raw = ingest_bytes(page.encode("utf-8"), "gongbao.htm")
    assert raw.text == "统计公报\n全年粮食产量432.3亿斤。\n责任编辑：张三"


def test_html_without_extension_is_sniffed() -> None:
    raw = ingest_bytes(b"<!doctype html><html><body><p>hello</p></body></html>", "page")
    assert (raw.fmt, raw.text) == ("html", "hello")
    assert sniff_format(b"\xef\xbb\xbf<html><p>x</p></html>") == "html"


def test_html_with_only_furniture_is_empty() -> None:
    page = "<html><body><nav>导航</nav><script>x()</script></body></html>"
    assert code_of(page.encode("utf-8"), "nav.html") == "empty"


# --------------------------------------------------------------------------- read_source


def test_read_source_reads_a_path_with_spaces_and_chinese(tmp_path: Path) -> None:
    path = tmp_path / "江西 省" / "2025年 政府工作报告.txt"
    path.parent.mkdir()
    path.write_bytes(SIMP.encode("gbk"))
    data = read_source(path)
    assert ingest_bytes(data, path.name).text == SIMP


def _code_of_path(path: Path) -> str:
    with pytest.raises(PipelineError) as info:
        read_source(path)
    assert str(path) in info.value.message
    return info.value.code


def test_read_source_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert _code_of_path(fifo) == "unreadable"


def test_read_source_refuses_a_folder_and_a_broken_link(tmp_path: Path) -> None:
    folder = tmp_path / "x.txt"
    folder.mkdir()
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "missing.txt")
    assert _code_of_path(folder) == "unreadable"
    assert _code_of_path(link) == "unreadable"
    assert _code_of_path(tmp_path / "never.txt") == "unreadable"


def test_read_source_size_limits(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        f.truncate(51 * 1024 * 1024)
    assert big.stat().st_size > MAX_FILE_BYTES
    assert _code_of_path(big) == "too_large"
    empty = tmp_path / "empty.txt"
    empty.touch()
    assert _code_of_path(empty) == "empty"
