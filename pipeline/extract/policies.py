"""Policies (SPEC §2): named programmes, plans, projects, systems, pilots, platforms, brands, laws.

Rules only (`rules/policies.yaml`). Four sources of candidates, resolved longest-span-first:
quoted names with the head noun the text attaches (`“1269”行动计划`), titles in book-title marks,
unquoted names ending in a head noun (scanned leftwards to the verb that introduces them:
`实施|长江大保护三年行动`), a lexicon of national programmes written without a head noun, and the
numbered glossary some reports end with. Offsets are into `doc.text`; nothing is normalized again.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import regex

from pipeline.extract.fastmatch import alternation
from pipeline.extract.spans import Candidate, in_sentences
from pipeline.records import Doc, Policy
from pipeline.rules import load_yaml

QUOTE_MARKS = "“”‘’《》「」『』\"'"
PAIRS = {"”": "“", "’": "‘", "》": "《", ")": "(", "）": "（", "」": "「", "』": "『"}
PARENTHESIS_TAIL = regex.compile(r"[（(][^（()）]{1,10}[)）]$")
QUOTED = regex.compile(r"“([^“”\n]{1,60})”|《([^《》\n]{1,80})》")
NAME_CHAR = regex.compile(r"[\p{Han}A-Za-z·+\-—]")
HAN_CHAR = regex.compile(r"\p{Han}")
CLAUSE_END = regex.compile(r"[，。；：！？、,;:!?\n“”《》()（）]")
#: a number of occurrences right after a head (活动1万场, 行动300余次): a class of events, not a name
COUNTED_AFTER = regex.compile(r"[\d.]+[余多]?[万千百]?(?:场次|场|次)")
DIGIT_RUN = regex.compile(r"\d*")
NOTES_HEADING = regex.compile(r"^\s*(名词解释|注释|附注|名词注释|说明)[：:]?\s*$", regex.M)


@dataclass(frozen=True)
class _Rules:
    head_type: dict[str, str]
    head_lengths: tuple[int, ...]  # of the head nouns, longest first
    heads: regex.Pattern
    attached_only: frozenset[str]
    attached_after: tuple[str, ...]
    route_heads: frozenset[str]
    route_max_core: int
    route_section: regex.Pattern
    not_names: regex.Pattern
    quote_prefixes: tuple[str, ...]
    document_heads: tuple[str, ...]
    min_core: dict[str, int]
    conjunctions: frozenset[str]
    measure_words: frozenset[str]
    period_quote: regex.Pattern
    not_head_before: tuple[str, ...]
    not_law_after: frozenset[str]
    left_stops: tuple[str, ...]
    name_starts: tuple[str, ...]
    phrase_breaks: tuple[str, ...]  # the left stops and name starts longer than one character
    generic_cores: frozenset[str]
    generic_core: regex.Pattern
    max_name_chars: int
    lexicon: dict[str, str]
    lexicon_re: regex.Pattern
    quoted_skip: tuple[regex.Pattern, ...]
    note_line: regex.Pattern
    document_words: tuple[str, ...]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = load_yaml("policies.yaml")
    head_type = {w: t for t, words in data["head_nouns"].items() for w in words}
    lexicon = {w: t for t, words in data["lexicon"].items() for w in words}
    return _Rules(
        head_type=head_type,
        head_lengths=tuple(sorted({len(w) for w in head_type}, reverse=True)),
        heads=regex.compile(alternation(head_type)),
        attached_only=frozenset(data["attached_only"]),
        attached_after=tuple(data["attached_after"]),
        route_heads=frozenset(data["route_heads"]),
        route_max_core=int(data["route_max_core"]),
        route_section=regex.compile(data["route_section"]),
        not_names=regex.compile(alternation(data["not_names"])),
        quote_prefixes=tuple(data["quote_prefixes"]),
        document_heads=tuple(data["document_heads"]),
        min_core=dict(data["min_core"]),
        conjunctions=frozenset(data["conjunctions"]),
        measure_words=frozenset(data["measure_words"]),
        period_quote=regex.compile(data["period_quote"]),
        not_head_before=tuple(data["not_head_before"]),
        not_law_after=frozenset(data["not_law_after"]),
        left_stops=tuple(sorted(data["left_stops"], key=len, reverse=True)),
        name_starts=tuple(sorted(data["name_starts"], key=len, reverse=True)),
        phrase_breaks=tuple(w for w in (*data["left_stops"], *data["name_starts"]) if len(w) > 1),
        generic_cores=frozenset(data["generic_cores"]),
        generic_core=regex.compile(data["generic_core"]),
        max_name_chars=int(data["max_name_chars"]),
        lexicon=lexicon,
        lexicon_re=regex.compile(alternation(lexicon)),
        quoted_skip=tuple(regex.compile(p) for p in data["quoted_skip"]),
        note_line=regex.compile(data["note_line"], regex.M),
        document_words=tuple(data["document_words"]),
    )


def strip_marks(s: str) -> str:
    """A name without quotation or book-title marks (SPEC §2)."""
    return "".join(ch for ch in s if ch not in QUOTE_MARKS)


def head_type_of(name: str, *, rules: _Rules | None = None) -> str:
    """The SPEC type of the longest head noun that ends `name`, else `other`."""
    rules = rules or _rules()
    for n in rules.head_lengths:
        if n <= len(name) and (kind := rules.head_type.get(name[-n:])):
            return kind
    return "other"


def _head_at(text: str, pos: int, *, rules: _Rules) -> int:
    """End of the head noun chain starting at `pos` (行动+计划, 制度+改革+先行区), or -1."""
    end = -1
    while True:
        m = rules.heads.match(text, pos)
        if not m or text.startswith(rules.not_head_before, m.end()):
            return end
        if m.group() == "法" and (pos == 0 or text[pos - 1] in rules.not_law_after):
            return end
        if end > 0 and m.group() in rules.attached_only and not text[:pos].endswith(rules.attached_after):
            return end
        end = pos = m.end()
        if m.group() in rules.route_heads:
            section = rules.route_section.match(text, end)
            return section.end() if section else end


def _attached_head(text: str, pos: int, *, rules: _Rules) -> int:
    """End of the longest head-noun phrase written right after a closing quote, or -1.

    `“双碳”综合评价考核制度` attaches 综合评价考核制度; the phrase runs to the clause's end at most.
    """
    if text.startswith("等", pos):  # “川品出川”等市场拓展活动: examples of a class, not its name
        return -1
    stop = CLAUSE_END.search(text, pos, pos + 20)
    limit = stop.start() if stop else min(len(text), pos + 20)
    for i in range(pos, limit):
        if i > pos and _breaks_phrase(text, i, rules=rules):
            break
        end = _head_at(text, i, rules=rules)
        if 0 < end <= limit:
            return end
    return -1


def _breaks_phrase(text: str, pos: int, *, rules: _Rules) -> bool:
    """A word at `pos` that no attached head phrase runs across (实施, 国家, 的, 等…)."""
    if text[pos] in "的等为是在以将" or text.startswith(("时期", "以来"), pos):
        return True
    return text.startswith(rules.phrase_breaks, pos)


def _quoted(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    for m in QUOTED.finditer(text):
        core = m.group(1) or m.group(2)
        if m.group(2) is not None:
            if _is_document(core, rules=rules):  # 《哪吒2》, 《家里家外》 are works, not documents
                yield Candidate(m.start(), m.end(), core, head_type_of(core, rules=rules))
            continue
        end = _attached_head(text, m.end(), rules=rules)
        if end > 0 and text[end - 2:end] in rules.attached_only and "、" in core:
            end = -1
        if end > 0:
            start, name = m.start(), core + text[m.end():end]
            if text[:start].endswith(rules.quote_prefixes):
                start, name = start - 2, text[start - 2:start] + name
            yield Candidate(start, end, name, head_type_of(name, rules=rules))
        elif not any(p.search(core) for p in rules.quoted_skip):
            yield Candidate(m.start(), m.end(), core, head_type_of(core, rules=rules))


def _is_document(title: str, *, rules: _Rules) -> bool:
    """A title in book-title marks that ends in a head noun or a document word (…条例, …的建议（草案）)."""
    bare = PARENTHESIS_TAIL.sub("", title)
    return bare.endswith(rules.document_words) or any(bare.endswith(h) for h in rules.head_type)


def scan_left(text: str, pos: int, *, head: str, rules: _Rules, name_starts: bool = True) -> int:
    """Where an unquoted name ending at `pos` begins: after the word that introduces it, at an
    opening quote, or at a word names start with (国家, 关于); -1 when no boundary is near."""
    floor = max(0, pos - rules.max_name_chars - 1)
    i = pos
    while i > floor:
        ch = text[i - 1]
        if ch in PAIRS:
            j = text.rfind(PAIRS[ch], floor, i - 1)
            quoted = text[j + 1:i - 1]
            if j < 0 or (ch == "”" and not rules.period_quote.match(quoted)):
                return j + 1 if j >= 0 and ch == "”" else i
            if j == 0 or not NAME_CHAR.match(text[j - 1]):
                return i
            i = j
            continue
        if ch == "的":
            j = text.rfind("关于", floor, i)
            if j >= 0 and not CLAUSE_END.search(text, j, i):
                return j
            if not head.endswith(rules.document_heads):
                return i
            i -= 1
            continue
        if ch.isdigit():
            if text[i] == "大":
                return i - len(DIGIT_RUN.match(text[floor:i][::-1]).group())
            return i + 1 if text[i] in rules.measure_words else i
        if not NAME_CHAR.match(ch):
            return i
        start = (next(w for w in rules.name_starts if text.endswith(w, 0, i))
                 if text.endswith(rules.name_starts, 0, i) else None)
        if start and name_starts and pos - i >= 2:
            # 健全|国企: the first character of 全国 closes a word that introduces the name
            if any(text.startswith(w, i - len(start) + 1 - len(w)) for w in rules.left_stops if len(w) > 1):
                return i - len(start) + 1
            return i - len(start)
        if ch in rules.conjunctions:
            if _ends_in_head(text, i - 1, rules=rules):
                return i
            i -= 1
            continue
        if text.endswith(rules.left_stops, 0, i):
            return i
        i -= 1
    return i if floor == 0 else -1


def left_boundary(text: str, pos: int, *, name_starts: bool = True) -> int:
    """Start of a name that ends at `pos` (also used for organization names), or -1."""
    return scan_left(text, pos, head="", rules=_rules(), name_starts=name_starts)


def _ends_in_head(text: str, pos: int, *, rules: _Rules) -> bool:
    return any(text.startswith(w, pos - len(w)) for w in rules.head_type)


def _headed(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    masked = {i for m in rules.not_names.finditer(text) for i in range(m.start(), m.end())}
    for m in rules.heads.finditer(text, overlapped=True):
        if m.start() in masked:
            continue
        if m.group() in rules.attached_only:
            continue
        end = _head_at(text, m.start(), rules=rules)
        if end < 0:
            continue
        if m.start() and text[m.start() - 1] == "等":  # “川超”等品牌, …等机制: a class, not a name
            continue
        if COUNTED_AFTER.match(text, end):  # 全民健身赛事活动1万场: counted occurrences
            continue
        start = scan_left(text, m.start(), head=text[m.start():end], rules=rules)
        if start < 0:
            continue
        if text[start:end] in rules.head_type:  # 深化|提升行动, 建设|三年行动: a bare head is no name,
            stop = next((w for w in rules.left_stops if text.endswith(w, 0, start)), "")  # the stop is inside it
            wider = scan_left(text, start - len(stop), head=text[m.start():end], rules=rules) if stop else -1
            if not (0 <= wider < start - len(stop) and len(text[start:end]) >= 4
                    and "等" not in text[wider:start] and HAN_CHAR.match(text[wider])):
                continue
            start = wider
        if start > 1 and text[start - 2:start] == "”等":  # “川品出川”等市场拓展活动: the class of quoted examples
            continue
        name = strip_marks(text[start:end])
        kind = head_type_of(name, rules=rules)
        core = strip_marks(text[start:m.start()])
        if _generic(core, kind=kind, quoted=text[start] == "“", rules=rules):
            continue
        if m.group() in rules.route_heads and len(core) > rules.route_max_core:
            # …重点工程隆泸叙铁路: the route's own name starts after the last head noun before it
            last = max((h.end() for h in rules.heads.finditer(text, start, m.start(), overlapped=True)
                        if h.end() < m.start()), default=-1)
            if last < 0 or not 2 <= m.start() - last <= rules.route_max_core:
                continue
            start, core = last, text[last:m.start()]
            name = strip_marks(text[start:end])
        bare = next((name[len(w):] for w in rules.name_starts if name.startswith(w)), "")
        if bare in rules.lexicon:
            yield Candidate(start + len(name) - len(bare), end, bare, rules.lexicon[bare])
            continue
        yield Candidate(start, end, name, kind)


def _generic(core: str, *, kind: str, quoted: bool, rules: _Rules) -> bool:
    """A core that only describes (考核制度, 各类试点, 全国区域品牌) rather than names."""
    bare = next((core[len(w):] for w in rules.name_starts if core.startswith(w)), core)
    if bare in rules.generic_cores or core in rules.generic_cores or rules.generic_core.match(core):
        return True
    return not quoted and len(core) < rules.min_core.get(kind, rules.min_core["default"])


def _lexicon(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    for m in rules.lexicon_re.finditer(text):
        yield Candidate(m.start(), m.end(), m.group(), rules.lexicon[m.group()])


def _notes(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    """Entries of a closing glossary (名词解释): `18.创新药“护苗”行动：…` names a programme."""
    heading = NOTES_HEADING.search(text)
    if not heading:
        return
    for m in rules.note_line.finditer(text, heading.end()):
        name = strip_marks(m.group(1)).strip()
        yield Candidate(m.start(1), m.end(1), name, head_type_of(name, rules=rules))


def extract_policies(doc: Doc) -> tuple[Policy, ...]:
    """Policy mentions of one document, in text order; the rule that found each is `rule`."""
    rules = _rules()
    text = doc.text
    cands = [*_quoted(text, rules=rules), *_headed(text, rules=rules), *_lexicon(text, rules=rules),
             *_notes(text, rules=rules)]
    out = []
    for sent, c in in_sentences(doc, cands):
        if c.name:
            out.append(Policy(sent_id=sent.sent_id, start=c.start, end=c.end, mention=text[c.start:c.end],
                              name=c.name, type=c.type))
    return tuple(out)
