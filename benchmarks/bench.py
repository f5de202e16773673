"""`make bench`: throughput and scale of zhreport, measured in one run and printed as tables.

1. Per stage, characters per second on the sample, and the whole pipeline against `jieba.lcut`
   alone on the same text (the segmentation floor), on one core, with and without --ner.
2. Cold start (process start to the first document written) with an empty and a filled
   compiled-rules cache, and peak memory of the runner and of its workers.
3. A synthetic corpus of 1, 10, 100 and 1,000 documents (the sample with its numbers and names
   varied), generated into a temporary folder and deleted afterwards: 1–100 with --jobs 1 and
   --jobs 2, 1,000 with --jobs 2, then a rerun of the 1,000 with nothing changed.

Targets (issue 8) are printed beside the figures, not asserted.  Options: --docs 1,10,100,1000
--copies 1 (sample copies per synthetic document) --seconds 2 (time budget per stage).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpus" / "jiangxi_eco_pilot_2026.txt"
PY = sys.executable
PROVINCES = ("江西", "湖南", "湖北", "安徽", "福建", "浙江", "广东", "四川", "贵州", "云南", "河南", "山东")
CITIES = ("南昌", "九江", "赣州", "吉安", "宜春", "抚州", "上饶", "景德镇", "萍乡", "新余", "鹰潭")


def rate(fn, chars: int, budget: float) -> float:
    """Characters per second of `fn()` over `chars` characters, repeated for about `budget` seconds."""
    fn()
    n, started = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - started
        if elapsed >= budget:
            return chars * n / elapsed


def stages(budget: float) -> list[tuple[str, float]]:
    import jieba

    from pipeline.extract.indicators import extract_indicators
    from pipeline.extract.numbers import find_quantities
    from pipeline.extract.organizations import extract_organizations
    from pipeline.extract.places import extract_places
    from pipeline.extract.policies import extract_policies
    from pipeline.extract.tables import extract_table_indicators
    from pipeline.ingest import ingest_bytes
    from pipeline.process import build_doc, prepare, process_document
    from pipeline.text.normalize import normalize

    prepare()
    data = SAMPLE.read_bytes()
    text = data.decode("utf-8")
    n = len(text)
    raw = ingest_bytes(data, SAMPLE.name)
    doc = build_doc(raw, doc_id="bench", source=SAMPLE.name)
    prose = replace(doc, sentences=tuple(replace(s, boilerplate=True) if s.table else s for s in doc.sentences))
    sents = [doc.text[s.start:s.end] for s in doc.sentences]
    jieba.initialize()
    rows = [
        ("ingest", rate(lambda: ingest_bytes(data, SAMPLE.name), n, budget)),
        ("normalize", rate(lambda: normalize(raw), n, budget)),
        ("structure (+ normalize)", rate(lambda: build_doc(raw, doc_id="bench", source=SAMPLE.name), n, budget)),
        ("numbers", rate(lambda: [find_quantities(s) for s in sents], n, budget)),
        ("indicators (+ numbers)", rate(lambda: (extract_indicators(prose), extract_table_indicators(doc, doc.tables)),
                                        n, budget)),
        ("places", rate(lambda: extract_places(doc), n, budget)),
        ("policies", rate(lambda: extract_policies(doc), n, budget)),
        ("organizations", rate(lambda: extract_organizations(doc), n, budget)),
        ("whole pipeline", rate(lambda: process_document(data, SAMPLE.name), n, budget)),
        ("jieba.lcut alone", rate(lambda: jieba.lcut(text), n, budget)),
    ]
    try:
        prepare(ner=True)
        rows.append(("whole pipeline --ner", rate(lambda: process_document(data, SAMPLE.name, ner=True), n, budget)))
    except Exception as exc:  # noqa: BLE001 — spaCy or the model missing: reported, not fatal
        print(f"(--ner not measured: {type(exc).__name__}: {exc})")
    return rows


def synthetic(folder: Path, count: int, *, copies: int, seed: int = 8) -> int:
    """`count` documents, each `copies` variants of the sample: digits redrawn, province and city
    names swapped; distinct bytes, so distinct doc_ids.  Returns the characters written."""
    sample = SAMPLE.read_text(encoding="utf-8")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(count):
        parts = []
        for _ in range(copies):
            province, city = rng.choice(PROVINCES), rng.choice(CITIES)
            text = re.sub(r"\d", lambda m: str(rng.randint(1, 9)), sample)
            parts.append(text.replace("江西", province).replace("南昌", city))
        body = "\n".join(parts)
        total += len(body)
        (folder / f"doc_{i:04d}.txt").write_text(body, encoding="utf-8")
    return total


def measured_run(inputs: list[str], out: Path, *, jobs: int, env: dict[str, str], extra: tuple[str, ...] = ()
                 ) -> dict:
    """`zhreport run` in a fresh process: wall seconds and peak memory of the runner and its workers."""
    code = ("import json, resource, sys\n"
            "from pipeline.cli import main\n"
            "try:\n    main(standalone_mode=False)\n"
            "finally:\n"
            "    r, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "    print(json.dumps({'self_mb': r.ru_maxrss / 1024, 'workers_mb': c.ru_maxrss / 1024}), file=sys.stderr)\n")
    args = [PY, "-c", code, "run", *inputs, "--out", str(out), "--jobs", str(jobs), "-q", *extra]
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"run failed: {' '.join(args[3:])}\n{done.stderr}")
    figures = json.loads(done.stderr.strip().splitlines()[-1])
    return {"seconds": seconds, **figures}


def table(title: str, header: tuple[str, ...], rows: list[tuple]) -> None:
    cells = [header, *[tuple(str(c) for c in r) for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n## {title}")
    for k, r in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", default="1,10,100,1000")
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()
    counts = [int(c) for c in args.docs.split(",")]
    print(f"zhreport benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"sample {SAMPLE.name} ({len(SAMPLE.read_text(encoding='utf-8')):,} characters)")

    rows = stages(args.seconds)
    floor = dict(rows)["jieba.lcut alone"]
    table("Stages on the sample, one core", ("stage", "chars/s", "× jieba.lcut"),
          [(name, f"{cps:,.0f}", f"{cps / floor:.2f}") for name, cps in rows])
    whole = dict(rows)["whole pipeline"]
    print(f"target: whole pipeline ≥ 0.5× jieba.lcut → {whole / floor:.2f}× "
          f"({'met' if whole / floor >= 0.5 else 'missed'})")
    if "whole pipeline --ner" in dict(rows):
        ner = dict(rows)["whole pipeline --ner"]
        print(f"target: with --ner ≥ 0.2× jieba.lcut → {ner / floor:.2f}× ({'met' if ner / floor >= 0.2 else 'missed'})")

    work = Path(tempfile.mkdtemp(prefix="zhreport-bench-"))
    try:
        env = dict(os.environ, ZHREPORT_CACHE=str(work / "compiled"))
        cold = measured_run([str(SAMPLE)], work / "cold1", jobs=1, env=env)
        warm = measured_run([str(SAMPLE)], work / "cold2", jobs=1, env=env)
        table("Cold start: process start → first document written (1 document, --jobs 1)",
              ("compiled-rules cache", "seconds", "peak MB"),
              [("empty (built in this run)", f"{cold['seconds']:.2f}", f"{cold['self_mb']:.0f}"),
               ("filled (loaded)", f"{warm['seconds']:.2f}", f"{warm['self_mb']:.0f}")])
        print(f"target: cold start ≤ 3 s → {warm['seconds']:.2f} s ({'met' if warm['seconds'] <= 3 else 'missed'})")

        rows = []
        chars = {}
        for count in counts:
            corpus = work / f"corpus_{count}"
            chars[count] = synthetic(corpus, count, copies=args.copies)
            for jobs in ((2,) if count >= 1000 else (1, 2)):
                r = measured_run([str(corpus)], work / f"out_{count}_{jobs}", jobs=jobs, env=env)
                rows.append((count, jobs, chars[count], r))
        big = max(counts)
        rerun = measured_run([str(work / f"corpus_{big}")], work / f"out_{big}_2", jobs=2, env=env)
        table("Synthetic corpus (the sample with numbers and names varied)",
              ("documents", "jobs", "characters", "seconds", "s/doc", "chars/s", "runner MB", "worker MB"),
              [(c, j, f"{n:,}", f"{r['seconds']:.1f}", f"{r['seconds'] / c:.3f}", f"{n / r['seconds']:,.0f}",
                f"{r['self_mb']:.0f}", f"{r['workers_mb']:.0f}" if j > 1 else "-") for c, j, n, r in rows]
              + [(f"{big} rerun, nothing changed", 2, f"{chars[big]:,}", f"{rerun['seconds']:.1f}", "", "",
                  f"{rerun['self_mb']:.0f}", "-")])
        per = {(c, j): r["seconds"] for c, j, _, r in rows}
        if (100, 1) in per and (100, 2) in per:
            print(f"speed-up of --jobs 2 over --jobs 1 on 100 documents: {per[100, 1] / per[100, 2]:.2f}×")
        if (big, 2) in per and (10, 2) in per and big > 10:
            print(f"growth 10 → {big} documents (--jobs 2): {per[big, 2] / per[10, 2]:.1f}× the time "
                  f"for {big // 10}× the documents")
        if (big, 2) in per:
            projected = 25_000 * 1000 / (chars[big] / per[big, 2])
            print(f"target: 1,000 documents of 25,000 characters with --jobs 2 ≤ 180 s → {projected:.0f} s "
                  f"projected from the measured rate ({'met' if projected <= 180 else 'missed'})")
        worker_mb = max([r["workers_mb"] for _, j, _, r in rows if j > 1] + [warm["self_mb"]])
        print(f"target: peak memory ≤ 1 GB per worker → {worker_mb:.0f} MB ({'met' if worker_mb <= 1024 else 'missed'})")
        print(f"target: no-change rerun of {big} documents ≤ 5 s → {rerun['seconds']:.1f} s "
              f"({'met' if rerun['seconds'] <= 5 else 'missed'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
