"""`zhreport eval` scores exactly as SPEC §4 and tools/score.py: figures computed by hand on a small
gold/prediction pair, and the same --json as score.py on that pair and on a real run."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import GOLD, SAMPLE
from pipeline.cli import main

ATTRS = dict(qualifier="=", kind="level", direction="", modality="actual", period="2025", place="江西省")
ANCHOR = "电子信息、有色金属产业突破万亿元"
GOLD_INDICATORS = [
    dict(anchor="增长5.5%", subject="地区生产总值", value=5.5, unit="%", **(ATTRS | dict(kind="change", direction="up"))),
    dict(anchor="森林覆盖率63.35%", subject="森林覆盖率", value=63.35, unit="%", **ATTRS),
    dict(anchor="五个方面", subject="方面工作", value=5, unit="个", required=False, **ATTRS),
    dict(anchor="粮食产量440亿斤", subject="粮食产量", value=4.4e10, unit="斤", **ATTRS),
    dict(anchor=ANCHOR, subject="电子信息产业", value=1e12, unit="元", **(ATTRS | dict(qualifier=">"))),
    dict(anchor=ANCHOR, subject="有色金属产业", value=1e12, unit="元", **(ATTRS | dict(qualifier=">"))),
]
EVIDENCE = {
    "增长5.5%": "全省地区生产总值增长5.5%。",
    "森林覆盖率63.35%": "森林覆盖率63.35%，稳居全国前列。",
    "五个方面": "重点推进了五个方面工作。",
    ANCHOR: f"{ANCHOR}。",
}


def pred_indicator(gold: dict, **changes: object) -> dict:
    row = {k: v for k, v in gold.items() if k not in ("anchor", "required")}
    return row | dict(evidence=EVIDENCE[gold["anchor"]], doc_id="d1") | changes


PREDICTIONS = {
    "documents": [dict(doc_id="d1", source="corpus/doc.txt")],
    "sources": [dict(doc_id="d1", source="corpus/doc.txt")],
    "indicators": [
        pred_indicator(GOLD_INDICATORS[0], value=5.5000001),  # within the relative tolerance
        pred_indicator(GOLD_INDICATORS[1], kind="change"),  # matched, one attribute wrong
        pred_indicator(GOLD_INDICATORS[2]),  # an optional line: neither right nor wrong
        pred_indicator(GOLD_INDICATORS[5]),  # two candidates in one sentence: subject decides
        pred_indicator(GOLD_INDICATORS[4], subject="电子信息"),
        pred_indicator(GOLD_INDICATORS[1], value=100.0, unit="亿元", subject="投资"),  # false positive
    ],
    "places": [
        dict(doc_id="d1", name="江西", code="360000"),  # found through an alias
        dict(doc_id="d1", name="“南昌市”", code="360199"),  # quotes removed; wrong code
        dict(doc_id="d1", name="庐山", code=""),  # optional: not a false positive
        dict(doc_id="d1", name="九江市", code="360400"),  # false positive
    ],
    "policies": [],
    "organizations": [dict(doc_id="d1", name="省人民政府")],
}
GOLD_FILES = {
    "doc": {
        "indicators": GOLD_INDICATORS,
        "places": [dict(anchor="江西省", name="江西省", code="360000", aliases=["江西"]),
                   dict(anchor="南昌", name="南昌市", code="360100"),
                   dict(anchor="庐山", name="庐山", code="", required=False)],
        "policies": [dict(anchor="长江大保护三年行动", name="长江大保护三年行动")],
    },
    "unknown_doc": {"places": [dict(anchor="赣州", name="赣州市", code="360700")]},
}


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    gold, pred = tmp_path / "gold", tmp_path / "pred"
    for stem, tables in GOLD_FILES.items():
        (gold / stem).mkdir(parents=True)
        for name, rows in tables.items():
            lines = [json.dumps(r, ensure_ascii=False) for r in rows]
            (gold / stem / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pred.mkdir()
    for name, rows in PREDICTIONS.items():
        with open(pred / f"{name}.csv", "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=sorted({k for r in rows for k in r}) or ["doc_id", "name"])
            writer.writeheader()
            writer.writerows(rows)
    return gold, pred


def eval_json(gold: Path, pred: Path) -> dict:
    result = CliRunner().invoke(main, ["eval", "--gold", str(gold), "--pred", str(pred), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def score_json(shared: Path, gold: Path, pred: Path) -> dict:
    done = subprocess.run([sys.executable, shared / "tools" / "score.py", gold, pred, "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_figures_computed_by_hand(pair: tuple[Path, Path]) -> None:
    out = eval_json(*pair)
    overall = out["overall"]
    # 4 required found (one via the closest subject), 1 missed, 1 extra; the optional hit is neutral
    assert overall["indicators"] == dict(p=0.8, r=0.8, f1=0.8, tp=4, fp=1, fn=1)
    # the wrong kind makes that row both a miss and a false positive
    assert overall["indicators_strict"] == dict(p=0.6, r=0.6, f1=0.6, tp=3, fp=2, fn=2)
    # attributes over the 5 matched rows, optional one included
    assert overall["indicator_attributes"] == dict(subject=1.0, qualifier=1.0, kind=0.8, direction=1.0,
                                                   modality=1.0, period=1.0, place=1.0)
    # 江西 (alias) and 南昌市 found, 九江市 extra, 赣州市 missed in a document that was not predicted
    assert overall["places"] == dict(p=0.6667, r=0.6667, f1=0.6667, tp=2, fp=1, fn=1)
    assert overall["place_codes"] == 0.5
    assert overall["policies"] == dict(p=0.0, r=0.0, f1=0.0, tp=0, fp=0, fn=1)
    assert overall["organizations"] == dict(p=0.0, r=0.0, f1=0.0, tp=0, fp=0, fn=0)
    assert out["documents"]["unknown_doc"] == {"places": dict(p=0.0, r=0.0, f1=0.0, found=False)}
    assert set(out["documents"]["doc"]) == {"indicators", "places", "policies"}


def test_verbose_report_lists_misses_and_false_positives(pair: tuple[Path, Path]) -> None:
    gold, pred = pair
    result = CliRunner().invoke(main, ["eval", "--gold", str(gold), "--pred", str(pred), "-v"])
    assert result.exit_code == 0
    assert "missed: 44000000000.0斤 (粮食产量) | 粮食产量440亿斤" in result.output
    assert "extra:" in result.output and "投资" in result.output and "九江市" in result.output
    assert "== unknown_doc  (NOT FOUND in predictions)" in result.output


def test_a_folder_without_tables_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "--gold", str(tmp_path), "--pred", str(tmp_path)])
    assert result.exit_code == 2 and "no documents table" in result.output


def test_same_json_as_score_py_on_the_hand_made_pair(pair: tuple[Path, Path], shared: Path) -> None:
    assert eval_json(*pair) == score_json(shared, *pair)


def test_same_json_as_score_py_when_only_parquet_is_there(pair: tuple[Path, Path], shared: Path) -> None:
    gold, pred = pair
    for path in pred.glob("*.csv"):
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        if "value" in frame:
            frame["value"] = frame["value"].astype(float)
        frame.to_parquet(path.with_suffix(".parquet"))
        path.unlink()
    assert eval_json(gold, pred) == score_json(shared, gold, pred)


def test_same_json_as_score_py_on_a_real_run(tmp_path: Path, shared: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    shutil.copy(SAMPLE, corpus / SAMPLE.name)
    assert CliRunner().invoke(main, ["run", str(corpus), "--out", str(out)]).exit_code == 0
    assert eval_json(GOLD, out) == score_json(shared, GOLD, out)
