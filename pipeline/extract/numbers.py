"""The number grammar: every number-with-unit in a sentence, as `Quantity` records.

Numbers are matched on characters with `regex` (a tokenizer splits `23.4%` and `1,100万`).  The
unit catalogue is rules/units.yaml, a generated copy of the scorer's units.tsv, so the grammar can
never disagree with the scorer; every ambiguity filter lives in rules/numbers.yaml.  Values are
computed in `Decimal` so that `192.87万` is exactly 1928700.  Each call is linear in the text: one
pass of the blocked-span pattern and one of the candidate pattern, both compiled once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

import regex

from pipeline.extract.fastmatch import alternation, finditer_at
from pipeline.records import Quantity
from pipeline.rules import RulesError, load_yaml

_ONE = Decimal(1)
_HUNDRED = Decimal(100)
DIGITS_OR_SCALE = regex.compile(r"[0-9]+|[万亿]")
CLAUSE_BREAK = regex.compile(r"[，。；！？：,;!?:]")


@dataclass(frozen=True)
class _Surface:
    """What follows a number: canonical unit plus the scale word written in front of it.

    `mult` is kept apart from the unit so that a Chinese numeral and its scale word are parsed as
    one (三亿五千 + 万) and a range's lower bound can borrow only the unit (1万—2万吨).
    """

    text: str
    unit: str
    mult: str
    mult_factor: Decimal
    unit_factor: Decimal


@dataclass(frozen=True)
class _Numeral:
    digits: dict[str, int]
    small: dict[str, int]
    big: dict[str, int]
    point: str


@dataclass(frozen=True)
class _Grammar:
    candidates: Any  # regex.Pattern
    starts: Any  # the characters a candidate can start with
    blocked: Any
    rank_trigger: Any
    surfaces: dict[str, _Surface]
    multipliers: dict[str, Decimal]
    numeral: _Numeral
    approx: dict[str, str]
    range_separators: frozenset[str]
    minus_signs: frozenset[str]
    fraction_infix: str
    per_mille: Decimal
    percent: Decimal
    rank_suffixes: frozenset[str]
    rank_after: str
    rank_window: int
    bare_cues: tuple[str, ...]
    bare_from_verbs: tuple[str, ...]
    bare_change_verbs: tuple[str, ...]
    bare_years: tuple[int, int]
    unit_not_followed_by: dict[str, tuple[str, ...]]
    unit_max_number: dict[str, Decimal]
    date_units: dict[str, Decimal]
    not_after: tuple[str, ...]


@dataclass(frozen=True)
class _Raw:
    """A candidate before ranges are paired and bare numbers are judged."""

    start: int
    end: int
    number: str  # the numeral as written, '' for an implicit one (突破万亿元)
    chinese: bool
    mult: str  # scale word between 余/多 and the unit (1万余人)
    surface: _Surface | None
    approx: str
    negative: bool
    value: Decimal | None = None  # set when final (fractions, ranks, implicit ones)
    unit: str = ""
    is_rank: bool = False


def _char_class(chars: str) -> str:
    return "[" + "".join(regex.escape(c) for c in chars) + "]"


@lru_cache(maxsize=1)
def _surfaces() -> tuple[dict[str, _Surface], dict[str, Decimal]]:
    """Every unit surface that may follow a number, from units.yaml, with scale words composed.

    units.tsv lists some scaled surfaces (万吨) and not others (万座); any scale word of
    multipliers.tsv may precede any countable unit, while a listed surface always wins
    (千米 is 公里, never 1000 米).
    """
    rules = load_yaml("units.yaml")
    numbers = load_yaml("numbers.yaml")
    catalogue = {**rules["catalogue"], **(rules.get("extra") or {})}
    mults = {m: Decimal(str(f)) for m, f in rules["multipliers"].items()}
    scale_free = numbers["scale_free"]
    surfaces: dict[str, _Surface] = {}
    by_length = sorted(mults, key=len, reverse=True)
    for text, row in catalogue.items():
        unit, factor = row["unit"], Decimal(str(row["factor"]))
        mult = next(
            (
                m for m in by_length
                if text.startswith(m) and text[len(m):] in catalogue
                and catalogue[text[len(m):]]["unit"] == unit
                and Decimal(str(catalogue[text[len(m):]]["factor"])) * mults[m] == factor
            ),
            "",
        )
        mf = mults.get(mult, _ONE)
        surfaces[text] = _Surface(text, unit, mult, mf, factor / mf)
    for m, f in mults.items():
        surfaces.setdefault(m, _Surface(m, "", m, f, _ONE))
        surfaces.setdefault(m + scale_free["class_suffix"], _Surface(m + scale_free["class_suffix"], "", m, f, _ONE))
    for text, row in catalogue.items():
        base = surfaces[text]
        if (base.mult or row["dimension"] in scale_free["dimensions"]
                or text in scale_free["surfaces"] or base.unit_factor != _ONE):
            continue
        for m, f in mults.items():
            surfaces.setdefault(m + text, _Surface(m + text, base.unit, m, f, _ONE))
    return surfaces, mults


@lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    """Compiles rules/numbers.yaml and the unit surfaces into the candidate and blocked patterns."""
    r = load_yaml("numbers.yaml")
    surfaces, mults = _surfaces()
    num = r["numerals"]
    numeral = _Numeral(num["digits"], num["small_units"], num["big_units"], num["decimal_point"])
    digits, small, big = "".join(numeral.digits), "".join(numeral.small), "".join(numeral.big)
    all_cn = digits + small + big
    approx = r["approx_markers"]
    implicit_min = Decimal(str(r["implicit_one"]["min_factor"]))
    excluded = set(r["implicit_one"]["exclude"])
    implicit = [
        s.text for s in surfaces.values()
        if s.mult and s.text != s.mult and s.mult_factor >= implicit_min and s.text not in excluded
    ] + list(r["implicit_one"]["surfaces"])
    arabic = (r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]{1,3}(?:，[0-9]{3}(?![0-9]))+|[0-9]+)"
              r"(?:\.[0-9]+)?")
    mixed = r"[0-9]+(?:亿[0-9]{1,4}万(?:[0-9]{4}(?![0-9.]))?|万[0-9]{4}(?![0-9.]))"
    cn = (f"{_char_class(num['start'])}(?:{_char_class(digits + small)}|{_char_class(big)}"
          f"(?={_char_class(digits + small)}))*(?:{regex.escape(numeral.point)}{_char_class(digits)}+)?")
    number = (f"(?:(?<![0-9.])(?<![0-9],)(?!(?<=[0-9]，)[0-9]{{3}}(?![0-9]))(?:{mixed}|{arabic})"
              f"|(?<!{_char_class(all_cn + r['cn_not_after'])}){cn})")
    ap = _char_class("".join(approx))
    rank = r["rank"]
    frac = r["fraction"]
    pattern = (
        f"(?P<frac>(?<!{_char_class(all_cn)})(?P<den>[0-9]+|{_char_class(all_cn)}+)"
        f"{regex.escape(frac['infix'])}(?P<numer>{arabic}|{cn}|{_char_class(small)}))"
        r"|(?P<afrac>(?<![0-9./])[0-9]+/[0-9]+(?![0-9./]))"
        f"|(?P<ord>{regex.escape(rank['prefix'])})?(?P<num>{number})(?P<ap1>{ap})?"
        r"(?:(?P<mult>\L<mults>)(?P<ap2>" + ap + r"))?(?P<surf>\L<surfaces>)"
        f"|(?P<ord>{regex.escape(rank['prefix'])})?(?P<num>{number})"
        f"|(?<![0-9{all_cn}{''.join(approx)}])" r"(?P<imp>\L<implicit>)"
    )
    # the ambiguous words as one trie (the longest word at a position, as a longest-first list
    # would give), tried before the patterns
    blocked = "|".join([f"(?:{alternation(r['ambiguous'])})"] + [f"(?:{p})" for p in r["blocked_patterns"]])
    try:
        candidates = regex.compile(pattern, mults=list(mults), surfaces=list(surfaces), implicit=implicit)
        firsts = {*"0123456789", *all_cn, *num["start"], rank["prefix"][0], *(s[0] for s in implicit)}
        starts = regex.compile(_char_class("".join(sorted(firsts))))
        compiled_blocked = regex.compile(blocked)
        trigger = regex.compile("|".join(regex.escape(t) for t in rank["triggers"]))
    except regex.error as exc:
        raise RulesError(f"numbers.yaml: {exc}") from exc
    return _Grammar(
        candidates=candidates,
        starts=starts,
        blocked=compiled_blocked,
        rank_trigger=trigger,
        surfaces=surfaces,
        multipliers=mults,
        numeral=numeral,
        approx=approx,
        range_separators=frozenset(r["range_separators"]),
        minus_signs=frozenset(r["minus_signs"]),
        fraction_infix=frac["infix"],
        per_mille=Decimal(str(frac["per_mille_denominator"])),
        percent=Decimal(str(frac["percent_denominator"])),
        rank_suffixes=frozenset(rank["suffixes"]),
        rank_after=rank["after"],
        rank_window=int(rank["window"]),
        bare_cues=tuple(r["bare_cues"]),
        bare_from_verbs=tuple(r["bare_from_verbs"]),
        bare_change_verbs=tuple(r["bare_change_verbs"]),
        bare_years=(int(r["bare_year_range"][0]), int(r["bare_year_range"][1])),
        unit_not_followed_by={k: tuple(v) for k, v in r["unit_not_followed_by"].items()},
        unit_max_number={k: Decimal(str(v)) for k, v in r["unit_max_number"].items()},
        date_units={k: Decimal(str(v)) for k, v in r["date_units"].items()},
        not_after=tuple(r["not_after"]),
    )


def _cn_integer(text: str, *, numeral: _Numeral) -> int | None:
    """A Chinese integer (一万五千亿, 三十, 一百零八), or None when the characters are no numeral
    (十四五, 二〇二五 — digit strings are years, which never reach here as quantities)."""
    total = wan = section = 0
    digit: int | None = None
    previous_zero = False
    last_small = 10**9
    for ch in text:
        if ch in numeral.digits:
            value = numeral.digits[ch]
            if digit is not None and not previous_zero:
                return None
            previous_zero = value == 0
            digit = None if previous_zero else value
        elif ch in numeral.small:
            unit = numeral.small[ch]
            if unit >= last_small:
                return None
            section += (1 if digit is None else digit) * unit
            digit, previous_zero, last_small = None, False, unit
        elif numeral.big.get(ch) == 10**4:
            group = section + (digit or 0)
            if not group:
                return None
            wan, section, digit, previous_zero, last_small = group * 10**4, 0, None, False, 10**9
        elif numeral.big.get(ch) == 10**8:
            group = total + wan + section + (digit or 0)
            if not group:
                return None
            total, wan, section, digit, previous_zero, last_small = group * 10**8, 0, 0, None, False, 10**9
        else:
            return None
    return total + wan + section + (digit or 0)


def _cn_value(text: str, *, numeral: _Numeral) -> Decimal | None:
    if numeral.point in text:
        whole, _, frac = text.partition(numeral.point)
        integer = _cn_integer(whole, numeral=numeral)
        if integer is None:
            return None
        return Decimal(f"{integer}.{''.join(str(numeral.digits[c]) for c in frac)}")
    integer = _cn_integer(text, numeral=numeral)
    return None if integer is None else Decimal(integer)


def _arabic_value(text: str) -> Decimal:
    """Arabic digits, with thousands separators or mixed with 万/亿 (3万4000, 1亿2000万)."""
    text = text.replace(",", "").replace("，", "")
    if "万" not in text and "亿" not in text:
        return Decimal(text)
    total = wan = current = 0
    for token in DIGITS_OR_SCALE.findall(text):
        if token == "万":
            wan, current = current * 10**4, 0
        elif token == "亿":
            total, wan, current = (total + wan + current) * 10**8, 0, 0
        else:
            current = int(token)
    return Decimal(total + wan + current)


def _scale(mult: str, *, g: _Grammar) -> Decimal:
    if mult in g.multipliers:
        return g.multipliers[mult]
    factor = _ONE
    for ch in mult:
        factor *= g.multipliers[ch]
    return factor


def _value(raw: _Raw, surface: _Surface | None, *, g: _Grammar) -> Decimal | None:
    """The number with every scale word applied; a Chinese numeral absorbs the scale word so that
    三亿五千万 reads as one numeral rather than (三亿五千) × 万."""
    mult = raw.mult + (surface.mult if surface else "")
    unit_factor = surface.unit_factor if surface else _ONE
    if not raw.chinese:
        return _arabic_value(raw.number) * _scale(mult, g=g) * unit_factor
    if g.numeral.point in raw.number:
        base = _cn_value(raw.number, numeral=g.numeral)
        return None if base is None else base * _scale(mult, g=g) * unit_factor
    base = _cn_value(raw.number + mult, numeral=g.numeral)
    return None if base is None else base * unit_factor


def _blocked_mask(text: str, *, g: _Grammar) -> bytearray:
    """Positions inside dates, quotations, codes, markers and ambiguous words (overlaps included)."""
    mask = bytearray(len(text) + 1)
    for m in g.blocked.finditer(text, overlapped=True):
        mask[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    return mask


def _rank_ok(m: Any, text: str, *, g: _Grammar, surface: _Surface | None, chinese: bool) -> bool:
    """第N is a rank when written with 位/名, or when a clause boundary follows and it is in Arabic
    digits or has a placing verb before it, or as 第N大 after a placing verb; otherwise it is an
    ordinal (第二批, 第一方阵, 第一要务)."""
    if surface is not None and surface.text not in g.rank_suffixes:
        return False
    if m.group("ap1") or m.group("mult") or "." in m.group("num"):
        return False
    if surface is not None:
        return True
    window = text[max(0, m.start() - g.rank_window):m.start()]
    clause = CLAUSE_BREAK.split(window)[-1]
    if text.startswith("大", m.end()) and g.rank_trigger.search(clause):
        return True  # 跻身全球第三大加油港: the third largest is a placing
    if m.end() < len(text) and text[m.end()] not in g.rank_after:
        return False
    if not chinese:
        return True
    return g.rank_trigger.search(clause) is not None


def _fraction(m: Any, *, g: _Grammar) -> tuple[Decimal, str] | None:
    if m.group("afrac"):
        numer, den = (Decimal(x) for x in m.group("afrac").split("/"))
    else:
        den_text, numer_text = m.group("den"), m.group("numer")
        den = Decimal(den_text) if den_text.isdigit() else _cn_value(den_text, numeral=g.numeral)
        numer = (_cn_value(numer_text, numeral=g.numeral) if numer_text[0] not in "0123456789"
                 else _arabic_value(numer_text))
        if den == g.per_mille and numer is not None:
            return numer, "‰"
        if den == g.percent and numer is not None:
            return numer, "%"
    if not den or numer is None:
        return None
    return numer / den * _HUNDRED, "%"


def _read(m: Any, text: str, *, g: _Grammar, mask: bytearray) -> _Raw | None:
    """One candidate match → a raw quantity, or None when a filter says it is no number."""
    start, end = m.span()
    if m.group("ord"):
        num_start = m.start("num")
    else:
        num_start = start
    if mask[num_start] or text.endswith(g.not_after, 0, start):
        return None
    if end < len(text) and text[end].isascii() and text[end].isalnum() and (
            text[end].isalpha() or text[end - 1].isascii()):  # 20.9万户69.3万人: a unit closes the number
        return None
    if m.group("frac") or m.group("afrac"):
        got = _fraction(m, g=g)
        if got is None:
            return None
        return _Raw(start, end, "", False, "", None, "", False, value=got[0], unit=got[1])
    if m.group("imp"):
        surface = g.surfaces[m.group("imp")]
        return _Raw(start, end, "", False, "", surface, "", False,
                    value=surface.mult_factor * surface.unit_factor, unit=surface.unit)
    number = m.group("num")
    chinese = number[0] not in "0123456789"
    surface = g.surfaces[m.group("surf")] if m.group("surf") else None
    if m.group("ord"):
        if not _rank_ok(m, text, g=g, surface=surface, chinese=chinese):
            return None
        value = _cn_value(number, numeral=g.numeral) if chinese else _arabic_value(number)
        return None if value is None else _Raw(start, end, number, chinese, "", surface, "", False,
                                               value=value, unit="位", is_rank=True)
    if surface is not None:
        if any(text.startswith(w, end) for w in g.unit_not_followed_by.get(surface.text, ())):
            return None
    approx = g.approx.get(m.group("ap1") or m.group("ap2") or "", "")
    negative = start > 0 and text[start - 1] in g.minus_signs
    raw = _Raw(start, end, number, chinese, m.group("mult") or "", surface, approx, negative)
    own = _value(raw, None, g=g)
    if own is None or _value(raw, surface, g=g) is None:
        return None
    if surface is not None:
        limit = g.unit_max_number.get(surface.text)
        if limit is not None and own > limit:
            return None
        limit = g.date_units.get(surface.text)
        if limit is not None and own <= limit:
            return None
    return raw


def _range_pair(a: _Raw, b: _Raw, text: str, *, g: _Grammar) -> tuple[_Raw, _Raw] | None:
    """Two adjacent numbers joined by a range separator (5%—5.5%, 2-3家, 10—20万吨), the lower
    bound borrowing the upper's unit when it has none written."""
    if a.is_rank or b.is_rank or a.value is not None or b.value is not None:
        return None
    if b.start != a.end + 1 or text[a.end] not in g.range_separators:
        return None
    if a.surface is not None and a.surface.unit and (b.surface is None or a.surface.unit != b.surface.unit):
        return None
    if a.surface is None:
        borrowed = b.surface
    elif not a.surface.unit and b.surface is not None:
        borrowed = replace(b.surface, mult=a.surface.mult, mult_factor=a.surface.mult_factor)
    else:
        borrowed = a.surface
    low, high = _value(a, borrowed, g=g), _value(b, b.surface, g=g)
    if low is None or high is None or low > high:
        return None
    unit = b.surface.unit if b.surface else ""
    return replace(a, value=low, unit=unit), replace(b, value=high, unit=unit, negative=False)


def _is_bare_measure(raw: _Raw, text: str, *, g: _Grammar) -> bool:
    """A number with no unit counts only after a cue such as 为/达 (比值为2.19) or as the start of a
    movement (从1.96缩小至1.81), in Arabic
    digits and not a year; section markers and slogans carry no such cue."""
    if raw.chinese or raw.approx:
        return False
    value = _arabic_value(raw.number)
    if value == value.to_integral_value() and g.bare_years[0] <= value <= g.bare_years[1]:
        return False
    before = text[:raw.start].rstrip()
    return (before.endswith(g.bare_cues) or (before.endswith("从") and text.startswith(g.bare_from_verbs, raw.end))
            or (before.endswith(g.bare_change_verbs) and "." in raw.number))


def _quantity(raw: _Raw, text: str, *, g: _Grammar, range_id: int = -1, bound: str = "") -> Quantity:
    value = raw.value if raw.value is not None else _value(raw, raw.surface, g=g)
    unit = raw.unit if raw.value is not None else (raw.surface.unit if raw.surface else "")
    return Quantity(
        start=raw.start,
        end=raw.end,
        value=float(value),
        unit=unit,
        value_raw=text[raw.start:raw.end],
        qualifier=raw.approx,
        is_rank=raw.is_rank,
        is_percent_change_unit=unit in ("百分点", "千分点", "基点"),
        range_id=range_id,
        bound=bound,
        negative=raw.negative,
    )


def _share_list_units(raws: list[_Raw], text: str, *, g: _Grammar) -> list[_Raw]:
    """Numbers listed with 、 whose unit is written only after the last (分别为31、52、8、19微克/立方米)
    take that unit, and its multiplier when they have none of their own (7万亿、8万亿、9万亿元)."""
    out = list(raws)
    for k in range(len(out) - 1, 0, -1):
        last = out[k]
        if last.surface is None or not last.surface.unit or last.value is not None or last.is_rank:
            continue
        j = k
        while j > 0:
            a = out[j - 1]
            if (text[a.end:out[j].start] != "、" or a.value is not None or a.is_rank or a.chinese != last.chinese
                    or (a.surface is not None and a.surface.unit)):
                break
            j -= 1
        for i in range(j, k):
            a = out[i]
            borrowed = last.surface if a.surface is None else replace(
                last.surface, mult=a.surface.mult, mult_factor=a.surface.mult_factor)
            if _value(a, borrowed, g=g) is not None:
                out[i] = replace(a, surface=borrowed)
    return out


def find_quantities(text: str) -> tuple[Quantity, ...]:
    """Every number with its unit in `text` (a sentence of normalized text), offsets into `text`."""
    g = _grammar()
    # Tried only where a candidate can start (a digit, a numeral, 第, an implicit surface); the
    # blocked positions are looked for only in sentences that have a candidate.
    starts = (s.start() for s in g.starts.finditer(text))
    matches = list(finditer_at(g.candidates, text, starts))
    mask = _blocked_mask(text, g=g) if matches else bytearray()
    raws = _share_list_units([raw for m in matches if (raw := _read(m, text, g=g, mask=mask))], text, g=g)
    out: list[Quantity] = []
    ranges = 0
    i = 0
    while i < len(raws):
        pair = _range_pair(raws[i], raws[i + 1], text, g=g) if i + 1 < len(raws) else None
        if pair is not None and (pair[0].surface is not None or pair[1].surface is not None
                                 or _is_bare_measure(pair[0], text, g=g)):
            out.append(_quantity(pair[0], text, g=g, range_id=ranges, bound=">="))
            out.append(_quantity(pair[1], text, g=g, range_id=ranges, bound="<="))
            ranges += 1
            i += 2
            continue
        raw = raws[i]
        if raw.value is not None or raw.surface is not None or _is_bare_measure(raw, text, g=g):
            out.append(_quantity(raw, text, g=g))
        i += 1
    # A number too large for a float (a 400-digit serial) measures nothing; a range goes whole.
    overflow = {q.range_id for q in out if q.range_id >= 0 and not math.isfinite(q.value)}
    return tuple(q for q in out if math.isfinite(q.value) and q.range_id not in overflow)
