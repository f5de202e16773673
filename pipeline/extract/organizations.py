"""Organizations (SPEC §2): government bodies, party and assembly organs, companies, associations,
foreign bodies.

Rules only (`rules/organizations.yaml`): a lexicon of national bodies and well-known enterprises,
local bodies written as a level plus a body word (省委, 省人大常委会, 湖北省人民政府, 省生态环境厅),
institutions named by a suffix (…中心, …集团公司, …联盟) whose name runs left to the word that
introduces it, companies recognized by what the text says they do, and foreign agencies. Names are
as written except the standard abbreviations of the rules (省政府 → 省人民政府, 央视 → 中央电视台).
Meetings (…人民代表大会第四次会议) and 中央 alone are never matched.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import ahocorasick
import regex

from pipeline.extract.policies import left_boundary
from pipeline.extract.spans import Candidate, in_sentences
from pipeline.extract.fastmatch import alternation, finditer_at
from pipeline.records import Doc, Organization
from pipeline.rules import load_yaml

HAN = regex.compile(r"\p{Han}")
# Characters that may stand right before a two-character lexicon word (对东盟, 和央视, 、中办).
SHORT_WORD_LEFT = set("、和与及对同向在经被由获据")


@dataclass(frozen=True)
class _Rules:
    expansions: dict[str, str]
    lexicon: dict[str, tuple[str, str]]  # surface → (name, type)
    lexicon_re: regex.Pattern
    local_re: regex.Pattern
    local_names: ahocorasick.Automaton  # the division names local_re starts with
    local_level: regex.Pattern  # its other start, rules' `level`
    body_type: dict[str, str]
    not_after_body: tuple[str, ...]
    institutions: regex.Pattern
    institution_type: dict[str, str]
    institution_min_core: dict[str, int]
    suffix_min_core: dict[str, int]
    designation_tails: tuple[str, ...]
    not_before_level: str
    not_after_institution: tuple[str, ...]
    generic_institution_cores: frozenset[str]
    enterprise_context: regex.Pattern
    foreign: regex.Pattern
    branch_re: regex.Pattern
    generic_prefix_re: regex.Pattern
    counted_before: regex.Pattern
    counted_after: regex.Pattern
    institution_left_stops: tuple[str, ...]


def _division_names(*, short: bool) -> list[str]:
    """Full names of the gazetteer's divisions (长沙市, 宁夏回族自治区), with their short forms
    (湖南, 茂名) when asked; one- and two-character full names (城区) are left out."""
    from pipeline.extract.places import _gazetteer

    names = []
    for div in _gazetteer().divisions.values():
        if len(div.name) >= 3:
            names.append(div.name)
        if short:
            names.extend(s for s in div.short if len(s) >= 2)
    return names


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = load_yaml("organizations.yaml")
    expansions = dict(data["expansions"])
    lexicon = {w: (w, t) for t, words in data["lexicon"].items() for w in words}
    for short, full in expansions.items():
        if full in lexicon:
            lexicon[short] = lexicon[full]
    body_type = {w: t for t, words in data["local_bodies"].items() for w in words}
    departments = f"(?:{alternation(data['department_stems'])})(?:{alternation(data['department_suffixes'])})"
    institution_type = {w: t for t, words in data["institution_suffixes"].items() for w in words}
    local_names = ahocorasick.Automaton()
    for name in _division_names(short=False):
        local_names.add_word(name, len(name))
    local_names.make_automaton()
    return _Rules(
        expansions=expansions,
        lexicon=lexicon,
        lexicon_re=regex.compile(alternation(lexicon)),
        local_re=regex.compile(f"(?P<level>(?:中共)?(?:{alternation(_division_names(short=False))})|{data['level']})"
                               f"(?P<body>{departments}|{alternation(body_type)})"),
        local_names=local_names,
        local_level=regex.compile(data["level"]),
        body_type=body_type,
        not_after_body=tuple(data["not_after_body"]),
        institutions=regex.compile(alternation(institution_type)),
        institution_type=institution_type,
        institution_min_core=dict(data["institution_min_core"]),
        suffix_min_core=dict(data["suffix_min_core"]),
        designation_tails=tuple(data["designation_tails"]),
        not_before_level=data["not_before_level"],
        not_after_institution=tuple(data["not_after_institution"]),
        generic_institution_cores=frozenset(data["generic_institution_cores"]),
        enterprise_context=regex.compile(data["enterprise_context"]),
        foreign=regex.compile(data["foreign"]),
        branch_re=regex.compile(f"(?:{alternation(_division_names(short=True))})?(?:{alternation(data['branch_suffixes'])})"),
        generic_prefix_re=regex.compile(f"^(?:{alternation(data['generic_prefixes'])})+"),
        counted_before=regex.compile(data["counted_before"]),
        counted_after=regex.compile(data["counted_after"]),
        institution_left_stops=tuple(data["institution_left_stops"]),
    )


def _lexicon(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    for m in rules.lexicon_re.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        if len(m.group()) <= 2 and HAN.match(before or " ") and before not in SHORT_WORD_LEFT:
            continue
        name, kind = rules.lexicon[m.group()]
        branch = rules.branch_re.match(text, m.end())
        if branch:  # 国家统计局湖南调查总队: a local branch, named as written
            yield Candidate(m.start(), branch.end(), text[m.start():branch.end()], kind)
            continue
        yield Candidate(m.start(), m.end(), name, kind)


def _expand(body: str, *, rules: _Rules) -> str:
    return rules.expansions.get(body, body)


def _local(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    """省委, 省人大常委会, 中共湖北省委, 省政府 (→ 省人民政府), 省生态环境厅."""
    names = (end + 1 - n for end, n in rules.local_names.iter(text)) if len(rules.local_names) else ()
    starts = [*names, *(m.start() for m in rules.local_level.finditer(text, overlapped=True))]
    starts += [s - 2 for s in starts if s >= 2 and text.startswith("中共", s - 2)]
    for m in finditer_at(rules.local_re, text, starts):
        level, body = m.group("level"), m.group("body")
        if text.startswith(rules.not_after_body, m.end()):
            continue
        if len(level) == 1 and m.start() and text[m.start() - 1] in rules.not_before_level:
            continue
        kind = rules.body_type.get(body, "government")
        yield Candidate(m.start(), m.end(), level + _expand(body, rules=rules), kind)


def _institutions(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    """Names ending in an institution suffix: 国家技术转移中部中心, 新钢集团公司, …联盟."""
    for m in rules.institutions.finditer(text):
        if text.startswith(rules.not_after_institution, m.end()) or text[:m.end()].endswith(rules.designation_tails):
            continue
        start = left_boundary(text, m.start(), name_starts=False)
        core = text[start:m.start()] if start >= 0 else ""
        cut = max((core.rfind(w) + len(w) for w in rules.institution_left_stops if w in core), default=0)
        start, core = start + cut, core[cut:]
        kind = rules.institution_type[m.group()]
        min_core = rules.suffix_min_core.get(m.group(), rules.institution_min_core[kind])
        if len(core) < min_core or _generic_core(core, rules=rules):
            continue
        if rules.counted_before.search(text[max(0, start - 6):start]) or rules.counted_after.match(text[m.end():]):
            continue
        if not all(HAN.match(ch) or ch in "·()（）" for ch in core):
            continue
        yield Candidate(start, m.end(), text[start:m.end()], kind)


def _generic_core(core: str, *, rules: _Rules) -> bool:
    """A core that only classifies (省级概念验证, 国家区域医疗, 社区综合服务), with or without level words."""
    bare = rules.generic_prefix_re.sub("", core)
    return core in rules.generic_institution_cores or not bare or bare in rules.generic_institution_cores


def _patterns(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    for m in rules.enterprise_context.finditer(text):
        start = max(m.start(1), left_boundary(text, m.end(1)))
        if m.end(1) - start >= 4:
            yield Candidate(start, m.end(1), text[start:m.end(1)], "enterprise")
    for m in rules.foreign.finditer(text):
        yield Candidate(m.start(), m.end(), m.group(), "foreign")


def extract_organizations(doc: Doc) -> tuple[Organization, ...]:
    """Organization mentions of one document, in text order."""
    rules = _rules()
    text = doc.text
    cands = [*_lexicon(text, rules=rules), *_local(text, rules=rules), *_institutions(text, rules=rules),
             *_patterns(text, rules=rules)]
    out = []
    for sent, c in in_sentences(doc, cands):
        out.append(Organization(sent_id=sent.sent_id, start=c.start, end=c.end,
                                mention=text[c.start:c.end], name=c.name, type=c.type))
    return tuple(out)
