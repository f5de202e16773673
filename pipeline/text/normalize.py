"""Normalization (SPEC §3): the one text every later stage reads, with a map back to the raw text.

Full-width digits, Latin letters, `%`, `.` and spaces become half-width; Chinese punctuation stays.
Layout spaces between CJK characters and digits go. A line break is joined only inside body text —
never after a heading, section marker, dateline, salutation, issuer or byline line. Page furniture,
photo captions and bylines stay in the text but are returned as boilerplate spans.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from pipeline.records import Normalized, RawText
from pipeline.rules import load_yaml
from pipeline.text.structure import marker_at

CJK = r"\p{Han}"
LAYOUT_SPACE = regex.compile(rf"(?<=[{CJK}])[ \u3000]+(?=[0-9%])|(?<=[0-9%])[ \u3000]+(?=[{CJK}])")
PDF_CJK_SPACE = regex.compile(rf"(?<=[{CJK}，。、；：！？（）“”])[ \u3000]+(?=[{CJK}，。、；：！？（）“”])")
CAPTION_START = regex.compile(r"^\d{1,2}月\d{1,2}日")
LABEL_ALONE = regex.compile(r"^\s*(来源|作者|时间)[：:]?\s*$")
LINE_BREAK = regex.compile(r"\r\n?|\n")
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}
_FULLWIDTH |= {chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)}
_FULLWIDTH |= {chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)}
_FULLWIDTH |= {"％": "%", "．": ".", "\u3000": " ", "\xa0": " "}
_HALF_WIDTH = str.maketrans(_FULLWIDTH)


@dataclass(frozen=True)
class _Rules:
    furniture: tuple[regex.Pattern, ...]
    tail: tuple[regex.Pattern, ...]
    byline: tuple[regex.Pattern, ...]
    salutation: regex.Pattern
    dateline: regex.Pattern
    terminal: str
    min_body: int


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    r = load_yaml("normalize.yaml")
    return _Rules(
        furniture=tuple(regex.compile(p) for p in r["furniture_lines"]),
        tail=tuple(regex.compile(p) for p in r["furniture_tail"]),
        byline=tuple(regex.compile(p) for p in r["byline_lines"]),
        salutation=regex.compile(r["salutation"]),
        dateline=regex.compile(r["dateline"]),
        terminal=r["terminal_punct"],
        min_body=int(r["min_body_chars"]),
    )


@dataclass(frozen=True)
class _Line:
    start: int  # raw offset of the first character
    text: str
    kind: str  # blank / furniture / byline / caption / closed (never joined after) / body


def _classify(lines: list[tuple[int, str]], table_rows: frozenset[int] = frozenset()) -> list[_Line]:
    rules = _rules()
    out: list[_Line] = []
    for start, text in lines:
        s = text.strip()
        if not s:
            kind = "blank"
        elif start in table_rows:
            kind = "closed"  # a table row is never joined to the next line
        elif any(p.search(s) for p in rules.furniture):
            kind = "furniture"
        elif any(p.search(s) for p in rules.byline):
            kind = "byline"
        elif rules.salutation.search(s) or rules.dateline.search(s):
            kind = "closed"
        elif _is_body(s, rules):
            kind = "body"
        else:
            kind = "closed"
        out.append(_Line(start, text, kind))
    _mark_tail(out, rules)
    _mark_captions(out)
    _mark_label_values(out)
    return out


def _is_body(s: str, rules: _Rules) -> bool:
    """A line that may continue on the next: running text, not a title or heading line."""
    marker = marker_at(s)
    if marker and marker[0] <= 2 and not s.endswith(tuple(rules.terminal)):
        return False  # a `一、` or `(一)` heading
    inner = s[len(marker[1]) if marker else 0 : -1]
    has_punct = any(ch in inner for ch in "，。；：、！？")
    return has_punct or len(s) >= rules.min_body


def _mark_tail(lines: list[_Line], rules: _Rules) -> None:
    """Everything from a page-footer marker near the end of the document is furniture."""
    total = sum(len(x.text) + 1 for x in lines)
    for i, line in enumerate(lines):
        if line.start < total * 0.6:
            continue
        if any(p.search(line.text.strip()) for p in rules.tail):
            for j in range(i, len(lines)):
                if lines[j].kind != "blank":
                    lines[j] = _Line(lines[j].start, lines[j].text, "furniture")
            return


def _mark_captions(lines: list[_Line]) -> None:
    """The paragraph right before a photo byline is the photo's caption."""
    for i, line in enumerate(lines):
        if line.kind != "byline":
            continue
        j = i - 1
        while j >= 0 and lines[j].kind in ("blank", "byline"):
            j -= 1
        if j >= 0 and lines[j].kind == "body":
            prev = lines[j].text.strip()
            if CAPTION_START.match(prev) or len(prev) < 150:
                lines[j] = _Line(lines[j].start, lines[j].text, "caption")


def _mark_label_values(lines: list[_Line]) -> None:
    """`来源:` alone on its line is followed by its value on the next line."""
    for i, line in enumerate(lines[:-1]):
        if line.kind == "furniture" and LABEL_ALONE.match(line.text):
            nxt = lines[i + 1]
            if nxt.kind != "blank" and len(nxt.text.strip()) <= 20:
                lines[i + 1] = _Line(nxt.start, nxt.text, "furniture")


def _opens_item(line: str) -> bool:
    """A line that starts a section or a dash-led item never continues the line before it."""
    s = line.lstrip()
    return marker_at(s) is not None or s.startswith("——")


def _joins(prev: _Line, nxt: _Line, terminal: str) -> bool:
    s = prev.text.rstrip()
    return (
        prev.kind == "body"
        and nxt.kind == "body"
        and not s.endswith(tuple(terminal))
        and not _opens_item(nxt.text)
    )


def normalize(raw: RawText) -> Normalized:
    """Normalize `raw` and keep, for every output character, its offset in `raw.text`."""
    pos, lines = 0, []
    for brk in LINE_BREAK.finditer(raw.text):  # offsets stay those of raw.text, CR LF or not
        lines.append((pos, raw.text[pos:brk.start()]))
        pos = brk.end()
    lines.append((pos, raw.text[pos:]))
    classified = _classify(lines, frozenset(s for t in raw.tables for s in t.row_starts))
    terminal = _rules().terminal
    out: list[str] = []
    to_raw: list[int] = []
    spans: list[tuple[int, int]] = []
    nonblank = [i for i, x in enumerate(classified) if x.kind != "blank"]
    next_nonblank = {a: b for a, b in zip(nonblank, nonblank[1:])}
    skip_breaks_until = -1
    for i, line in enumerate(classified):
        if i <= skip_breaks_until and line.kind == "blank":
            continue
        begin = len(out)
        _emit(line, raw.fmt, out, to_raw)
        if line.kind in ("furniture", "byline", "caption") and len(out) > begin:
            spans.append((begin, len(out)))
        if i == len(classified) - 1:
            break
        j = next_nonblank.get(i)
        if line.kind != "blank" and j is not None and _joins(line, classified[j], terminal):
            skip_breaks_until = j - 1
            continue
        out.append("\n")
        to_raw.append(line.start + len(line.text))
    return Normalized(text="".join(out), to_raw=tuple(to_raw), boilerplate=_merge(spans))


def _emit(line: _Line, fmt: str, out: list[str], to_raw: list[int]) -> None:
    """Append one line, half-width, without layout spaces; trailing spaces of a line go."""
    s = line.text.rstrip(" \t\u3000") if line.kind != "blank" else ""
    half = s.translate(_HALF_WIDTH)  # one character for one: offsets stay aligned
    drops = [m.span() for pattern in ((LAYOUT_SPACE, PDF_CJK_SPACE) if fmt == "pdf" else (LAYOUT_SPACE,))
             for m in pattern.finditer(half)]
    if not drops:
        out.extend(half)
        to_raw.extend(range(line.start, line.start + len(half)))
        return
    keep = [True] * len(half)
    for start, end in drops:
        for k in range(start, end):
            keep[k] = False
    for k, ch in enumerate(half):
        if keep[k]:
            out.append(ch)
            to_raw.append(line.start + k)


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Adjacent boilerplate spans (separated only by line breaks) become one."""
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s - merged[-1][1] <= 2:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)
