"""The canonical indicator catalogue (SPEC §2 `indicator`): one name per measure across reports.

Reports name one measure many ways (GDP, 生产总值, 全省生产总值…); the catalogue in
`rules/indicators.yaml` lists each measure's canonical name and its synonyms. Matching is
deliberately conservative: an unknown subject keeps its own wording rather than being pulled to a
near name that means something else (高技术制造业增加值 is not 规模以上工业增加值).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from pipeline.rules import RulesError, load_yaml

CATALOGUE_FILE = "indicators.yaml"
_FIELDS = frozenset({"name", "unit", "domain", "synonyms"})
_DOMAIN = re.compile(r"[a-z]+(?:-[a-z]+)*")

# Characters that vary between reports without changing the name: spaces, quotation marks and
# bracket characters (the bracketed words stay: 细颗粒物(PM2.5) → 细颗粒物PM2.5).
_NOISE = re.compile(r"[\s\"'“”‘’「」『』〝〞()\[\]〔〕【】]")
# Scope and time words that only restate the document's own place and year.
_SCOPE_WORDS = ("全省", "全市", "全县", "全区", "我省", "我市", "全国", "本省", "本市")
_TIME_WORDS = ("全年", "年末", "当年")
_LEADING = re.compile("^(?:" + "|".join(_SCOPE_WORDS + _TIME_WORDS) + ")+")
# A named division (江西省, 南昌市, 恩施州, 广西壮族自治区). Endings that name a kind of area rather
# than an administrative place (城市, 市区, 开发区…) are refused: 城市生活污水集中收集率 is its own
# measure, not a city's 生活污水集中收集率.
_NOT_PLACE = (
    "城市", "大都市", "地区", "市区", "城区", "郊区", "矿区", "山区", "库区", "园区", "景区", "社区",
    "校区", "片区", "辖区", "新区", "老区", "苏区", "灾区", "县区", "市县", "县市", "省市", "市州",
    "开发区", "高新区", "经开区", "保税区", "自贸区", "示范区", "试验区", "先行区", "功能区",
    "保护区", "集聚区",
)
_PLACE = (
    r"[\u4e00-\u9fff]{2,8}?(?:自治区|自治州|自治县|省|市|县|区|州)"
    + "".join(f"(?<!{word})" for word in _NOT_PLACE)
)
_SCOPE_PREFIX = re.compile(
    "(?:" + "|".join((_PLACE, *_SCOPE_WORDS, *_TIME_WORDS)) + ")+"
)


def normalize_subject(text: str) -> str:
    """The matching key of a subject or synonym: NFKC, Latin upper case, no noise, no leading scope.

    Both sides go through this one function, so a synonym written with full-width brackets still
    matches a subject written with ASCII ones.
    """
    key = _NOISE.sub("", unicodedata.normalize("NFKC", text)).upper()
    return _LEADING.sub("", key)


def validate_catalogue(entries: Any, *, source: str = CATALOGUE_FILE) -> dict[str, str]:
    """Check the catalogue and return its lookup: normalized synonym → canonical name.

    A normalized synonym under two names would make `indicator` depend on the file order, so it is
    an error, as is any malformed entry.
    """
    if not isinstance(entries, list):
        raise RulesError(f"{source}: expected a list of indicators, got {type(entries).__name__}")
    lookup: dict[str, str] = {}
    names: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{source}: entry {i + 1}"
        if not isinstance(entry, dict):
            raise RulesError(f"{where}: expected a mapping, got {type(entry).__name__}")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RulesError(f"{where}: missing or empty 'name'")
        where = f"{where} ({name})"
        unknown = set(entry) - _FIELDS
        if unknown:
            raise RulesError(f"{where}: unknown fields {sorted(unknown)}")
        if not isinstance(entry.get("unit"), str):
            raise RulesError(f"{where}: 'unit' must be a string (use '' for none)")
        domain = entry.get("domain")
        if not isinstance(domain, str) or not _DOMAIN.fullmatch(domain):
            raise RulesError(
                f"{where}: 'domain' must be lowercase words joined by '-', got {domain!r}"
            )
        synonyms = entry.get("synonyms")
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            raise RulesError(f"{where}: 'synonyms' must be a list of strings")
        if name in names:
            raise RulesError(f"{where}: name listed twice")
        names.add(name)
        for surface in (name, *synonyms):
            key = normalize_subject(surface)
            if not key:
                raise RulesError(f"{where}: synonym {surface!r} is empty once normalized")
            other = lookup.setdefault(key, name)
            if other != name:
                raise RulesError(
                    f"{where}: synonym {surface!r} (key {key!r}) is already a synonym of {other!r}"
                )
    return lookup


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    return validate_catalogue(load_yaml(CATALOGUE_FILE))


def canonical_indicator(subject: str) -> str:
    """The catalogue's name for `subject`, else `subject` unchanged (SPEC §2 `indicator`).

    An exact key match wins. Otherwise the longest synonym that ends the subject is taken only when
    everything before it is a place or scope (江西省, 全省, 南昌市全年), never when the extra words
    narrow the measure (城镇居民…, 高技术制造业…).
    """
    lookup = _lookup()
    key = normalize_subject(subject)
    if key in lookup:
        return lookup[key]
    for cut in range(1, len(key)):
        if key[cut:] in lookup and _SCOPE_PREFIX.fullmatch(key[:cut]):
            return lookup[key[cut:]]
    return subject


def is_catalogued(subject: str) -> bool:
    """Whether `subject` is itself a name or synonym of the catalogue (地区生产总值, 一般公共预算收入)."""
    return normalize_subject(subject) in _lookup()
