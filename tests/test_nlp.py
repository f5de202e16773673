"""The spaCy pipeline (tokenizer, SpanRuler from rules/, entity filter, trained ner) and the
--ner / --segmented / --pos options of `zhreport run`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

from pipeline.nlp.pipeline import MODEL_DIR, rules_pipeline  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = [
    "江西省九江市深入实施长江大保护，国家发展改革委和晶科能源给予支持。",
    "鄱阳湖、洞庭湖水质总体改善，德国能源署参与技术交流。",
    "婺源县推行林长制，中国石化扩大投资。",
]
#: team-written sentences: what the SpanRuler + filter must and must not call an entity
CASES = [
    ("九江市推进长江大保护。", {("九江市", "PLACE"), ("长江大保护", "POLICY")}),
    ("国家发展改革委支持晶科能源。", {("国家发展改革委", "ORG"), ("晶科能源", "ORG")}),
    ("江西山茶油销量增长。", set()),  # a product that contains a place
    ("“井冈山”品牌大米走向市场。", set()),  # a brand
    ("中央高度重视生态保护。", set()),  # 中央 alone is no organization
]


@pytest.fixture(scope="module")
def nlp():
    return rules_pipeline()


@pytest.mark.parametrize("text,expected", CASES)
def test_span_ruler_and_filter(nlp, text, expected):
    assert {(e.text, e.label_) for e in nlp(text).ents} == expected


def test_saved_pipeline_gives_identical_tokens_and_spans_in_a_fresh_process(nlp, tmp_path):
    nlp.to_disk(tmp_path / "p")
    want = [[[t.text for t in d], [(e.start_char, e.end_char, e.label_) for e in d.ents]]
            for d in nlp.pipe(SENTENCES)]
    code = ("import json, sys, spacy, pipeline.nlp\n"
            "nlp = spacy.load(sys.argv[1])\n"
            "print(json.dumps([[[t.text for t in d], [(e.start_char, e.end_char, e.label_) for e in d.ents]]"
            " for d in nlp.pipe(json.loads(sys.argv[2]))], ensure_ascii=False))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "p"), json.dumps(SENTENCES)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout) == json.loads(json.dumps(want))
    assert not list((tmp_path / "p").rglob("*.pkl"))


def test_model_loads_offline_and_predicts():
    from pipeline.nlp import load

    model = load(MODEL_DIR)
    assert "ner" in model.pipe_names
    doc = model("赣州市寻乌县推进废弃稀土矿山综合治理，江西理工大学提供技术支撑。")
    assert {e.label_ for e in doc.ents} <= {"PLACE", "ORG", "POLICY"} and doc.ents
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    assert size <= 25_000_000


def _run(args, out):
    from click.testing import CliRunner

    from pipeline.cli import main

    res = CliRunner().invoke(main, ["run", str(ROOT / "corpus"), "--out", str(out), "-q", *args])
    assert res.exit_code == 0, res.output


def test_segmented_and_pos_outputs_are_byte_identical_on_rerun(tmp_path):
    _run(["--pos"], tmp_path)
    files = sorted((tmp_path / "segmented").glob("*.txt"))
    assert files
    first = {f.name: f.read_bytes() for f in files}
    text = (tmp_path / "text" / files[0].name).read_text(encoding="utf-8")
    seg = files[0].read_text(encoding="utf-8")
    assert seg.count("\n") == text.count("\n") + 1
    assert "江西省/ns" in seg
    _run(["--pos"], tmp_path)
    assert {f.name: f.read_bytes() for f in sorted((tmp_path / "segmented").glob("*.txt"))} == first
    _run(["--segmented", "--force"], tmp_path / "plain")
    plain = next((tmp_path / "plain" / "segmented").glob("*.txt")).read_text(encoding="utf-8")
    assert "/" not in plain.split("\n")[0] and " 江西省 " in plain


def test_ner_run_passes_the_contract(tmp_path, shared):
    _run(["--ner"], tmp_path)
    check = subprocess.run([sys.executable, str(shared / "tools" / "check_contract.py"), str(tmp_path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_default_run_does_not_import_spacy():
    code = ("import sys, pipeline.cli, pipeline.batch, pipeline.process\n"
            "assert not any(m == 'spacy' or m.startswith('spacy.') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_model_reads_only_clauses_that_can_hold_a_row(monkeypatch):
    """A clause whose every name ending lies inside rule rows (九江市, 长江大保护) or that has none
    (经济稳定增长) is never given to the model; the clause with 洪渡河 is, and its row comes back."""
    from pipeline.extract import ner
    from pipeline.process import build_doc
    from pipeline.records import RawText

    read: list[str] = []
    model_spans = ner.model_spans
    monkeypatch.setattr(ner, "model_spans", lambda texts: read.extend(texts) or model_spans(texts))
    doc = build_doc(RawText(text="九江市推进长江大保护，经济稳定增长。贵州省遵义市洪渡河流域开展生态补偿。", fmt="txt"),
                    doc_id="t", source="t.txt")
    places, policies, orgs = ner.extract_entities_ner(doc)
    assert read == ["贵州省遵义市洪渡河流域开展生态补偿"]
    assert [(p.mention, p.type, p.source) for p in places] == [("洪渡河", "water", "model")]
    assert ner.clauses("甲，乙；丙。") == [(0, 1), (2, 3), (4, 5)]
