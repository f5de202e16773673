"""Builders of hostile and awkward inputs, each small and made in a few milliseconds."""
from __future__ import annotations

import io
import struct
import zipfile

import docx
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from test_ingest import CID_PAGE, FONT, GOOD_PAGE, _hand_pdf

# Written for these tests: a short report in simplified characters and the same in traditional ones.
SIMP = (
    "2025年政府工作报告\n"
    "各位代表：\n"
    "过去一年，全省地区生产总值增长5.1%，达到3.4万亿元。城乡居民收入持续增加，新增城镇就业人数超过50万人。\n"
    "一、生态环境\n"
    "全省空气质量优良天数比例达到92.4%，森林覆盖率稳定在63.35%。\n"
)
TRAD = (
    "2025年政府工作報告\n"
    "各位代表：\n"
    "過去一年，全省地區生產總值增長5.1%，達到3.4萬億元。城鄉居民收入持續增加，新增城鎮就業人數超過50萬人。\n"
    "一、生態環境\n"
    "全省空氣質量優良天數比例達到92.4%，森林覆蓋率穩定在63.35%。\n"
)
PDF_LINES = ("2025年政府工作报告", "各位代表：", "全省空气质量优良天数比例达到92.4%。")


def pdf(*, lines: tuple[str, ...] = PDF_LINES, encrypt: StandardEncryption | None = None) -> bytes:
    """A one-page PDF in a CJK font."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    c.setFont(FONT, 12)
    for i, line in enumerate(lines):
        c.drawString(72, 760 - 24 * i, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def user_password_pdf() -> bytes:
    return pdf(encrypt=StandardEncryption("secret", ownerPassword="owner"))


OWNER_LINES = ("Annual report 2025", "GDP grew 5.1% in 2025.")


def owner_password_pdf() -> bytes:
    """Readable without a password, but copying and printing are restricted.

    Latin text in Helvetica: reportlab leaves the strings of a CID font's CIDSystemInfo unencrypted,
    so a reader that (correctly) decrypts them loses the CJK mapping of a reportlab-made file.
    """
    encrypt = StandardEncryption("", ownerPassword="owner", canPrint=0, canCopy=0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    c.setFont("Helvetica", 12)
    for i, line in enumerate(OWNER_LINES):
        c.drawString(72, 760 - 24 * i, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(Image.new("RGB", (200, 100), "white")), 72, 500, width=400, height=200)
    c.showPage()
    c.save()
    return buf.getvalue()


def cid_pdf(*, readable_pages: int) -> bytes:
    """Two pages whose glyphs have no Unicode mapping (`(cid:…)`), after `readable_pages` good ones."""
    return _hand_pdf([GOOD_PAGE] * readable_pages + [CID_PAGE, CID_PAGE])


def docx_file(text: str = SIMP) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def declared_bomb(*, declared: int = 300 << 20) -> bytes:
    """A tiny .docx whose word/document.xml says it inflates to `declared` bytes.

    The sizes are patched in the local header and the central directory, so only a reader that
    trusts the declared sizes (and inflates nothing) can refuse it without a long inflate.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>" * 50)
    data = bytearray(buf.getvalue())
    name = b"word/document.xml"
    local = data.index(b"PK\x03\x04\x14\x00", data.index(b"PK\x03\x04") + 4)  # second local header
    assert data[local + 30: local + 30 + len(name)] == name
    struct.pack_into("<I", data, local + 22, declared)
    central = data.rindex(b"PK\x01\x02")  # the last entry of the central directory
    assert data[central + 46: central + 46 + len(name)] == name
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def ratio_bomb(*, zeros: int = 4 << 20) -> bytes:
    """A .docx whose document part really inflates about 1000× (4 MB of zeros in a few KB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", bytes(zeros))
    return buf.getvalue()
