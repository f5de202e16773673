"""Scoring against gold annotations, exactly as SPEC §4 and `tools/score.py` define it.

Kept inside the project (users do not have tools/score.py) and checked against it by the tests:
the figures and the `--json` structure must be the same.
"""
from __future__ import annotations

import csv
import json
import os
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUOTES = "“”\"'‘’《》〈〉「」『』"
ATTRS = ("subject", "qualifier", "kind", "direction", "modality", "period", "place")
STRICT = ("subject", "qualifier", "kind", "direction", "modality", "period")
TABLES = ("indicators", "places", "policies", "organizations")
REL_TOL = 1e-6
SUBJECT_F1 = 0.5

Row = dict[str, Any]


@dataclass(frozen=True)
class TableScore:
    """One table of one document: counts, plus what was missed and what was extra."""

    tp: int
    fp: int
    fn: int
    missed: tuple[Row, ...]
    extra: tuple[Row, ...]
    optional: int = 0
    attrs: tuple[tuple[str, int, int], ...] = ()  # (attribute, right, matched)
    strict: tuple[int, int, int] = (0, 0, 0)  # tp, fp, fn
    codes: tuple[int, int] | None = None  # right, scored


@dataclass(frozen=True)
class Evaluation:
    summary: dict[str, Any]  # the structure of score.py --json
    documents: dict[str, tuple[str | None, dict[str, TableScore]]]  # stem → (doc_id, scores)


def norm(s: Any) -> str:
    s = unicodedata.normalize("NFKC", str(s or ""))
    return "".join(ch for ch in s if not ch.isspace())


def norm_name(s: Any) -> str:
    return "".join(ch for ch in norm(s) if ch not in QUOTES)


def char_f1(a: Any, b: Any) -> float:
    """Character-multiset overlap F1 of two normalized strings."""
    a, b = norm(a), norm(b)
    if not a or not b:
        return 0.0
    ca, cb = defaultdict(int), defaultdict(int)
    for ch in a:
        ca[ch] += 1
    for ch in b:
        cb[ch] += 1
    common = sum(min(n, cb[c]) for c, n in ca.items())
    if common == 0:
        return 0.0
    p, r = common / len(a), common / len(b)
    return 2 * p * r / (p + r)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _fnum(x: Any) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _required(g: Row) -> bool:
    return g.get("required", True)


def score_indicators(*, gold: list[Row], preds: list[Row]) -> TableScore:
    """Longest anchors first; among candidates the subject closest to gold's; one use per prediction."""
    used: set[int] = set()
    matched: list[tuple[Row, Row]] = []
    for gi in sorted(range(len(gold)), key=lambda i: -len(norm(gold[i]["anchor"]))):
        g = gold[gi]
        gv, gu, ga = float(g["value"]), norm(g["unit"]), norm(g["anchor"])
        best, best_sim = None, -1.0
        for pi, p in enumerate(preds):
            pv = _fnum(p.get("value"))
            if (pi in used or pv is None or norm(p.get("unit")) != gu
                    or abs(pv - gv) > REL_TOL * max(1.0, abs(gv)) or ga not in norm(p.get("evidence"))):
                continue
            sim = char_f1(g.get("subject"), p.get("subject"))
            if sim > best_sim:
                best, best_sim = pi, sim
        if best is not None:
            used.add(best)
            matched.append((g, preds[best]))
    right = [{key: _attr_right(key=key, gold=g, pred=p) for key in ATTRS} for g, p in matched]
    tp = sum(1 for g, _ in matched if _required(g))
    fp = len(preds) - len(used)
    fn = sum(1 for g in gold if _required(g)) - tp
    strict_tp = sum(1 for (g, _), r in zip(matched, right) if _required(g) and all(r[k] for k in STRICT))
    wrong = tp - strict_tp
    return TableScore(
        tp=tp, fp=fp, fn=fn,
        missed=tuple(g for g in gold if _required(g) and not any(g is m for m, _ in matched)),
        extra=tuple(p for pi, p in enumerate(preds) if pi not in used),
        optional=len(matched) - tp,
        attrs=tuple((key, sum(r[key] for r in right), len(matched)) for key in ATTRS),
        strict=(strict_tp, fp + wrong, fn + wrong),
    )


def _attr_right(*, key: str, gold: Row, pred: Row) -> bool:
    if key == "subject":
        return char_f1(gold.get("subject"), pred.get("subject")) >= SUBJECT_F1
    return norm(gold.get(key)) == norm(pred.get(key))


def score_names(*, gold: list[Row], preds: list[Row], with_codes: bool) -> TableScore:
    """Distinct names per document; a gold entity is found through its name or any alias."""
    pred: dict[str, Row] = {}
    for p in preds:
        name = norm_name(p.get("name"))
        if name:
            pred.setdefault(name, p)
    known: set[str] = set()
    tp, missed, code_ok, code_n = 0, [], 0, 0
    for g in gold:
        names = {norm_name(g["name"])} | {norm_name(a) for a in g.get("aliases", [])}
        known |= names
        if not _required(g):
            continue
        hit = names & pred.keys()
        if not hit:
            missed.append(g)
            continue
        tp += 1
        if with_codes and g.get("code") is not None:
            code_n += 1
            code_ok += any(str(pred[h].get("code") or "") == str(g.get("code") or "") for h in hit)
    extra = tuple(pred[n] | {"name": n} for n in sorted(set(pred) - known))
    return TableScore(tp=tp, fp=len(extra), fn=len(missed), missed=tuple(missed), extra=extra,
                      codes=(code_ok, code_n) if with_codes else None)


def read_table(*, pred_dir: Path, name: str) -> list[Row] | None:
    """A table as strings: the CSV when there is one (as score.py reads it), else the Parquet."""
    csv_path = pred_dir / f"{name}.csv"
    if csv_path.exists():
        with open(csv_path, encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))
    pq = pred_dir / f"{name}.parquet"
    if pq.exists():
        import pandas as pd

        return pd.read_parquet(pq).astype(object).where(lambda d: d.notna(), "").to_dict("records")
    return None


def _read_jsonl(path: Path) -> list[Row]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(*, gold_dir: Path, pred_dir: Path) -> Evaluation:
    """Score every gold document (a sub-folder named after the input file's stem) against a run."""
    docs = read_table(pred_dir=pred_dir, name="documents")
    if docs is None:
        raise FileNotFoundError(f"no documents table in {pred_dir}")
    stem_to_id: dict[str, str] = {}
    for d in (read_table(pred_dir=pred_dir, name="sources") or []) + docs:
        stem = os.path.splitext(os.path.basename(str(d.get("source", ""))))[0]
        stem_to_id.setdefault(stem, str(d.get("doc_id")))
    by_doc: dict[str, dict[str, list[Row]]] = {}
    for t in TABLES:
        by_doc[t] = defaultdict(list)
        for r in read_table(pred_dir=pred_dir, name=t) or []:
            by_doc[t][str(r.get("doc_id"))].append(r)
    documents: dict[str, tuple[str | None, dict[str, TableScore]]] = {}
    for stem in sorted(os.listdir(gold_dir)):
        folder = gold_dir / stem
        if not folder.is_dir():
            continue
        doc_id = stem_to_id.get(stem)
        scores: dict[str, TableScore] = {}
        for t in TABLES:
            gold = _read_jsonl(folder / f"{t}.jsonl")
            if not gold:
                continue
            preds = by_doc[t].get(doc_id, []) if doc_id else []
            scores[t] = (score_indicators(gold=gold, preds=preds) if t == "indicators"
                         else score_names(gold=gold, preds=preds, with_codes=t == "places"))
        documents[stem] = (doc_id, scores)
    return Evaluation(summary=_summary(documents), documents=documents)


def _summary(documents: dict[str, tuple[str | None, dict[str, TableScore]]]) -> dict[str, Any]:
    totals = {t: dict(tp=0, fp=0, fn=0) for t in TABLES}
    strict = dict(tp=0, fp=0, fn=0)
    codes = [0, 0]
    attrs: dict[str, list[int]] = {}
    out: dict[str, Any] = {"documents": {}, "overall": {}}
    for stem, (doc_id, scores) in documents.items():
        out["documents"][stem] = {
            t: dict(zip(("p", "r", "f1"), prf(s.tp, s.fp, s.fn))) | {"found": doc_id is not None}
            for t, s in scores.items()
        }
        for t, s in scores.items():
            for key, n in (("tp", s.tp), ("fp", s.fp), ("fn", s.fn)):
                totals[t][key] += n
            if s.codes is not None:
                codes[0] += s.codes[0]
                codes[1] += s.codes[1]
            if t == "indicators":
                for key, n in zip(("tp", "fp", "fn"), s.strict):
                    strict[key] += n
                for key, ok, n in s.attrs:
                    acc = attrs.setdefault(key, [0, 0])
                    acc[0] += ok
                    acc[1] += n
    for t, c in totals.items():
        out["overall"][t] = _rounded(c)
    out["overall"]["indicators_strict"] = _rounded(strict)
    out["overall"]["place_codes"] = round(codes[0] / codes[1], 4) if codes[1] else None
    out["overall"]["indicator_attributes"] = {k: round(ok / n, 4) if n else None for k, (ok, n) in attrs.items()}
    return out


def _rounded(counts: dict[str, int]) -> dict[str, Any]:
    p, r, f = prf(counts["tp"], counts["fp"], counts["fn"])
    return dict(p=round(p, 4), r=round(r, 4), f1=round(f, 4), **counts)


def report(*, result: Evaluation, verbose: bool = False) -> str:
    """Per-document figures; with `verbose`, every miss and false positive with its evidence."""
    lines: list[str] = []
    for stem, (doc_id, scores) in result.documents.items():
        lines.append(f"== {stem}" + ("" if doc_id else "  (NOT FOUND in predictions)"))
        for t, s in scores.items():
            p, r, f = prf(s.tp, s.fp, s.fn)
            lines.append(f"  {t:14s} P={p:.3f} R={r:.3f} F1={f:.3f}  tp={s.tp} fp={s.fp} fn={s.fn}")
            if t == "indicators":
                sp, sr, sf = prf(*s.strict)
                lines.append(f"  {'  strict':14s} P={sp:.3f} R={sr:.3f} F1={sf:.3f}  "
                             f"tp={s.strict[0]} fp={s.strict[1]} fn={s.strict[2]}")
            if verbose:
                lines += [f"     missed: {_describe_gold(g, t)}" for g in s.missed]
                lines += [f"     extra:  {_describe_pred(p, t)}" for p in s.extra]
    lines.append("== overall")
    for key, value in result.summary["overall"].items():
        lines.append(f"  {key}: {value}")
    return "\n".join(lines)


def _describe_gold(g: Row, table: str) -> str:
    if table == "indicators":
        return f"{g['value']}{g['unit']} ({g.get('subject', '')}) | {g['anchor']}"
    return f"{g['name']} | {g.get('anchor', '')}"


def _describe_pred(p: Row, table: str) -> str:
    if table == "indicators":
        return f"{p.get('value_raw')} → {p.get('value')}{p.get('unit')} ({p.get('subject')}) | {p.get('evidence')}"
    return f"{p['name']} ({p.get('mention', '')}) sentence {p.get('sent_id', '')}"
