"""The indicator catalogue: a table of subjects → canonical names, and the checks run at load."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.extract.catalogue import (
    CATALOGUE_FILE,
    canonical_indicator,
    normalize_subject,
    validate_catalogue,
)
from pipeline.rules import RulesError, load_yaml

CASES_FILE = Path(__file__).parent / "cases" / "catalogue.yaml"
CASES = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["mapped"], ids=lambda case: case["subject"])
def test_mapped(case: dict[str, str]) -> None:
    assert canonical_indicator(case["subject"]) == case["indicator"]


@pytest.mark.parametrize("subject", CASES["unchanged"])
def test_unchanged(subject: str) -> None:
    assert canonical_indicator(subject) == subject


def test_case_table_is_large_enough() -> None:
    assert len(CASES["mapped"]) + len(CASES["unchanged"]) >= 60
    assert len(CASES["unchanged"]) >= 20


def test_catalogue_size_and_round_trip() -> None:
    """Every name and every synonym of the shipped catalogue resolves to its own entry."""
    entries = load_yaml(CATALOGUE_FILE)
    assert len(entries) >= 80
    for entry in entries:
        for surface in (entry["name"], *entry["synonyms"]):
            assert canonical_indicator(surface) == entry["name"], surface


def test_normalize_subject() -> None:
    assert normalize_subject("全省 “年末”常住人口") == "常住人口"
    assert normalize_subject("细颗粒物（ＰＭ２．５）平均浓度") == "细颗粒物PM2.5平均浓度"
    assert normalize_subject("降水pH均值") == "降水PH均值"


def _entry(name: str, *synonyms: str, **extra: object) -> dict[str, object]:
    return {"name": name, "unit": "", "domain": "economy", "synonyms": list(synonyms), **extra}


def test_validation_accepts_a_small_catalogue() -> None:
    lookup = validate_catalogue([_entry("地区生产总值", "GDP", "全省生产总值")])
    assert lookup == {"地区生产总值": "地区生产总值", "GDP": "地区生产总值", "生产总值": "地区生产总值"}


def test_validation_rejects_duplicate_synonym() -> None:
    entries = [_entry("地区生产总值", "GDP"), _entry("国内生产总值", "GDP")]
    with pytest.raises(RulesError, match=r"'GDP'.*already a synonym of '地区生产总值'"):
        validate_catalogue(entries)


def test_validation_rejects_synonyms_equal_after_normalization() -> None:
    entries = [_entry("地区生产总值", "生产总值"), _entry("全省生产总值")]
    with pytest.raises(RulesError, match="already a synonym"):
        validate_catalogue(entries)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"name": "x"}, "expected a list"),
        (["地区生产总值"], "expected a mapping"),
        ([{"unit": "元", "domain": "economy", "synonyms": []}], "missing or empty 'name'"),
        ([_entry("地区生产总值", "GDP", 3)], "list of strings"),
        ([{**_entry("地区生产总值"), "synonyms": "GDP"}], "list of strings"),
        ([_entry("地区生产总值", comment="x")], "unknown fields"),
        ([{**_entry("地区生产总值"), "domain": "Economy"}], "'domain'"),
        ([{**_entry("地区生产总值"), "unit": None}], "'unit'"),
        ([_entry("地区生产总值"), _entry("地区生产总值")], "listed twice"),
        ([_entry("地区生产总值", "全省")], "empty once normalized"),
    ],
)
def test_validation_rejects_malformed(entries: object, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        validate_catalogue(entries)
