"""Untrusted rules and inputs: YAML is parsed safely, nothing from a file is executed, and no
path in sidecar metadata reaches outside the corpus folder."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.batch import run
from robustness.conftest import ROOT, ZHREPORT, table, zhreport

REPORT = "2025年，全省森林覆盖率达到63.35%，空气质量优良天数比例为92.4%。\n"


def python_tag(marker: Path) -> str:
    return f'!!python/object/apply:os.system ["touch {marker}"]'


@pytest.fixture
def sidecars(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(corpus, out, marker): five reports, each with a hostile sidecar, and one outside file."""
    corpus, marker = tmp_path / "corpus", tmp_path / "pwned"
    corpus.mkdir()
    for i, name in enumerate("abcdef"):
        (corpus / f"{name}.txt").write_text(f"{REPORT}（{i}）\n", encoding="utf-8")
    outside = tmp_path / "outside.meta.yaml"
    outside.write_text("title: 外部标题\n", encoding="utf-8")
    (corpus / "a.meta.yaml").write_text(f"title: {python_tag(marker)}\n", encoding="utf-8")
    (corpus / "b.meta.yaml").symlink_to(outside)
    (corpus / "c.meta.yaml").write_text("path: ../../etc/passwd\n", encoding="utf-8")
    (corpus / "d.meta.yaml").write_text("title: ../../../etc/cron.d/x\nissuer: /etc/passwd\n", encoding="utf-8")
    os.mkfifo(corpus / "e.meta.yaml")
    laughs = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"{k}: &{k} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]" for p, k in zip("abcdefgh", "bcdefghi")]
    (corpus / "f.meta.yaml").write_text("\n".join(laughs) + "\ntitle: *i\n", encoding="utf-8")
    return corpus, tmp_path / "out", marker


def test_hostile_sidecars_are_refused_and_the_reports_still_written(sidecars) -> None:
    corpus, out, marker = sidecars
    report = run(inputs=[str(corpus)], out=out)
    assert not marker.exists(), "a YAML tag ran a command"
    errors = table(out, "errors").set_index("source")
    assert errors[["stage", "error"]].to_dict("index") == {
        str(corpus / f"{n}.txt"): {"stage": "meta", "error": "bad_meta"} for n in "abcef"}
    messages = errors.message
    assert "a.meta.yaml" in messages[str(corpus / "a.txt")]
    assert "could not determine a constructor for the tag" in messages[str(corpus / "a.txt")]
    assert f"b.meta.yaml points outside {corpus}" == messages[str(corpus / "b.txt")]
    assert "unknown key 'path'" in messages[str(corpus / "c.txt")]
    assert "not a small regular file" in messages[str(corpus / "e.txt")]
    assert "unknown key 'a'" in messages[str(corpus / "f.txt")]
    documents = table(out, "documents").set_index("source")
    assert report.n_documents == len(documents) == 6
    assert "外部标题" not in set(documents.title)
    # A value that looks like a path is only ever a string in the tables.
    assert documents.loc[str(corpus / "d.txt"), ["title", "issuer"]].tolist() == ["../../../etc/cron.d/x", "/etc/passwd"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["corpus", "out", "outside.meta.yaml"]


def _in_rules(rules: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter whose rules folder is `rules` (read at import)."""
    env = {**os.environ, "ZHREPORT_RULES": str(rules)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)


def test_a_rules_file_with_a_python_tag_does_not_load(tmp_path: Path) -> None:
    rules, marker = tmp_path / "rules", tmp_path / "pwned"
    rules.mkdir()
    (rules / "evil.yaml").write_text(f"units: {python_tag(marker)}\n", encoding="utf-8")
    (tmp_path / "outside.yaml").write_text("a: 1\n", encoding="utf-8")
    done = _in_rules(rules, (
        "from pipeline.rules import RulesError, load_yaml\n"
        "for name in ('evil.yaml', '../outside.yaml'):\n"
        "    try:\n"
        "        load_yaml(name)\n"
        "    except RulesError as exc:\n"
        "        print('refused:', ' '.join(str(exc).split()))\n"
        "    else:\n"
        "        print('loaded:', name)\n"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("refused: evil.yaml: could not determine a constructor for the tag "
                               "'tag:yaml.org,2002:python/object/apply:os.system'")
    assert lines[1] == "refused: rule path escapes the rules folder: ../outside.yaml"
    assert not marker.exists()


def test_a_poisoned_rules_folder_runs_nothing_and_says_which_file(tmp_path: Path) -> None:
    rules, marker = tmp_path / "rules", tmp_path / "pwned"
    shutil.copytree(ROOT / "rules", rules)
    with open(rules / "normalize.yaml", "a", encoding="utf-8") as f:
        f.write(f"\nevil: {python_tag(marker)}\n")
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    env = {**os.environ, "ZHREPORT_RULES": str(rules)}
    done = subprocess.run([str(ZHREPORT), "run", str(tmp_path / "r.txt"), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert not marker.exists()
    assert "normalize.yaml: could not determine a constructor for the tag" in done.stderr
    assert "0 documents written, 1 errors" in done.stdout
