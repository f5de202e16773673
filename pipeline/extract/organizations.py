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

import regex

from pipeline.extract.policies import Candidate, SentenceIndex, left_boundary, resolve
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
    body_type: dict[str, str]
    not_after_body: tuple[str, ...]
    institutions: regex.Pattern
    institution_type: dict[str, str]
    institution_min_core: dict[str, int]
    designation_tails: tuple[str, ...]
    not_before_level: str
    not_after_institution: tuple[str, ...]
    generic_institution_cores: frozenset[str]
    enterprise_context: regex.Pattern
    foreign: regex.Pattern


def _alternation(words: Iterable[str]) -> str:
    return "|".join(regex.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = load_yaml("organizations.yaml")
    expansions = dict(data["expansions"])
    lexicon = {w: (w, t) for t, words in data["lexicon"].items() for w in words}
    for short, full in expansions.items():
        if full in lexicon:
            lexicon[short] = lexicon[full]
    body_type = {w: t for t, words in data["local_bodies"].items() for w in words}
    departments = f"(?:{_alternation(data['department_stems'])})(?:{_alternation(data['department_suffixes'])})"
    institution_type = {w: t for t, words in data["institution_suffixes"].items() for w in words}
    return _Rules(
        expansions=expansions,
        lexicon=lexicon,
        lexicon_re=regex.compile(_alternation(lexicon)),
        local_re=regex.compile(f"(?P<level>{data['level']})(?P<body>{departments}|{_alternation(body_type)})"),
        body_type=body_type,
        not_after_body=tuple(data["not_after_body"]),
        institutions=regex.compile(_alternation(institution_type)),
        institution_type=institution_type,
        institution_min_core=dict(data["institution_min_core"]),
        designation_tails=tuple(data["designation_tails"]),
        not_before_level=data["not_before_level"],
        not_after_institution=tuple(data["not_after_institution"]),
        generic_institution_cores=frozenset(data["generic_institution_cores"]),
        enterprise_context=regex.compile(data["enterprise_context"]),
        foreign=regex.compile(data["foreign"]),
    )


def _lexicon(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    for m in rules.lexicon_re.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        if len(m.group()) <= 2 and HAN.match(before or " ") and before not in SHORT_WORD_LEFT:
            continue
        name, kind = rules.lexicon[m.group()]
        yield Candidate(m.start(), m.end(), name, kind)


def _expand(body: str, *, rules: _Rules) -> str:
    return rules.expansions.get(body, body)


def _local(text: str, *, rules: _Rules) -> Iterable[Candidate]:
    """省委, 省人大常委会, 中共湖北省委, 省政府 (→ 省人民政府), 省生态环境厅."""
    for m in rules.local_re.finditer(text):
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
        kind = rules.institution_type[m.group()]
        if len(core) < rules.institution_min_core[kind] or core in rules.generic_institution_cores:
            continue
        if not all(HAN.match(ch) or ch in "·()（）" for ch in core):
            continue
        yield Candidate(start, m.end(), text[start:m.end()], kind)


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
    index = SentenceIndex(doc)
    out = []
    for c in resolve(cands):
        sent = index.usable(c.start, c.end)
        if sent is not None:
            out.append(Organization(sent_id=sent.sent_id, start=c.start, end=c.end,
                                    mention=text[c.start:c.end], name=c.name, type=c.type))
    return tuple(out)
