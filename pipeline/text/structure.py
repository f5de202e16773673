"""Structure (SPEC §2): paragraphs, sections with their markers and nesting, sentences.

Markers rank `一、` > `(一)` > `一是` > `1.`; a section opens at a marker at the start of a
paragraph, and an `一是` also where it follows the end of a sentence. A section's parent is the
nearest open section of a higher rank; a repeated ordinal under the same parent is a new sibling.
"""
from __future__ import annotations

import bisect

import regex

from pipeline.records import Section, Sentence

NUM = "一二三四五六七八九十"
MARKERS = (
    (1, regex.compile(rf"[{NUM}]{{1,3}}、")),
    (2, regex.compile(rf"[（(][{NUM}]{{1,3}}[)）]")),
    (3, regex.compile(rf"[{NUM}]{{1,2}}是(?=[\p{{Han}}“《])")),
    (4, regex.compile(r"\d{1,2}[.、．](?![\d%])|[（(]\d{1,2}[)）]")),
)
INLINE_SHI = regex.compile(rf"(?<=[。；！？])[{NUM}]{{1,2}}是(?=[\p{{Han}}“《])")
SENT_END = "。！？；!?;"
OPEN_CLOSE = {"“": "”", "‘": "’", "（": "）", "(": ")", "《": "》", "【": "】", "「": "」", "『": "』", "[": "]"}
CLOSERS = {v: k for k, v in OPEN_CLOSE.items()}
MAX_SENTENCE = 600  # an unbalanced quote never swallows more than this


def paragraphs(text: str) -> tuple[tuple[int, int], ...]:
    """Non-empty lines, as (start, end) without surrounding spaces."""
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            s = pos + line.index(stripped[0])
            out.append((s, s + len(stripped)))
        pos += len(line) + 1
    return tuple(out)


def marker_at(text: str, pos: int = 0) -> tuple[int, str] | None:
    """The section marker starting at `pos` with its rank (1 `一、` … 4 `1.`), else None."""
    for rank, pattern in MARKERS:
        m = pattern.match(text, pos)
        if m:
            return rank, m.group()
    return None


def _title(text: str, start: int, end: int) -> str:
    """A heading's title: the rest of its line, or for a run-in marker its first sentence."""
    line_end = text.find("\n", start)
    line_end = end if line_end < 0 else min(line_end, end)
    stop = line_end
    for i in range(start, line_end):
        if text[i] in "。！？；":
            stop = i
            break
    return text[start:stop].strip()


def sections(text: str, paras: tuple[tuple[int, int], ...],
             boilerplate: tuple[tuple[int, int], ...] = ()) -> tuple[Section, ...]:
    """Every marked section with its level (depth in the tree) and span."""
    opens: list[tuple[int, int, str, int]] = []  # (position, rank, marker, marker end)
    for s, e in paras:
        if any(bs <= s < be for bs, be in boilerplate):
            continue
        found = marker_at(text, s)
        if found:
            opens.append((s, found[0], found[1], s + len(found[1])))
        for m in INLINE_SHI.finditer(text, s, e):
            opens.append((m.start(), 3, m.group(), m.end()))
    opens.sort()
    stack: list[tuple[int, int]] = []  # (rank, index into result)
    built: list[dict] = []
    for pos, rank, marker, mend in opens:
        while stack and stack[-1][0] >= rank:
            built[stack[-1][1]]["end"] = pos
            stack.pop()
        parent = built[stack[-1][1]]["section_id"] if stack else ""
        sid = f"s{len(built) + 1}"
        built.append(dict(section_id=sid, parent_id=parent, level=len(stack) + 1, marker=marker,
                          start=pos, end=len(text), mend=mend))
        stack.append((rank, len(built) - 1))
    result = []
    for b in built:
        result.append(Section(section_id=b["section_id"], parent_id=b["parent_id"], level=b["level"],
                              marker=b["marker"], title=_title(text, b["mend"], b["end"]),
                              start=b["start"], end=b["end"]))
    return tuple(result)


def _innermost(secs: tuple[Section, ...], starts: list[int], pos: int) -> str:
    """The deepest section containing `pos` (sections are nested and sorted by start)."""
    i = bisect.bisect_right(starts, pos) - 1
    while i >= 0:
        if secs[i].start <= pos < secs[i].end:
            return secs[i].section_id
        i -= 1
    return ""


def sentences(text: str, paras: tuple[tuple[int, int], ...], secs: tuple[Section, ...],
              boilerplate: tuple[tuple[int, int], ...] = ()) -> tuple[Sentence, ...]:
    """Split on 。！？； and paragraph ends, never inside quotes or brackets."""
    starts = [s.start for s in secs]
    out: list[Sentence] = []
    for pi, (ps, pe) in enumerate(paras):
        for s, e in _split(text, ps, pe):
            out.append(Sentence(sent_id=len(out), section_id=_innermost(secs, starts, s), start=s, end=e,
                                text=text[s:e], paragraph=pi,
                                boilerplate=any(bs < e and s < be for bs, be in boilerplate)))
    return tuple(out)


def _split(text: str, ps: int, pe: int) -> list[tuple[int, int]]:
    spans, start, depth, opened_at = [], ps, [], ps
    i = ps
    while i < pe:
        ch = text[i]
        if ch in OPEN_CLOSE:
            if not depth:
                opened_at = i
            depth.append(OPEN_CLOSE[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
        elif ch in CLOSERS and ch in depth:
            while depth and depth.pop() != ch:
                pass
        if depth and i - opened_at > MAX_SENTENCE:
            depth.clear()
        if ch in SENT_END and not depth:
            end = i + 1
            while end < pe and text[end] in "”’」』）)":
                end += 1
            spans.append((start, end))
            i = end
            while i < pe and text[i].isspace():
                i += 1
            start = i
            continue
        i += 1
    if start < pe:
        spans.append((start, pe))
    return [(s, e) for s, e in spans if text[s:e].strip()]
