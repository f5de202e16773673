"""Two reports side by side: indicator_diff, entity_diff and target_outcome (SPEC §2 "diff and panel").

Pure functions over table rows (dicts as `run` writes them).  Indicators align on the key
(indicator, unit, place_code, kind, scope, modality); within a document the first mention in the
body (lowest offset) of a key wins and its repeats are left out.  Rows that find no partner go
through a fuzzy pass: same unit, kind and modality, character-bigram similarity of the subjects
(and canonical names) at or above a threshold, best pairs first.

Signs: values are never negative (`value_a`, `value_b` are as in `indicators`, with
`direction_a`/`direction_b` beside them); for `delta` and `rel_change` a change whose direction
is `down` counts as negative, so delta = signed B − signed A and rel_change = delta / |signed A|
say which way the figure moved: a 2 % fall followed by a 3 % rise is a delta of +5 points, a
rank going from 5th to 3rd a delta of −2.  A flipped direction with the same size is `changed`.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

Row = dict[str, Any]
KEY = ("indicator", "unit", "place_code", "kind", "scope", "modality")
NAN = float("nan")
DEFAULT_THRESHOLD = 0.6
ENTITY_TABLES = ("policies", "organizations", "places")
APPROX_TOLERANCE = 0.05  # a `~` (左右) target is met within 5 % of its size


def key_of(row: Row) -> tuple[str, ...]:
    return tuple(str(row[k]) for k in KEY)


def signed(row: Row) -> float:
    """The value with a change's direction as its sign."""
    value = float(row["value"])
    return -value if row.get("kind") == "change" and row.get("direction") == "down" else value


def first_mentions(rows: Iterable[Row], key=key_of) -> dict[tuple[str, ...], Row]:
    """The first row (by offset) of every key: later repeats of a figure are left out."""
    first: dict[tuple[str, ...], Row] = {}
    for row in sorted(rows, key=lambda r: (r["start"], r["end"], r["subject"])):
        first.setdefault(key(row), row)
    return first


def bigrams(text: str) -> Counter[str]:
    text = "".join(str(text).split())
    if len(text) < 2:
        return Counter([text]) if text else Counter()
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams: 1.0 for equal strings, 0.0 for nothing shared."""
    ga, gb = bigrams(a), bigrams(b)
    total = sum(ga.values()) + sum(gb.values())
    if not total:
        return 0.0
    return round(2 * sum((ga & gb).values()) / total, 6)


def row_similarity(a: Row, b: Row) -> float:
    return max(similarity(a["subject"], b["subject"]), similarity(a["indicator"], b["indicator"]))


def fuzzy_pairs(left: Sequence[Row], right: Sequence[Row], *, threshold: float,
                same: Sequence[str]) -> list[tuple[Row, Row, float]]:
    """Best-first one-to-one pairs of rows that agree on `same` and whose similarity ≥ threshold."""
    scored = [
        (row_similarity(a, b), i, j)
        for i, a in enumerate(left)
        for j, b in enumerate(right)
        if all(a[k] == b[k] for k in same)
    ]
    scored = sorted((s for s in scored if s[0] >= threshold), key=lambda s: (-s[0], s[1], s[2]))
    used_l: set[int] = set()
    used_r: set[int] = set()
    pairs = []
    for score, i, j in scored:
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        pairs.append((left[i], right[j], score))
    return pairs


def _side(row: Row | None, side: str) -> Row:
    if row is None:
        return {f"doc_{side}": "", f"evidence_{side}": "", f"subject_{side}": "", f"indicator_{side}": "",
                f"qualifier_{side}": "", f"direction_{side}": "", f"value_raw_{side}": "",
                f"row_id_{side}": "", f"start_{side}": -1, f"end_{side}": -1,
                f"value_{side}": NAN, f"period_{side}": ""}
    return {f"doc_{side}": row["doc_id"], f"evidence_{side}": row["evidence"], f"subject_{side}": row["subject"],
            f"indicator_{side}": row["indicator"], f"qualifier_{side}": row["qualifier"],
            f"direction_{side}": row["direction"], f"value_raw_{side}": row["value_raw"],
            f"row_id_{side}": row["row_id"], f"start_{side}": int(row["start"]), f"end_{side}": int(row["end"]),
            f"value_{side}": float(row["value"]), f"period_{side}": row["period"]}


def _diff_row(a: Row | None, b: Row | None, *, score: float, match: str) -> Row:
    base = b if b is not None else a
    assert base is not None
    row: Row = {k: base[k] for k in KEY}
    row |= _side(a, "a") | _side(b, "b")
    va = signed(a) if a is not None else NAN
    vb = signed(b) if b is not None else NAN
    if a is None:
        status = "added"
    elif b is None:
        status = "removed"
    else:
        status = "unchanged" if math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-12) else "changed"
    delta = vb - va if a is not None and b is not None else NAN
    row |= {"status": status, "delta": delta,
            "rel_change": delta / abs(va) if a is not None and b is not None and va != 0 else NAN,
            "similarity": score, "match": match}
    return row


def indicator_diff(rows_a: Iterable[Row], rows_b: Iterable[Row], *,
                   threshold: float = DEFAULT_THRESHOLD) -> list[Row]:
    """One row per aligned key: added / removed / changed / unchanged, exact matches then fuzzy ones."""
    first_a, first_b = first_mentions(rows_a), first_mentions(rows_b)
    out = [_diff_row(first_a[k], first_b[k], score=1.0, match="exact") for k in first_a if k in first_b]
    only_a = [r for k, r in first_a.items() if k not in first_b]
    only_b = [r for k, r in first_b.items() if k not in first_a]
    paired_a: set[str] = set()
    paired_b: set[str] = set()
    for a, b, score in fuzzy_pairs(only_a, only_b, threshold=threshold, same=("unit", "kind", "modality")):
        out.append(_diff_row(a, b, score=score, match="fuzzy"))
        paired_a.add(a["row_id"])
        paired_b.add(b["row_id"])
    out += [_diff_row(a, None, score=NAN, match="") for a in only_a if a["row_id"] not in paired_a]
    out += [_diff_row(None, b, score=NAN, match="") for b in only_b if b["row_id"] not in paired_b]
    return sorted(out, key=_diff_order)


STATUS_ORDER = {"changed": 0, "unchanged": 1, "added": 2, "removed": 3}


def _diff_order(row: Row) -> tuple:
    return (STATUS_ORDER[row["status"]], *(row[k] for k in KEY), row["start_a"], row["start_b"])


def entity_diff(a: dict[str, list[Row]], b: dict[str, list[Row]], *, doc_a: str, doc_b: str) -> list[Row]:
    """Policies, organizations and places by canonical name: new / dropped / continued."""
    out: list[Row] = []
    for table in ENTITY_TABLES:
        names_a = _by_name(a.get(table, []))
        names_b = _by_name(b.get(table, []))
        for name in sorted(set(names_a) | set(names_b)):
            ra, rb = names_a.get(name, []), names_b.get(name, [])
            status = "continued" if ra and rb else "new" if rb else "dropped"
            latest = (rb or ra)[0]
            out.append({"table": table, "name": name, "status": status, "doc_a": doc_a if ra else "",
                        "doc_b": doc_b if rb else "", "type": str(latest.get("type", "")),
                        "code": str(latest.get("code", "")), "mentions_a": len(ra), "mentions_b": len(rb),
                        "start_a": int(ra[0]["start"]) if ra else -1, "start_b": int(rb[0]["start"]) if rb else -1})
    return out


def _by_name(rows: Iterable[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in sorted(rows, key=lambda r: (r["start"], r["end"])):
        if row["name"]:
            grouped.setdefault(row["name"], []).append(row)
    return grouped


def _single_year(period: str) -> bool:
    return len(period) == 4 and period.isdigit()


def target_outcome(rows_a: Iterable[Row], rows_b: Iterable[Row], *,
                   threshold: float = DEFAULT_THRESHOLD) -> list[Row]:
    """Report A's targets for a year beside report B's actual figures for the same year.

    Aligned on (indicator, unit, place_code, kind, scope, period), then a fuzzy pass within the
    same unit, kind and period.  The verdict (see `verdict`) is only met/missed when the target's
    qualifier or direction makes it a floor or a ceiling."""
    def key(r: Row) -> tuple[str, ...]:
        return (*(str(r[k]) for k in KEY[:5]), r["period"])

    targets = first_mentions((r for r in rows_a if r["modality"] == "target" and _single_year(r["period"])), key)
    actuals = first_mentions((r for r in rows_b if r["modality"] == "actual" and _single_year(r["period"])), key)
    out = [_target_row(targets[k], actuals[k], score=1.0) for k in targets if k in actuals]
    left = [r for k, r in targets.items() if k not in actuals]
    right = [r for k, r in actuals.items() if k not in targets]
    out += [_target_row(t, o, score=s)
            for t, o, s in fuzzy_pairs(left, right, threshold=threshold, same=("unit", "kind", "period"))]
    return sorted(out, key=lambda r: (r["period"], r["indicator"], r["unit"], r["place_code"], r["kind"],
                                      r["scope"], r["start_a"], r["start_b"]))


def _target_row(target: Row, outcome: Row, *, score: float) -> Row:
    goal, got = signed(target), signed(outcome)
    verdict, reading = judge(target=target, outcome=outcome)
    return {**{k: target[k] for k in KEY[:5]}, "period": target["period"], "target": goal,
            "target_qualifier": target["qualifier"], "outcome": got, "outcome_qualifier": outcome["qualifier"],
            "gap": got - goal, "verdict": verdict, "reading": reading, "similarity": score,
            "doc_a": target["doc_id"], "doc_b": outcome["doc_id"], "evidence_a": target["evidence"],
            "evidence_b": outcome["evidence"], "subject_a": target["subject"], "subject_b": outcome["subject"],
            "start_a": int(target["start"]), "start_b": int(outcome["start"])}


def judge(*, target: Row, outcome: Row) -> tuple[str, str]:
    """met / missed / unclear, and the reading that decided it.

    - `>=`, `>` (以上, 超过) make the target a floor; `<=`, `<` (以下, 不超过) a ceiling.
    - A plain or approximate (`=`, `~`) change target is a floor on the size of the change in its
      direction: 增长5%左右 needs growth of about 5 % or more, 下降3% a fall of 3 % or more.
      (A price target such as 涨幅3%左右 is a ceiling in intent; the rule cannot tell — check.)
    - A plain level target (达到…) is a floor; an approximate level target (`~`) or a rank has no
      direction we can read → unclear.  `~` allows 5 % of the target's size short of it.
    """
    goal, got = signed(target), signed(outcome)
    q = target["qualifier"]
    tol = APPROX_TOLERANCE * abs(goal) if q == "~" else 0.0
    if target["kind"] == "rank":
        return ("met" if got <= goal else "missed", "rank: place at or above the target") if q in ("=", "<=") \
            else ("unclear", "rank with a qualifier")
    if q in (">=", ">"):
        return ("met" if (got > goal if q == ">" else got >= goal) else "missed", f"floor ({q})")
    if q in ("<=", "<"):
        return ("met" if (got < goal if q == "<" else got <= goal) else "missed", f"ceiling ({q})")
    if target["kind"] == "change":
        if goal < 0:
            return ("met" if got <= goal + tol else "missed", f"reduction of at least the target ({q})")
        return ("met" if got >= goal - tol else "missed", f"growth of at least the target ({q})")
    if q == "=":
        return ("met" if got >= goal else "missed", "level to reach (=)")
    return "unclear", "approximate level: no direction to read"
