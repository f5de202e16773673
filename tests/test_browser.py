"""The review report in a real browser: headless Chromium (Debian's `chromium`, which .ci/run installs).

Opens a document page and a diff page from the output folder (file://, no server, no network),
checks the DOM after the scripts ran (--dump-dom) and what is painted (--screenshot), and keeps
the screenshots in $ZHREPORT_SCREENSHOTS (default: <tmp>/zhreport-screenshots) for a person to look at.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

DATA = Path(__file__).resolve().parent / "data"
SHOTS = Path(os.environ.get("ZHREPORT_SCREENSHOTS", Path(tempfile.gettempdir()) / "zhreport-screenshots"))
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync")


def browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = ("BROWSER TEST SKIPPED: `chromium` is not installed, so the HTML report was NOT opened in a "
                   "real browser (install it with `apt-get install -y chromium`; .ci/run does)")
        warnings.warn(message)
        print(f"\n*** {message} ***")
        pytest.skip(message)
    return found


def chromium(exe: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = Path(tempfile.mkdtemp(dir=tmp, prefix="profile-"))
    return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("browser")
    runner = CliRunner()
    run = runner.invoke(main, ["run", str(DATA / "years"), "--out", str(base / "run"), "-q"])
    assert run.exit_code == 0, run.output
    diff = runner.invoke(main, ["diff", str(base / "run"), "--doc-a", "huzhou_2025", "--doc-b", "huzhou_2026",
                                "--out", str(base / "diff")])
    assert diff.exit_code == 0, diff.output
    return {"run": base / "run", "diff": base / "diff", "base": base}


def test_document_page_renders_with_its_highlights(outputs: dict[str, Path]) -> None:
    exe = browser()
    import pandas as pd

    documents = pd.read_parquet(outputs["run"] / "documents.parquet")
    doc_id = documents.loc[documents.source.str.endswith("2026.txt"), "doc_id"].iloc[0]
    page = outputs["run"] / "report" / f"{doc_id}.html"
    tables = [pd.read_parquet(outputs["run"] / f"{t}.parquet") for t in ("indicators", "places", "policies", "organizations")]
    n_rows = sum(int((t.doc_id == doc_id).sum()) for t in tables)
    dom = chromium(exe, outputs["base"], "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'data-rows="{n_rows}"' in dom.stdout, "the page script ran and read every row"
    assert dom.stdout.count("<mark") >= n_rows // 2 and "5.3%" in dom.stdout
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "document.png"
    shot.unlink(missing_ok=True)
    done = chromium(exe, outputs["base"], f"--screenshot={shot}", "--window-size=1200,800", page.as_uri())
    assert done.returncode == 0 and shot.stat().st_size > 5_000, done.stderr[-2000:]
    _assert_painted(shot, colour=(0xFF, 0xE0, 0x8A))  # the indicator highlight


def test_diff_page_renders_its_charts(outputs: dict[str, Path]) -> None:
    exe = browser()
    page = outputs["diff"] / "report" / "index.html"
    dom = chromium(exe, outputs["base"], "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('<svg class="chart"') >= 2 and "<circle" in dom.stdout
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "diff.png"
    shot.unlink(missing_ok=True)
    done = chromium(exe, outputs["base"], f"--screenshot={shot}", "--window-size=1200,1400", page.as_uri())
    assert done.returncode == 0 and shot.stat().st_size > 5_000, done.stderr[-2000:]
    _assert_painted(shot, colour=(0xDF, 0xF5, 0xE1))  # a `met` / changed row background


def _assert_painted(path: Path, *, colour: tuple[int, int, int]) -> None:
    """The screenshot is a PNG that shows the colour somewhere (Pillow comes with reportlab)."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = pytest.importorskip("PIL.Image").open(path).convert("RGB")
    assert colour in {c for _, c in image.getcolors(maxcolors=1 << 20)}, f"{colour} not painted in {path}"
