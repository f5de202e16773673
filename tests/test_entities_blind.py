"""Blind check of the place, policy and organization rules (SPEC §2, scored as in SPEC §4).

`cases/entities_blind.yaml` holds short sentences written by hand in the register of 统计公报,
环境状况公报 and city 政府工作报告 of provinces and cities the rules were never tuned on (no Jiangxi,
Hubei, Zhejiang or Sichuan), annotated before any rule was changed for them. Each sentence is one
document; distinct names are scored as sets (aliases count, optional names are neutral) and the
counts are summed over all sentences (micro F1). As in the shared gold, 中国 is an optional place
everywhere (我国, 中国式现代化, 中国科学院). For places, code accuracy on found names is
checked as well.

Figures (P / R / F1):

| table         | before the generalization fixes | after |
|---------------|---------------------------------|-------|
| places        | 0.939 / 0.778 / 0.851           | 0.929 / 0.788 / 0.852 |
| policies      | 0.846 / 0.892 / 0.868           | 0.973 / 0.973 / 0.973 |
| organizations | 0.674 / 0.500 / 0.574           | 1.000 / 0.983 / 0.991 |

The floors below sit a little under the figures reached; a rule change that drops a table under its
floor generalizes worse than what it replaces. Places stay weakest: regions, zones and smaller rivers missing from the gazetteer (长株潭城市群, 青岛西海岸新区,
望虞河, 韩江), places nested inside company and university names that the tokenizer keeps as one word
(天津港集团, 西安交通大学), and county short forms outside the document's province. Do not tune rules on single sentences of this file:
fix the class of error, and add new blind sentences (annotated first) when a class is fixed.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.extract.organizations import extract_organizations
from pipeline.extract.places import extract_places
from pipeline.extract.policies import extract_policies
from pipeline.records import DocMeta
from tests.test_policies import build_doc, norm_name

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "entities_blind.yaml").read_text(encoding="utf-8"))
EXTRACT = {"places": extract_places, "policies": extract_policies, "organizations": extract_organizations}
FLOORS = {"places": 0.82, "policies": 0.93, "organizations": 0.95}
CODE_FLOOR = 0.95
#: names that are optional in every sentence, as in the shared gold (中国 is never required there)
ALWAYS_OPTIONAL = {"places": {"中国"}}


def _doc(case: dict):
    doc = build_doc(case["text"])
    if case.get("region"):
        doc = type(doc)(**{**doc.__dict__, "meta": DocMeta(region_code=str(case["region"]))})
    return doc


def _alts(name: str) -> set[str]:
    return {norm_name(a) for a in name.split("|")}


def score_table(table: str, cases=CASES) -> dict:
    """Micro-averaged SPEC §4 set scoring over all sentences of the blind file."""
    tp = fp = fn = codes_ok = codes_n = 0
    missed, extra = [], []
    for case in cases:
        expected = case.get(table) or {}
        if isinstance(expected, list):
            expected = {n: None for n in expected}
        rows = EXTRACT[table](_doc(case))
        pred = {norm_name(r.name) for r in rows}
        known = set(ALWAYS_OPTIONAL.get(table, ()))
        for name, code in expected.items():
            alts = _alts(name)
            known |= alts
            if alts & pred:
                tp += 1
                if table == "places" and code is not None:
                    codes_n += 1
                    got = {r.code for r in rows if norm_name(r.name) in alts}
                    codes_ok += str(code) in got
            else:
                fn += 1
                missed.append(name)
        for name in (case.get("optional") or {}).get(table, []):
            known |= _alts(name)
        wrong = sorted(pred - known)
        fp += len(wrong)
        extra += wrong
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f1": f, "tp": tp, "fp": fp, "fn": fn, "missed": missed, "extra": extra,
            "code_acc": codes_ok / codes_n if codes_n else 1.0}


def test_enough_blind_sentences():
    assert len(CASES) >= 60
    assert all("text" in c for c in CASES)


@pytest.mark.parametrize("table", sorted(FLOORS))
def test_blind_floor(table):
    s = score_table(table)
    print(f"\n{table}: P={s['p']:.3f} R={s['r']:.3f} F1={s['f1']:.3f} tp={s['tp']} fp={s['fp']} fn={s['fn']}"
          f"\n  missed={s['missed']}\n  extra={s['extra']}")
    assert s["f1"] >= FLOORS[table]
    if table == "places":
        assert s["code_acc"] >= CODE_FLOOR


if __name__ == "__main__":  # python -m tests.test_entities_blind: print the figures
    for t in EXTRACT:
        s = score_table(t)
        print(f"{t}: P={s['p']:.3f} R={s['r']:.3f} F1={s['f1']:.3f} tp={s['tp']} fp={s['fp']} fn={s['fn']}"
              f" code_acc={s['code_acc']:.3f}\n  missed={s['missed']}\n  extra={s['extra']}")
