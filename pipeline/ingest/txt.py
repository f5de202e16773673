"""Plain text: decode whatever encoding a Chinese report was saved in.

Order matters: a byte-order mark is authoritative; BOM-less UTF-16 is recognised before UTF-8
(ASCII in UTF-16 is valid UTF-8 full of NULs); strict UTF-8 comes next because it almost never
decodes anything else by accident; only then is `charset-normalizer` asked.  The detector often
names gb2312 or cp1252 for GBK and cannot always tell GBK from Big5 on a short text, so the two
Chinese families are arbitrated by how many of the decoded characters are common characters
(GB2312 level 1 or Big5 常用字) — a wrong decoding lands mostly on rare ones.
"""
from __future__ import annotations

import codecs
import unicodedata
from collections import Counter

import charset_normalizer
import regex
from charset_normalizer.utils import is_multi_byte_encoding

from pipeline.ingest.base import single_page
from pipeline.records import PipelineError, RawText

_BOMS = (  # UTF-32 LE before UTF-16 LE: its BOM starts with the UTF-16 LE BOM
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# File signatures of binary formats that are never text, named in the error message.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.doc/.xls)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "a Windows executable"),
)
# Encodings a detector reports for Chinese bytes; a single-byte code page is a misdetection.
_CHINESE = {"gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950"}
_CHINESE_CANDIDATES = ("gb18030", "cp950")
_ALLOWED_CONTROLS = set("\t\n\r\f\v")
_NEWLINES = regex.compile(r"\r\n?")
_BAD_CATEGORIES = {"Cc", "Cs", "Co", "Cn"}
_MAX_BAD_SHARE = 0.02
_MIN_COMMON_SHARE = 0.5
# High bytes of UTF-16 code units that Chinese text is made of: ASCII/Latin-1, general
# punctuation, CJK symbols, CJK ideographs (incl. extension A), fullwidth forms.
_UTF16_HIGH_BYTES = bytes([0x00, 0x20, 0x30, 0xFF, *range(0x34, 0xA0)])
_MIN_UTF16_SHARE = 0.9


def read_txt(data: bytes, name: str) -> RawText:
    text, encoding = decode_text(data, name)
    text = _NEWLINES.sub("\n", text)
    return RawText(text=text, fmt="txt", encoding=encoding, line_pages=single_page(text))


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode `data` to str (BOM removed) and name the codec used; binary data is refused."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as e:
                raise PipelineError(
                    "unreadable",
                    f"{name}: starts with a {codec} byte-order mark but is not valid {codec} "
                    f"(bad bytes at offset {e.start})",
                ) from e
    utf16 = _bomless_utf16(data)
    if utf16:
        return _checked(data.decode(utf16), utf16, name), utf16
    try:
        return _checked(data.decode("utf-8"), "utf-8", name), "utf-8"
    except UnicodeDecodeError:
        pass
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise PipelineError("unreadable", f"{name}: binary data ({what}), not text")
    if b"\x00" in data:
        raise PipelineError("unreadable", f"{name}: binary data (contains NUL bytes), not text")
    best = charset_normalizer.from_bytes(data).best()
    detected = best.encoding if best is not None else ""
    chinese = _best_chinese(data)
    if chinese and (
        best is None
        or detected in _CHINESE
        or not is_multi_byte_encoding(detected)
        or _plausible_share(chinese[0]) > _plausible_share(str(best))
    ):
        text, codec = chinese
        return _checked(text, codec, name), codec
    if best is None:
        raise PipelineError(
            "unreadable", f"{name}: the bytes decode in no known text encoding (binary data?)"
        )
    return _checked(str(best), detected, name), detected


def _bomless_utf16(data: bytes) -> str:
    """'utf-16-le'/'utf-16-be' when the high bytes of the code units look like Chinese text."""
    if len(data) < 8 or len(data) % 2:
        return ""
    units = len(data) // 2
    for codec, high in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        if len(high) - len(high.translate(None, _UTF16_HIGH_BYTES)) >= _MIN_UTF16_SHARE * units:
            low = data[0::2] if codec == "utf-16-le" else data[1::2]
            if low.count(0) > units // 2:  # NUL low bytes: this is the other byte order
                continue
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if _plausible_share(text) >= _MIN_UTF16_SHARE:
                return codec
    return ""


def _best_chinese(data: bytes) -> tuple[str, str] | None:
    """The GB18030 or Big5 (cp950) decoding made most of ASCII, punctuation and common hanzi;
    GB18030 on a tie, as mainland reports are far more often GBK."""
    scored = []
    for codec in _CHINESE_CANDIDATES:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        share = _plausible_share(text)
        if share >= _MIN_COMMON_SHARE:
            scored.append((share, codec == "gb18030", text, codec))
    if not scored:
        return None
    _, _, text, codec = max(scored)
    return text, codec


def _plausible_share(text: str) -> float:
    """Share of ASCII, punctuation and common hanzi, simplified or traditional.

    A misreading gives rare ideographs, hangul or kana instead: Big5 read as GBK and vice versa,
    either taken for UTF-16, or a short Chinese text that the detector calls cp949 or cp932.  The
    price: legacy Korean (EUC-KR puts hangul where GB2312 has common hanzi) is read as Chinese.
    """
    counts = Counter(text)
    good = sum(n for c, n in counts.items() if c.isascii() or _common_chinese(c))
    return good / len(text)


def _common_chinese(char: str) -> bool:
    """GB2312 punctuation (rows A1, A3) or level-1 hanzi (B0–D7), or Big5 punctuation (A1) or
    常用字 (A4–C6): derived from the codecs, so no character list is kept here."""
    try:
        lead = char.encode("gb2312")[0]
        if lead in (0xA1, 0xA3) or 0xB0 <= lead <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        lead = char.encode("big5")[0]
    except UnicodeEncodeError:
        return False
    return lead == 0xA1 or 0xA4 <= lead <= 0xC6


def _checked(text: str, codec: str, name: str) -> str:
    """Refuse a decoding that is mostly control, unassigned or replacement characters."""
    counts = Counter(text)
    visible = sum(n for c, n in counts.items() if not c.isspace())
    bad = sum(
        n
        for c, n in counts.items()
        if c == "\ufffd"
        or (c not in _ALLOWED_CONTROLS and unicodedata.category(c) in _BAD_CATEGORIES)
    )
    if visible and bad > _MAX_BAD_SHARE * visible:
        raise PipelineError(
            "unreadable",
            f"{name}: binary data, not text ({bad} of {visible} characters are control or "
            f"undecodable characters when read as {codec})",
        )
    return text
