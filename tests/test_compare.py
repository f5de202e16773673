"""diff and panel over two team-written reports of one city for consecutive years, plus a bulletin.

tests/data/years/huzhou_2025.txt and huzhou_2026.txt: GDP growth changes (5.1 → 5.3 %), new urban
jobs stay, forest cover and budget revenue are dropped, 美丽乡村 is renamed 美丽乡村示范村 (120 → 150),
R&D intensity moves from a 2025 target (2.7 %) to an actual (2.6 %), 百村示范 is dropped and
数字乡村 added.  tests/data/bulletin gives a different 2024 GDP growth (5.2 %): a panel conflict.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.compare.diff import indicator_diff, similarity
from pipeline.output.folders import compare_columns
from pipeline.output.report import highlight, series
from pipeline.output.tables import schema_of

DATA = Path(__file__).resolve().parent / "data"
BOM = b"\xef\xbb\xbf"


def zhreport(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("compare")
    runs = {"years": base / "years", "bulletin": base / "bulletin"}
    for name, out in runs.items():
        code, output = zhreport("run", DATA / name, "--out", out, "-q")
        assert code == 0, output
    diff = base / "diff"
    code, output = zhreport("diff", runs["years"], "--doc-a", "huzhou_2025", "--doc-b", "huzhou_2026.txt",
                            "--out", diff)
    assert code == 0, output
    panel = base / "panel"
    code, output = zhreport("panel", runs["years"], runs["bulletin"], "--out", panel)
    assert code == 0, output
    return {**runs, "diff": diff, "panel": panel, "base": base}


def rows(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def by_indicator(df: pd.DataFrame, indicator: str, modality: str = "actual") -> dict:
    found = df[(df.indicator == indicator) & (df.modality == modality)]
    assert len(found) == 1, (indicator, modality, found)
    return found.iloc[0].to_dict()


def test_every_status_and_value(folders: dict[str, Path]) -> None:
    d = rows(folders["diff"], "indicator_diff")
    assert sorted(d.status.value_counts().items()) == [("added", 2), ("changed", 2), ("removed", 3), ("unchanged", 3)]
    gdp = by_indicator(d, "地区生产总值")
    assert (gdp["status"], gdp["value_a"], gdp["value_b"], gdp["period_a"], gdp["period_b"]) == \
        ("changed", 5.1, 5.3, "2024", "2025")
    assert gdp["delta"] == pytest.approx(0.2) and gdp["rel_change"] == pytest.approx(0.2 / 5.1)
    assert gdp["similarity"] == 1.0 and gdp["match"] == "exact" and gdp["place_code"] == "330500"
    assert gdp["evidence_a"] == "过去一年，全市地区生产总值增长5.1%。" and gdp["evidence_b"].endswith("增长5.3%。")
    text_a = (folders["years"] / "text" / f'{gdp["doc_a"]}.txt').read_text(encoding="utf-8")
    assert text_a[gdp["start_a"]:gdp["end_a"]] == "5.1%"
    jobs = by_indicator(d, "城镇新增就业")
    assert (jobs["status"], jobs["value_a"], jobs["value_b"], jobs["delta"]) == ("unchanged", 65000.0, 65000.0, 0.0)
    target = by_indicator(d, "地区生产总值", "target")
    assert (target["status"], target["period_a"], target["period_b"]) == ("unchanged", "2025", "2026")
    renamed = by_indicator(d, "美丽乡村示范村")
    assert (renamed["status"], renamed["match"], renamed["subject_a"], renamed["value_a"], renamed["value_b"]) == \
        ("changed", "fuzzy", "美丽乡村", 120.0, 150.0)
    assert renamed["similarity"] == pytest.approx(2 / 3, abs=1e-6) and renamed["delta"] == 30.0
    for name, modality in (("森林覆盖率", "actual"), ("一般公共预算收入", "actual"),
                           ("研究与试验发展经费投入强度", "target")):
        gone = by_indicator(d, name, modality)
        assert gone["status"] == "removed" and math.isnan(gone["value_b"]) and gone["doc_b"] == "" \
            and gone["start_b"] == -1 and math.isnan(gone["similarity"])
    for name, value in (("财政总收入", 1.31e10), ("研究与试验发展经费投入强度", 2.6)):
        new = by_indicator(d, name)
        assert new["status"] == "added" and new["value_b"] == value and math.isnan(new["value_a"])


def test_a_fall_is_negative_in_delta() -> None:
    def row(value: float, direction: str, start: int) -> dict:
        return dict(row_id=str(start), doc_id="a" if start < 10 else "b", start=start, end=start + 2,
                    subject="能耗", indicator="单位GDP能耗", unit="%", place_code="1", kind="change", scope="",
                    modality="actual", value=value, direction=direction, period="2025", qualifier="=",
                    evidence="", value_raw="")
    [out] = indicator_diff([row(2.0, "down", 1)], [row(3.0, "up", 11)])
    assert (out["value_a"], out["value_b"], out["delta"], out["rel_change"]) == (2.0, 3.0, 5.0, 2.5)
    [flip] = indicator_diff([row(2.0, "down", 1)], [row(2.0, "up", 11)])
    assert flip["status"] == "changed"


def test_threshold_option(folders: dict[str, Path]) -> None:
    strict = folders["base"] / "strict"
    code, output = zhreport("diff", folders["years"], "--doc-a", "huzhou_2025", "--doc-b", "huzhou_2026",
                            "--threshold", "0.9", "--out", strict)
    assert code == 0, output
    d = rows(strict, "indicator_diff")
    assert set(d.loc[d.indicator.isin(["美丽乡村", "美丽乡村示范村"]), "status"]) == {"added", "removed"}
    assert similarity("美丽乡村", "美丽乡村示范村") == pytest.approx(2 / 3, abs=1e-6)


def test_targets_against_outcomes(folders: dict[str, Path]) -> None:
    t = rows(folders["diff"], "target_outcome").set_index("indicator")
    assert list(t.period.unique()) == ["2025"]
    assert t.loc["地区生产总值", ["target", "outcome", "verdict"]].tolist() == [5.0, 5.3, "met"]
    assert t.loc["城镇新增就业", ["target", "target_qualifier", "outcome", "verdict"]].tolist() == \
        [60000.0, ">=", 65000.0, "met"]
    assert t.loc["研究与试验发展经费投入强度", ["target", "outcome", "verdict"]].tolist() == [2.7, 2.6, "missed"]
    assert t.loc["研究与试验发展经费投入强度", "gap"] == pytest.approx(-0.1)


def test_entities_new_dropped_continued(folders: dict[str, Path]) -> None:
    e = rows(folders["diff"], "entity_diff")
    got = {(r.table, r.name): r.status for r in e.itertuples()}
    assert got[("policies", "数字乡村行动")] == "new"
    assert got[("policies", "百村示范工程")] == "dropped"
    assert got[("policies", "绿色家园行动")] == "continued"
    assert got[("organizations", "湖州市人民政府")] == "continued"
    assert got[("places", "湖州市")] == "continued"


def test_panel_keeps_both_values_and_flags_the_conflict(folders: dict[str, Path]) -> None:
    long = rows(folders["panel"], "panel_long")
    gdp = long[(long.indicator == "地区生产总值") & (long.modality == "actual")]
    assert sorted(zip(gdp.period, gdp.value, gdp.conflict)) == [("2024", 5.1, True), ("2024", 5.2, True),
                                                                ("2025", 5.3, False)]
    jobs = long[(long.indicator == "城镇新增就业") & (long.modality == "actual") & (long.period == "2024")]
    assert len(jobs) == 2 and not jobs.conflict.any()  # two documents, the same value
    wide = rows(folders["panel"], "panel_wide")
    assert list(wide.columns[:5]) == ["indicator", "unit", "place_code", "kind", "modality"]
    assert list(wide.columns[-3:]) == ["2024", "2025", "2026"]
    row = wide[(wide.indicator == "地区生产总值") & (wide.modality == "target")].iloc[0]
    assert math.isnan(row["2024"]) and row["2025"] == 5.0 and row["2026"] == 5.0
    gdp_wide = wide[(wide.indicator == "地区生产总值") & (wide.modality == "actual")].iloc[0]
    assert gdp_wide.conflict_periods == "2024" and gdp_wide["2025"] == 5.3


def test_formats_like_run(folders: dict[str, Path]) -> None:
    for folder, names in ((folders["diff"], ("indicator_diff", "entity_diff", "target_outcome")),
                          (folders["panel"], ("panel_long", "panel_wide"))):
        for name in names:
            raw = (folder / f"{name}.csv").read_bytes()
            assert raw.startswith(BOM) and b"\r\n" not in raw
            schema = pq.read_schema(folder / f"{name}.parquet").remove_metadata()
            if name != "panel_wide":
                assert schema == schema_of(compare_columns(name))
            assert raw[3:].decode("utf-8").split("\n")[0] == ",".join(schema.names)
    csv = pd.read_csv(folders["diff"] / "indicator_diff.csv", encoding="utf-8-sig", keep_default_na=False)
    assert (csv.loc[csv.status == "added", "value_a"] == "").all()  # an absent value is an empty cell


def test_summary_reads_in_a_terminal(folders: dict[str, Path]) -> None:
    text = (folders["diff"] / "summary.md").read_text(encoding="utf-8")
    assert "2 changed, 3 unchanged, 2 added, 3 removed" in text
    assert "美丽乡村 → 美丽乡村示范村 (0.67)" in text and "2 met, 1 missed" in text
    assert "new: 数字乡村行动" in text and "dropped: 百村示范工程" in text


def test_duckdb_has_every_table_and_the_views(folders: dict[str, Path]) -> None:
    with duckdb.connect(str(folders["years"] / "zhreport.duckdb"), read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"documents", "indicators", "places", "policies", "organizations", "errors",
                "indicator_panel", "policies_by_year"} <= names
        years = con.execute("SELECT year, name FROM policies_by_year ORDER BY year, name").fetchall()
        assert (2025, "百村示范工程") in years and (2026, "数字乡村行动") in years
        n = con.execute("SELECT count(*) FROM indicators").fetchone()[0]
        assert n == len(rows(folders["years"], "indicators"))
    with duckdb.connect(str(folders["diff"] / "zhreport.duckdb"), read_only=True) as con:
        missed = con.execute("SELECT indicator FROM targets_missed").fetchall()
        assert missed == [("研究与试验发展经费投入强度",)]


def test_diff_rerun_is_byte_identical(folders: dict[str, Path]) -> None:
    def files(folder: Path) -> dict[str, bytes]:
        paths = [*folder.glob("*.parquet"), *folder.glob("*.csv"), folder / "summary.md", *folder.glob("report/*")]
        return {p.name: p.read_bytes() for p in paths}

    before = files(folders["diff"])
    code, _ = zhreport("diff", folders["years"], "--doc-a", "huzhou_2025", "--doc-b", "huzhou_2026.txt",
                       "--out", folders["diff"])
    assert code == 0 and files(folders["diff"]) == before


def test_usage_errors(folders: dict[str, Path], tmp_path: Path) -> None:
    code, output = zhreport("diff", folders["years"], folders["years"], "--out", tmp_path / "x")
    assert code == 2 and "choose one with --doc-a/--doc-b" in output
    code, output = zhreport("diff", folders["years"], "--doc-a", "nope", "--doc-b", "huzhou_2026", "--out", tmp_path / "x")
    assert code == 2 and "'nope' names 0 documents" in output
    code, output = zhreport("panel", tmp_path, "--out", tmp_path / "y")
    assert code == 2 and "not an output folder" in output


# ------------------------------------------------------------------ HTML, structurally


def test_every_extraction_row_has_its_highlight(folders: dict[str, Path]) -> None:
    out = folders["years"]
    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    documents = rows(out, "documents")
    for doc_id in documents.doc_id:
        assert f'href="{doc_id}.html"' in index
        page = (out / "report" / f"{doc_id}.html").read_text(encoding="utf-8")
        marked = {rid for ids in re.findall(r'<mark class="[^"]*" data-r="([^"]*)"', page) for rid in ids.split()}
        for table, prefix in (("indicators", "ind"), ("places", "pla"), ("policies", "pol"),
                              ("organizations", "org")):
            for r in rows(out, table).query("doc_id == @doc_id").itertuples():
                assert f"{prefix}-{r.row_id}" in marked, (table, r.row_id)
        assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page


def test_every_indicator_in_two_periods_has_its_chart(folders: dict[str, Path]) -> None:
    page = (folders["diff"] / "report" / "index.html").read_text(encoding="utf-8")
    charts = dict(re.findall(r'<svg class="chart"[^>]* data-key="([^"]*)" data-points="([^"]*)"', page))
    ind = rows(folders["years"], "indicators").to_dict("records")
    expected = series(ind)
    assert expected, "the fixture has indicators in two periods"
    import html
    import json
    keys = {tuple(json.loads(html.unescape(k))): json.loads(html.unescape(v)) for k, v in charts.items()}
    for key in expected:
        assert key in keys, key
        assert len({p["period"] for p in keys[key]}) >= 2
    gdp = keys[("地区生产总值", "%", "330500", "change", "")]
    assert {(p["period"], p["modality"], p["value"]) for p in gdp} >= {("2024", "actual", 5.1), ("2025", "actual", 5.3),
                                                                       ("2025", "target", 5.0)}


def test_run_report_is_deterministic_and_stays_light_for_a_long_report(tmp_path: Path) -> None:
    text = ("全市地区生产总值增长5.1%，“绿色家园”行动覆盖湖州市。\n" * 1200)[:30000]
    spans = []
    for i in range(0, len(text), 30):
        spans += [(i + 8, i + 12, "ind", f"ind-{i}"), (i + 14, i + 20, "pol", f"pol-{i}"),
                  (i + 22, i + 25, "pla", f"pla-{i}"), (i + 16, i + 18, "org", f"org-{i}")]  # nested
    page = highlight(text, spans)
    assert page.count("<mark") <= 2 * len(spans)
    assert highlight(text, spans) == page
    assert re.sub(r"<[^>]+>", "", page) == text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert highlight("ab", [(1, 1, "ind", "ind-x")]) == 'a<mark class="ind" data-r="ind-x"></mark>b'


def test_shared_reports_diff_and_panel(shared: Path, tmp_path: Path) -> None:
    """The real Hubei, Zhejiang and Sichuan reports: a diff between two issuers and a panel run."""
    corpus = [shared / "corpus" / f"{n}_gov_work_report_2026.txt" for n in ("hubei", "zhejiang", "sichuan")]
    out = tmp_path / "run"
    assert zhreport("run", *corpus, "--out", out, "-q")[0] == 0
    code, output = zhreport("diff", out, "--doc-a", "hubei_gov_work_report_2026",
                            "--doc-b", "zhejiang_gov_work_report_2026", "--out", tmp_path / "diff")
    assert code == 0, output
    d = rows(tmp_path / "diff", "indicator_diff")
    assert {"added", "removed"} <= set(d.status) and len(d) > 100
    assert (tmp_path / "diff" / "report" / "index.html").stat().st_size > 10_000
    code, output = zhreport("panel", out, "--out", tmp_path / "panel")
    assert code == 0, output
    long = rows(tmp_path / "panel", "panel_long")
    assert long.doc_id.nunique() == 3
