"""Scale: --jobs and --dask give the same bytes as one process; the compiled-rules cache is keyed on
the rules and survives damage; the fast matchers give exactly the plain regex matches."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from pipeline import compiled
from pipeline.cli import main
from pipeline.extract.fastmatch import alternation, finditer_at


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and (p.suffix in (".parquet", ".csv") or p.parent.name == "text")}


def test_jobs_and_dask_write_the_same_bytes_as_one_process(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLE, corpus / SAMPLE.name)
    text = SAMPLE.read_text(encoding="utf-8")[:3000]
    (corpus / "varied.txt").write_text(re.sub(r"\d", "7", text).replace("江西", "湖南"), encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    runs = {}
    for name, args in (("one", ["--jobs", "1"]), ("two", ["--jobs", "2"]), ("dask", ["--dask", "local"])):
        result = CliRunner().invoke(main, ["run", str(corpus), "--out", str(tmp_path / name), "-q", *args])
        assert result.exit_code == 0, result.output
        assert "3 documents written" not in result.output and "2 documents written, 1 errors" in result.output
        runs[name] = _outputs(tmp_path / name)
    assert len(runs["one"]) >= 20 and any(k.startswith("text/") for k in runs["one"])
    assert runs["two"] == runs["one"]
    assert runs["dask"] == runs["one"]


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    compiled_timeout = "pipeline.cluster.CONNECT_TIMEOUT"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compiled_timeout, "1s")
        result = CliRunner().invoke(main, ["run", str(SAMPLE), "--out", str(tmp_path / "o"), "--dask",
                                           "tcp://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "could not reach the Dask scheduler tcp://127.0.0.1:9" in result.output


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ZHREPORT_CACHE", str(tmp_path / "compiled"))
    return tmp_path / "compiled"


def test_the_compiled_cache_is_built_once_and_then_loaded(cache: Path) -> None:
    builds = []

    def build() -> dict:
        builds.append(1)
        return {"automaton": [1, 2, 3]}

    assert compiled.cached("thing.pickle", build, builder=__file__) == {"automaton": [1, 2, 3]}
    assert compiled.cached("thing.pickle", build, builder=__file__) == {"automaton": [1, 2, 3]}
    assert len(builds) == 1
    assert [p.name for p in cache.rglob("*") if p.is_file()] == ["thing.pickle"]  # no temporary left


def test_a_rules_change_gets_a_new_cache_folder(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = []
    first = compiled.cached("thing.pickle", lambda: builds.append(1) or "old rules", builder=__file__)
    monkeypatch.setattr(compiled, "fingerprint", lambda: "0123456789abcdef")
    second = compiled.cached("thing.pickle", lambda: builds.append(1) or "new rules", builder=__file__)
    assert (first, second, len(builds)) == ("old rules", "new rules", 2)
    assert len(list(cache.iterdir())) == 2
    assert compiled.cache_dir(builder=__file__).name.startswith("0123456789abcdef-")


@pytest.mark.parametrize("damage", [b"", b"\x80\x04\x95garbage", b"not a pickle at all"])
def test_a_corrupt_cache_file_is_rebuilt_not_fatal(cache: Path, damage: bytes) -> None:
    compiled.cached("thing.pickle", lambda: "good", builder=__file__)
    path = compiled.cache_dir(builder=__file__) / "thing.pickle"
    path.write_bytes(damage)
    assert compiled.cached("thing.pickle", lambda: "rebuilt", builder=__file__) == "rebuilt"
    assert compiled.cached("thing.pickle", lambda: "not again", builder=__file__) == "rebuilt"


def test_an_unwritable_cache_only_costs_the_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("ZHREPORT_CACHE", str(blocker / "compiled"))  # a folder under a file
    assert compiled.cached("thing.pickle", lambda: "built", builder=__file__) == "built"


def test_the_cached_tokenizer_and_gazetteer_match_fresh_builds(cache: Path) -> None:
    import marshal

    from pipeline.extract import places
    from pipeline.text import segment

    fresh = segment._prefix_dict()
    loaded = compiled.cached("tokenizer.marshal", segment._prefix_dict, builder=segment.__file__,
                             dump=marshal.dumps, load=marshal.loads)
    again = compiled.cached("tokenizer.marshal", lambda: pytest.fail("rebuilt"), builder=segment.__file__,
                            dump=marshal.dumps, load=marshal.loads)
    assert loaded == fresh and again == fresh
    built = places._build_gazetteer()
    compiled.cached("gazetteer.pickle", places._build_gazetteer, builder=places.__file__)
    gaz = compiled.cached("gazetteer.pickle", lambda: pytest.fail("rebuilt"), builder=places.__file__)
    assert gaz.targets == built.targets and gaz.divisions == built.divisions
    text = "江西省南昌市和赣江新区、鄱阳湖"
    assert list(gaz.automaton.iter(text)) == list(built.automaton.iter(text))


WORDS = st.lists(st.text(alphabet="abc", min_size=1, max_size=4), min_size=1, max_size=6)
TAILS = st.sampled_from(["", "c", "(?:a|bc)", "b+", "$", "(?=a)"])


@settings(max_examples=300, deadline=None)
@given(words=WORDS, tail=TAILS, text=st.text(alphabet="abcd", max_size=14))
def test_a_trie_alternation_matches_as_the_longest_first_flat_one(words: list[str], tail: str, text: str) -> None:
    flat = "|".join(regex.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))
    for pattern in (f"(?:{{}}){tail}", f"(?:{{}})+{tail}", f"x?(?:{{}})?{tail}b"):
        plain = [m.span() for m in regex.finditer(pattern.format(flat), text)]
        assert [m.span() for m in regex.finditer(pattern.format(alternation(words)), text)] == plain


@settings(max_examples=300, deadline=None)
@given(words=WORDS, tail=TAILS, text=st.text(alphabet="abcd", max_size=14))
def test_finditer_at_the_possible_starts_finds_what_finditer_finds(words: list[str], tail: str, text: str) -> None:
    pattern = regex.compile(f"(?:{alternation(words)}){tail}")
    starts = [i for i, ch in enumerate(text) if ch in {w[0] for w in words}]
    assert [m.span() for m in finditer_at(pattern, text, starts)] == [m.span() for m in pattern.finditer(text)]


def test_a_no_change_rerun_keeps_the_outputs_and_an_edited_output_is_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", str(SAMPLE), "--out", str(out), "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = _outputs(out)
    result = CliRunner().invoke(main, args)
    assert "(0 processed, 1 from cache)" in result.output
    assert _outputs(out) == before
    (out / "indicators.csv").write_bytes(b"edited by hand")
    assert CliRunner().invoke(main, args).exit_code == 0
    assert _outputs(out) == before
