"""Places (SPEC §2 places): gazetteer matching over the normalized text, and the gazetteer API
that other stages use to resolve names and codes.

Every division, short form, historical name and feature of `rules/gazetteer/` goes into one
Aho-Corasick automaton; matches are filtered (word boundaries from a private jieba tokenizer,
product names, common words outside lists of places), the longest wins, and a few nested places
of another kind are kept (`庐山` in `庐山国家植物园`). Ambiguous names resolve inside the
document's own region first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import ahocorasick

from pipeline.compiled import cached
from pipeline.records import Doc, Place
from pipeline.rules import load_tsv, load_yaml
from pipeline.text.segment import token_edges

LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2}
QUOTES = "“”\"'‘’《》「」"
LIST_JOINERS = "、和及与"
#: the head of a title: a region named later in a long title is not the issuing one
TITLE_SPAN = 200
#: a run of this many abbreviations names a region of its own (赣浙皖闽, 鄂湘赣), not a mere pair
REGION_RUN = 3


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str
    short: tuple[str, ...] = ()
    valid_from: str = ""
    valid_to: str = ""


@dataclass(frozen=True)
class _Target:
    """What a surface string can stand for: division codes or one feature."""

    codes: tuple[str, ...] = ()
    feature: str = ""
    feature_type: str = ""
    how: str = "full"  # full / short / common / history / feature


@dataclass(frozen=True)
class _Gazetteer:
    divisions: dict[str, Division]
    targets: dict[str, _Target]
    by_name: dict[str, tuple[str, ...]]  # every division surface → codes, for lookup()
    abbreviations: dict[str, tuple[str, bool]]
    automaton: ahocorasick.Automaton


def _split(cell: str) -> tuple[str, ...]:
    return tuple(cell.split()) if cell else ()


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    """The gazetteer and its automaton, from the compiled-rules cache (built there once per rules change)."""
    return cached("gazetteer.pickle", _build_gazetteer, builder=__file__)


def _build_gazetteer() -> _Gazetteer:
    divisions: dict[str, Division] = {}
    surfaces: dict[str, dict[str, list[str]]] = {}  # surface → how → codes

    def add(surface: str, how: str, code: str) -> None:
        surfaces.setdefault(surface, {}).setdefault(how, []).append(code)

    for row in load_tsv("gazetteer/divisions.tsv"):
        div = Division(row["code"], row["name"], row["level"], row["parent_code"], _split(row["short"]),
                       row["valid_from"], row["valid_to"])
        divisions[div.code] = div
        common = _split(row["short_common"])
        add(div.name, "common" if div.name in common else "full", div.code)
        for s in div.short:
            add(s, "short", div.code)
        for s in common:
            if s != div.name:
                add(s, "common", div.code)
    for row in load_tsv("gazetteer/history.tsv"):
        if row["new_code"] and row["old_name"] not in surfaces:
            add(row["old_name"], "history", row["new_code"])

    by_name = {s: tuple(dict.fromkeys(c for codes in hows.values() for c in codes)) for s, hows in surfaces.items()}
    targets: dict[str, _Target] = {}
    for surface, hows in surfaces.items():
        how = next(h for h in ("full", "short", "history", "common") if h in hows)
        targets[surface] = _Target(codes=tuple(dict.fromkeys(hows[how])), how=how)

    for row in load_tsv("gazetteer/features.tsv"):
        for surface in (row["name"], *_split(row["aliases"])):
            current = targets.get(surface)
            outranks = current is None or all(divisions[c].level == "county" for c in current.codes)
            if outranks or current.how == "common":
                targets[surface] = _Target(feature=row["name"], feature_type=row["type"], how="feature")

    abbreviations = {r["abbr"]: (r["code"], r["strong"] == "1") for r in load_tsv("gazetteer/abbreviations.tsv")}
    automaton = ahocorasick.Automaton()
    for surface in targets:
        if len(surface) >= 2:
            automaton.add_word(surface, surface)
    automaton.make_automaton()
    return _Gazetteer(divisions, targets, by_name, abbreviations, automaton)


@lru_cache(maxsize=1)
def _rules() -> dict:
    return load_yaml("places.yaml")


def lookup(name: str) -> tuple[Division, ...]:
    """Divisions a name can stand for (full name, short form or historical name), best first."""
    gaz = _gazetteer()
    codes = gaz.by_name.get(name.strip(), ())
    return tuple(sorted((gaz.divisions[c] for c in codes), key=lambda d: (LEVEL_RANK[d.level], d.code)))


def division(code: str) -> Division | None:
    return _gazetteer().divisions.get(code)


def province_of(code: str) -> Division | None:
    return division(code[:2] + "0000") if len(code) == 6 else None


def _ancestor(code: str, level: str) -> Division | None:
    div = division(code)
    while div is not None and LEVEL_RANK[div.level] > LEVEL_RANK[level]:
        div = division(div.parent_code)
    return div if div is not None and div.level == level else None


def _inside(code: str, region_code: str) -> bool:
    """Whether division `code` is `region_code` or lies inside it."""
    div = division(code)
    while div is not None:
        if div.code == region_code:
            return True
        div = division(div.parent_code)
    return False


def _resolve(codes: tuple[str, ...], region_code: str) -> tuple[str, tuple[str, ...]]:
    """The chosen code and the other candidates: inside the document's region first, then the
    higher level (恩施 → 恩施州 before 恩施市), then the lower code for a stable choice."""
    def key(c: str) -> tuple[int, int, str]:
        near = 0 if region_code and (_inside(c, region_code) or _inside(region_code, c)) else 1
        return (near, LEVEL_RANK[division(c).level], c)

    ordered = sorted(codes, key=key)
    return ordered[0], tuple(ordered[1:])


def infer_region(text: str) -> Division | None:
    """The issuing region from a title or first lines: the first division named, narrowed to a
    division inside it named right after (`杭州市西湖区` → 西湖区)."""
    gaz = _gazetteer()
    head = text[:TITLE_SPAN]
    found: list[tuple[int, int, str]] = []
    for end, surface in gaz.automaton.iter(head):
        target = gaz.targets[surface]
        if target.codes and target.how in ("full", "short", "history"):
            found.append((end - len(surface) + 1, -len(surface), surface))
    best: Division | None = None
    last_end = -1
    for start, neg_len, surface in sorted(found):
        if start < last_end:
            continue
        codes = gaz.targets[surface].codes
        if best is None:
            best = division(_resolve(codes, "")[0])
        else:
            inner = [c for c in codes if c != best.code and _inside(c, best.code)]
            if not inner:
                break
            best = division(_resolve(tuple(inner), best.code)[0])
        last_end = start - neg_len
    return best


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    surface: str
    target: _Target


def _abbreviation_runs(text: str) -> list[tuple[int, int]]:
    """Spans of consecutive province abbreviations (赣粤, 鄂湘赣)."""
    return [m.span() for m in _abbreviation_run_re().finditer(text)]


@lru_cache(maxsize=1)
def _abbreviation_run_re() -> re.Pattern:
    chars = "".join(sorted(a for a in _gazetteer().abbreviations if len(a) == 1))
    return re.compile(f"[{re.escape(chars)}]+" if chars else "(?!)")


def _boundaries(text: str, positions: Iterable[int]) -> set[int]:
    """Those of `positions` that are token edges of a sentence from the project's private
    tokenizer; HMM off so unknown names split into characters and never glue onto their
    neighbours. A run of abbreviations is a word of its own (赣粤|东江), which jieba does not know
    (赣|粤东|江)."""
    edges = token_edges(text, positions, hmm=False)
    abbr = _gazetteer().abbreviations
    for i, j in _abbreviation_runs(text):
        if j - i >= 2 and any(abbr[ch][1] for ch in text[i:j]):
            edges.update((i, j))
    return edges


def _product_follows(text: str, end: int) -> bool:
    rest = text[end:end + 8].lstrip(QUOTES)
    return any(rest.startswith(s) for s in _rules()["product_suffixes"])


def _in_list(text: str, m: _Match, others: list[_Match]) -> bool:
    """A common-word short form (青山, 通道) counts only next to another place in a list."""
    before = m.start - 1 >= 0 and text[m.start - 1] in LIST_JOINERS
    after = m.end < len(text) and text[m.end] in LIST_JOINERS
    return any((before and o.end == m.start - 1) or (after and o.start == m.end + 1) for o in others if o is not m)


def _needs_list(m: _Match, region_code: str) -> bool:
    """Common words, and counties of other provinces written without suffix (中和 in 碳中和,
    三水 in “三水”统筹), count only in a list of places; a document names its own counties alone."""
    if m.target.how == "common":
        return True
    if m.target.how != "short":
        return False
    gaz = _gazetteer()
    province = region_code[:2]
    return all(gaz.divisions[c].level == "county" and (not province or c[:2] != province) for c in m.target.codes)


def _after_abbreviation(text: str, m: _Match) -> bool:
    """A region name right after a province abbreviation belongs to it or to the next word:
    粤东 in 赣粤东江 reads 赣粤 + 东江, 东北 in 川渝东北 is 渝东北, 西北 in 川西北 is 川西北."""
    abbr = _gazetteer().abbreviations
    return m.target.feature_type == "region" and m.start > 0 and text[m.start - 1] in abbr


def _sentence_matches(text: str, region_code: str) -> list[_Match]:
    gaz = _gazetteer()
    raw = [
        _Match(end - len(surface) + 1, end + 1, surface, gaz.targets[surface])
        for end, surface in gaz.automaton.iter(text)
    ]
    if not raw:
        return []
    edges = _boundaries(text, (p for m in raw for p in (m.start, m.end)))
    ok = [m for m in raw if len(m.surface) > 3 or (m.start in edges and m.end in edges)]
    # a place that opens a longer name of the gazetteer (庐山 in 庐山国家植物园, 苏州 in 苏州工业园区)
    # is nested in it even where the tokenizer keeps the longer name as one word
    heads = {m.start for m in ok}
    ok += [m for m in raw if m not in ok and m.start in heads and m.start in edges
           and any(o.start == m.start and o.end > m.end for o in ok)]
    ok = [m for m in ok if not _product_follows(text, m.end) and not _after_abbreviation(text, m)]
    plain = [m for m in ok if not _needs_list(m, region_code)]
    return plain + [m for m in ok if _needs_list(m, region_code) and _in_list(text, m, plain)]


def _kind(m: _Match) -> str:
    if m.target.feature:
        return m.target.feature_type
    return "admin"


def _select(matches: list[_Match]) -> list[_Match]:
    """Longest leftmost matches, plus places nested in them that are of another kind and not a
    county's short form (`长江` in `长江经济带`, `武汉` in `武汉都市圈`, not `江汉` in `江汉平原`)."""
    outer: list[_Match] = []
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if not outer or m.start >= outer[-1].end:
            outer.append(m)
    chosen = list(outer)
    gaz = _gazetteer()
    for m in matches:
        host = next((o for o in outer if o.start <= m.start and m.end <= o.end and o is not m), None)
        if host is None or m.target == host.target:
            continue
        if _kind(m) == _kind(host) and not (_kind(m) == "region" and m.start == host.start and len(m.surface) >= 3):
            continue  # a region named at the head of a longer one counts (长三角 in 长三角生态绿色一体化发展示范区)
        if m.target.codes and m.target.how != "full" and all(gaz.divisions[c].level == "county" for c in m.target.codes):
            continue
        if m.target.feature and m.target.feature == host.target.feature:
            continue
        chosen.append(m)
    return chosen


def _division_place(sent_id: int, start: int, end: int, mention: str, code: str,
                    candidates: tuple[str, ...] = (), source: str = "rule") -> Place:
    div = division(code)
    return Place(sent_id, start, end, mention, div.name, div.code, div.level, "admin", div.parent_code,
                 " ".join(candidates), source)


def _abbreviation_places(text: str, offset: int, sent_id: int, taken: list[tuple[int, int]]) -> list[Place]:
    """Province abbreviations where they stand for provinces: a run of them with a strong one
    (赣浙皖闽, 鄂湘赣) or a strong one alone after a verb of place (在鄂, 援藏)."""
    abbr = _gazetteer().abbreviations
    verbs = _rules()["abbreviation_verbs"]
    out: list[Place] = []
    for i, j in _abbreviation_runs(text):
        run = text[i:j]
        strong = [abbr[ch][1] for ch in run]
        free = not any(s < j and i < e for s, e in taken)
        alone = len(run) == 1 and strong[0] and i > 0 and text[i - 1] in verbs
        if free and ((len(run) >= 2 and any(strong)) or alone):
            if len(run) >= REGION_RUN:
                out.append(Place(sent_id, offset + i, offset + j, run, run, "", "", "region", "", "", "abbreviation"))
            for k, ch in enumerate(run):
                out.append(_division_place(sent_id, offset + i + k, offset + i + k + 1, ch, abbr[ch][0],
                                           source="abbreviation"))
    return out


def _zone_place(text: str, offset: int, sent_id: int, m: _Match, code: str) -> Place | None:
    """A development zone named after a division (荆门高新区 → 荆门高新技术产业开发区)."""
    for suffix, head in _rules()["zone_suffixes"].items():
        if text.startswith(suffix, m.end):
            div = division(code)
            stem = div.short[0] if div.short else div.name
            return Place(sent_id, offset + m.start, offset + m.end + len(suffix), m.surface + suffix,
                         stem + head, "", "", "region", "", "", "zone")
    return None


def _own_region_places(text: str, offset: int, sent_id: int, region_code: str) -> list[Place]:
    """全省/我市/全县 name the document's own division (SPEC §2 indicators: place)."""
    out = []
    for level, words in _rules()["own_region"].items():
        div = _ancestor(region_code, level)
        if div is None:
            continue
        for word in words:
            pos = text.find(word)
            while pos >= 0:
                out.append(_division_place(sent_id, offset + pos, offset + pos + len(word), word, div.code,
                                           source="own_region"))
                pos = text.find(word, pos + len(word))
    return out


def extract_places(doc: Doc) -> tuple[Place, ...]:
    """Every place mention outside boilerplate, in text order."""
    region = doc.meta.region_code
    places: list[Place] = []
    for sent in doc.sentences:
        if sent.boilerplate:
            continue
        text, offset = sent.text, sent.start
        chosen = _select(_sentence_matches(text, region))
        for m in chosen:
            t = m.target
            if t.feature:
                places.append(Place(sent.sent_id, offset + m.start, offset + m.end, m.surface, t.feature, "", "",
                                    t.feature_type, "", "", "gazetteer"))
                continue
            code, others = _resolve(t.codes, region)
            places.append(_division_place(sent.sent_id, offset + m.start, offset + m.end, m.surface, code, others,
                                          "gazetteer"))
            zone = _zone_place(text, offset, sent.sent_id, m, code)
            if zone is not None:
                places.append(zone)
        taken = [(m.start, m.end) for m in chosen]
        places.extend(_abbreviation_places(text, offset, sent.sent_id, taken))
        if region:
            places.extend(_own_region_places(text, offset, sent.sent_id, region))
    places = [p for p in places if not any(s < p.end and p.start < e for s, e in doc.boilerplate)]
    return tuple(sorted(places, key=lambda p: (p.start, p.end, p.name)))

