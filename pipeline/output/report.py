"""The HTML review report: static pages under DIR/report/, no server, no network, no external JS.

- `index_page`: index.html (documents, counts, errors); `document_page`: one page per document
  (built in the worker from that document's rows) with its text and every extraction highlighted
  by type; hovering a highlight shows its rows in a side panel, clicking pins them.  The text is cut only at mention boundaries, so the page has one element per
  highlighted stretch (never one per character) and stays light for a 30,000-character report.
- `diff_pages` / `panel_pages`: counts, target-versus-outcome, and an inline SVG chart for every
  indicator that appears in two or more periods, with its points as JSON in `data-points`.

Pages are functions of the tables alone (no clock, sorted everything), so a rerun writes the same
bytes.
"""
from __future__ import annotations

import html
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

Row = dict[str, Any]
ENTITY_TABLES = ("indicators", "places", "policies", "organizations")
CLASS = {"indicators": "ind", "places": "pla", "policies": "pol", "organizations": "org"}
LABEL = {"indicators": "indicator", "places": "place", "policies": "policy", "organizations": "organization"}
SHOWN = {
    "indicators": ("subject", "indicator", "value", "unit", "value_raw", "qualifier", "kind", "direction", "base",
                   "modality", "period", "place", "place_code", "scope", "rule", "row_id"),
    "places": ("mention", "name", "code", "level_name", "type", "parent_code", "source", "row_id"),
    "policies": ("mention", "name", "type", "source", "row_id"),
    "organizations": ("mention", "name", "type", "source", "row_id"),
}
SERIES_KEY = ("indicator", "unit", "place_code", "kind", "scope")

CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#222}
header{padding:.6em 1em;background:#f4f4f4;border-bottom:1px solid #ccc}
main{padding:1em;max-width:70em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#eee}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.layout{display:flex;gap:1em;align-items:flex-start}
#text{white-space:pre-wrap;line-height:1.9;flex:1;min-width:0;font-size:1.02em}
#panel{position:sticky;top:0;width:24em;max-height:100vh;overflow:auto;font-size:.85em;
 border-left:1px solid #ccc;padding:.5em}
#panel table{margin:.3em 0}
mark{background:none;border-radius:2px;cursor:pointer;padding:0 1px}
mark.ind{background:#ffe08a}mark.pla{background:#b9e4c9}mark.pol{background:#c9d7ff}mark.org{background:#f5c6e0}
mark.multi{outline:1px dashed #555}
mark.on{outline:2px solid #d00}
body.hide-ind mark.ind,body.hide-pla mark.pla,body.hide-pol mark.pol,body.hide-org mark.org{background:none}
.key span{display:inline-block;padding:0 .4em;margin-right:.6em;border-radius:2px}
.added{background:#dff5e1}.removed{background:#fde2e2}.changed{background:#fff3c4}
.met{background:#dff5e1}.missed{background:#fde2e2}.unclear{background:#eee}
.charts{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0;border:1px solid #ddd;padding:.3em}
figcaption{font-size:.8em;max-width:330px}
"""

DOC_JS = """
(function(){
var rows=JSON.parse(document.getElementById('rows').textContent);
var panel=document.getElementById('panel'),pinned=null,lit=null;
document.body.setAttribute('data-rows',Object.keys(rows).length);
function esc(s){return String(s).replace(/[&<>"]/g,function(c){return{'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c];});}
function show(m){
  if(lit)lit.classList.remove('on');lit=m;m.classList.add('on');
  var out='';m.getAttribute('data-r').split(' ').forEach(function(id){
    var r=rows[id];if(!r)return;out+='<table><tr><th colspan=2>'+esc(r.table)+'</th></tr>';
    Object.keys(r).forEach(function(k){if(k!=='table')out+='<tr><td>'+esc(k)+'</td><td>'+esc(r[k])+'</td></tr>';});
    out+='</table>';});
  panel.innerHTML=out;}
var text=document.getElementById('text');
text.addEventListener('mouseover',function(e){var m=e.target.closest('mark');if(m&&!pinned)show(m);});
text.addEventListener('click',function(e){var m=e.target.closest('mark');if(!m)return;
  pinned=(pinned===m)?null:m;show(m);});
document.querySelectorAll('.key input').forEach(function(box){box.addEventListener('change',function(){
  document.body.classList.toggle('hide-'+box.value,!box.checked);});});
})();
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}" if abs(value) < 1e15 else repr(value)
    return _e(value)


def short(value: float) -> str:
    """A compact number for axis labels and summaries: 1.2亿, 6.5万, 5.3."""
    if math.isnan(value):
        return ""
    size = abs(value)
    if size >= 1e8:
        return f"{value / 1e8:.4g}亿"
    if size >= 1e4:
        return f"{value / 1e4:.4g}万"
    return f"{value:.4g}"


def _json_script(obj: Any, *, element_id: str) -> str:
    data = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default)
    data = data.replace("</", "<\\/")  # a "</script>" inside a value must not end the element
    return f'<script type="application/json" id="{element_id}">{data}</script>'


def _json_default(value: Any) -> Any:
    return str(value)


def _clean(value: Any) -> Any:
    """JSON has no NaN: absent floats become null."""
    return None if isinstance(value, float) and math.isnan(value) else value


def _page(*, title: str, body: str, script: str = "") -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>{_e(title)}</title><style>{CSS}</style></head>\n<body>{body}'
            f'{script}</body></html>\n').encode("utf-8")


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, row_class: Sequence[str] | None = None,
           numeric: Iterable[int] = ()) -> str:
    num = set(numeric)
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{_e(row_class[i])}"' if row_class else ""
        cells = "".join(f'<td class="n">{_num(v)}</td>' if j in num else f"<td>{_e(v) if not isinstance(v, float) else _num(v)}</td>"
                        for j, v in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# ---------------------------------------------------------------- run


def index_page(*, documents: Sequence[Row], counts: dict[str, dict[str, int]], errors: Sequence[Row]) -> bytes:
    """report/index.html: every document with its rows per table (`counts[table][doc_id]`), and the
    errors and warnings."""
    doc_rows = [[f'<a href="{_e(d["doc_id"])}.html">{_e(d["doc_id"])}</a>', d["source"], d["title"], d["region"],
                 d["year"], d["genre"], d["n_chars"], *(counts[t].get(d["doc_id"], 0) for t in ENTITY_TABLES)]
                for d in documents]
    header = ["doc_id", "source", "title", "region", "year", "genre", "characters", *ENTITY_TABLES]
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" if j == 0 else
                                    (f'<td class="n">{_e(c)}</td>' if j >= 6 else f"<td>{_e(c)}</td>")
                                    for j, c in enumerate(r)) + "</tr>" for r in doc_rows)
    err = (_table(["source", "stage", "error", "message"], [[e["source"], e["stage"], e["error"], e["message"]]
                                                            for e in errors]) if errors else "<p>No errors.</p>")
    totals = ", ".join(f"{sum(counts[t].values())} {t}" for t in ENTITY_TABLES)
    body_html = (f"<header><h1>zhreport review</h1><p>{len(documents)} documents, {len(errors)} errors and "
                 f"warnings; {totals}.</p></header><main><h2>Documents</h2>"
                 f"<table id=\"documents\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                 f"<h2>Errors and warnings</h2>{err}</main>")
    return _page(title="zhreport review", body=body_html)


def highlight(text: str, spans: Sequence[tuple[int, int, str, str]]) -> str:
    """The text as HTML with a <mark> over every stretch that some spans cover.

    `spans` are (start, end, css class, row id).  The text is cut at span boundaries only; each
    stretch's mark lists every row covering it in `data-r`, so overlapping and nested mentions
    (a place inside a policy's name) each keep their highlight.  An empty span gets an empty mark."""
    cuts = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    starts: dict[int, list[tuple[int, int, str, str]]] = {}
    empty: dict[int, list[tuple[int, int, str, str]]] = {}
    for span in spans:
        (empty if span[0] == span[1] else starts).setdefault(span[0], []).append(span)
    active: list[tuple[int, int, str, str]] = []
    out: list[str] = []
    for left, right in zip(cuts, cuts[1:] + [None]):
        for span in empty.get(left, []):
            out.append(_mark([span], ""))
        if right is None:
            break
        active = [s for s in active if s[1] > left] + starts.get(left, [])
        piece = html.escape(text[left:right], quote=False)
        out.append(_mark(active, piece) if active else piece)
    return "".join(out)


def _mark(active: Sequence[tuple[int, int, str, str]], piece: str) -> str:
    classes = sorted({s[2] for s in active})
    if len(classes) > 1:
        classes.append("multi")
    ids = " ".join(sorted({s[3] for s in active}))
    return f'<mark class="{" ".join(classes)}" data-r="{ids}">{piece}</mark>'


def document_page(*, doc: Row, text: str, rows: dict[str, list[Row]]) -> bytes:
    spans: list[tuple[int, int, str, str]] = []
    data: dict[str, dict[str, Any]] = {}
    for table in ENTITY_TABLES:
        for row in rows.get(table, []):
            rid = f'{CLASS[table]}-{row["row_id"]}'
            spans.append((int(row["start"]), int(row["end"]), CLASS[table], rid))
            data[rid] = {"table": LABEL[table], **{k: _clean(row[k]) for k in SHOWN[table] if k in row}}
    key = "".join(f'<label><span class="{CLASS[t]}" style="background:inherit"><input type="checkbox" '
                  f'value="{CLASS[t]}" checked> <mark class="{CLASS[t]}">{LABEL[t]}</mark> '
                  f'({len(rows.get(t, []))})</span></label>' for t in ENTITY_TABLES)
    body = (f'<header><a href="index.html">← all documents</a><h1>{_e(doc["title"] or doc["source"])}</h1>'
            f'<p>{_e(doc["source"])} · {_e(doc["doc_id"])} · {_e(doc["region"])} · {_e(doc["year"])} · '
            f'{_e(doc["genre"])} · {len(text)} characters</p><p class="key">{key}</p>'
            f'<p>Hover a highlight to see its rows; click to pin them.</p></header>'
            f'<div class="layout"><div id="text" data-doc="{_e(doc["doc_id"])}">{highlight(text, spans)}</div>'
            f'<aside id="panel"><p>No highlight selected.</p></aside></div>')
    return _page(title=doc["title"] or doc["doc_id"], body=body,
                 script=_json_script(data, element_id="rows") + f"<script>{DOC_JS}</script>")


# ---------------------------------------------------------------- charts


def series(rows: Iterable[Row], *, label: Any = lambda r: r["doc_id"]) -> dict[tuple[str, ...], list[Row]]:
    """Chart points per indicator (indicator, unit, place_code, kind, scope): the first mention per
    (period, modality, label), for series that span two or more periods."""
    points: dict[tuple[str, ...], dict[tuple[str, str, str], Row]] = {}
    for row in sorted(rows, key=lambda r: (r["doc_id"], r["start"], r["end"])):
        if not row["period"]:
            continue
        key = tuple(str(row[k]) for k in SERIES_KEY)
        sign = -1.0 if row["kind"] == "change" and row["direction"] == "down" else 1.0
        point = {"period": row["period"], "modality": row["modality"], "label": label(row),
                 "value": sign * float(row["value"]), "qualifier": row["qualifier"]}
        points.setdefault(key, {}).setdefault((point["period"], point["modality"], point["label"]), point)
    return {key: sorted(p.values(), key=lambda p: (p["period"], p["modality"], p["label"]))
            for key, p in sorted(points.items()) if len({q["period"] for q in p.values()}) >= 2}


COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def chart(key: tuple[str, ...], points: Sequence[Row], *, labels: Sequence[str]) -> str:
    """An inline SVG: periods on x, values on y, colour by label (document), hollow for targets."""
    w, h, left, right, top, bottom = 330, 170, 52, 10, 12, 34
    periods = sorted({p["period"] for p in points})
    values = [p["value"] for p in points]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
    lo, hi = (max(lo - pad, 0.0) if lo >= 0 else lo - pad), hi + pad
    x = {per: left + (w - left - right) * (i + 0.5) / len(periods) for i, per in enumerate(periods)}

    def y(v: float) -> float:
        return top + (h - top - bottom) * (hi - v) / (hi - lo)

    base = y(0.0) if lo <= 0 <= hi else h - bottom
    parts = [f'<line x1="{left}" y1="{base:.1f}" x2="{w - right}" y2="{base:.1f}" stroke="#999"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="#999"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="10">{short(hi)}</text>',
             f'<text x="{left - 4}" y="{h - bottom}" text-anchor="end" font-size="10">{short(lo)}</text>']
    parts += [f'<text x="{x[p]:.1f}" y="{h - bottom + 14}" text-anchor="middle" font-size="10">{_e(p)}</text>'
              for p in periods]
    for label in labels:
        line = [p for p in points if p["label"] == label and p["modality"] == "actual"]
        if len(line) >= 2:
            coords = " ".join(f'{x[p["period"]]:.1f},{y(p["value"]):.1f}' for p in line)
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{_color(label, labels)}" stroke-width="1.5"/>')
    for p in points:
        color = _color(p["label"], labels)
        fill = "white" if p["modality"] == "target" else color
        dash = ' stroke-dasharray="2,1"' if p["modality"] == "expected" else ""
        parts.append(f'<circle cx="{x[p["period"]]:.1f}" cy="{y(p["value"]):.1f}" r="4" fill="{fill}" '
                     f'stroke="{color}" stroke-width="1.5"{dash}><title>{_e(p["label"])} {_e(p["period"])} '
                     f'{_e(p["modality"])}: {_e(p["qualifier"])}{_num(p["value"])}</title></circle>')
    name = " · ".join(v for v in key if v)
    data = json.dumps(points, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (f'<figure><svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" role="img" data-key="{_e(json.dumps(list(key), ensure_ascii=False))}" '
            f'data-points="{_e(data)}">{"".join(parts)}</svg><figcaption>{_e(name)}</figcaption></figure>')


def _color(label: str, labels: Sequence[str]) -> str:
    return COLORS[labels.index(label) % len(COLORS)] if label in labels else "#333"


def _charts(rows: Iterable[Row], *, labels: dict[str, str]) -> str:
    """Every chart, with a legend naming the colour of each document."""
    names = sorted(set(labels.values()))
    found = series(rows, label=lambda r: labels.get(r["doc_id"], r["doc_id"]))
    legend = "".join(f'<span style="color:{_color(n, names)}">● {_e(n)}</span> ' for n in names)
    figures = "".join(chart(k, pts, labels=names) for k, pts in found.items())
    return (f'<h2>Indicators in two or more periods ({len(found)})</h2><p class="key">{legend} '
            f'— filled: actual, hollow: target, dashed: expected; a fall is negative; the axis need not start at zero.</p>'
            f'<div class="charts">{figures}</div>')


# ---------------------------------------------------------------- diff and panel


def diff_pages(*, documents: Sequence[Row], indicators: Iterable[Row], indicator_diff: Sequence[Row],
               entity_diff: Sequence[Row], target_outcome: Sequence[Row]) -> dict[str, bytes]:
    """report/index.html of a diff: the two documents, counts, targets against outcomes, charts, rows."""
    labels = {d["doc_id"]: f'{side} · {d["region"] or d["source"]} {d["year"] or ""}'.strip()
              for side, d in zip("AB", documents)}
    docs = _table(["", "doc_id", "source", "title", "year"],
                  [[side, d["doc_id"], d["source"], d["title"], d["year"]] for side, d in zip("AB", documents)])
    status = Counter(r["status"] for r in indicator_diff)
    ent = Counter((r["table"], r["status"]) for r in entity_diff)
    verdicts = Counter(r["verdict"] for r in target_outcome)
    counts = (f'<p>Indicators: {status["changed"]} changed, {status["unchanged"]} unchanged, '
              f'{status["added"]} added, {status["removed"]} removed '
              f'({sum(1 for r in indicator_diff if r["match"] == "fuzzy")} matched by similarity).</p>'
              + _table(["table", "new", "dropped", "continued"],
                       [[t, ent[(t, "new")], ent[(t, "dropped")], ent[(t, "continued")]]
                        for t in ("policies", "organizations", "places")], numeric=(1, 2, 3)))
    targets = _table(["period", "indicator", "unit", "target", "outcome", "gap", "verdict", "reading", "similarity"],
                     [[r["period"], r["indicator"], r["unit"], f'{r["target_qualifier"]}{_num(r["target"])}',
                       f'{r["outcome_qualifier"]}{_num(r["outcome"])}', r["gap"], r["verdict"], r["reading"],
                       r["similarity"]] for r in target_outcome],
                     row_class=[r["verdict"] for r in target_outcome], numeric=(5, 8))
    diff = _table(["status", "indicator", "unit", "kind", "modality", "A", "B", "period A", "period B", "delta",
                   "rel. change", "similarity", "subject A", "subject B"],
                  [[r["status"], r["indicator"], r["unit"], r["kind"], r["modality"], r["value_a"], r["value_b"],
                    r["period_a"], r["period_b"], r["delta"], r["rel_change"], r["similarity"], r["subject_a"],
                    r["subject_b"]] for r in indicator_diff],
                  row_class=[r["status"] for r in indicator_diff], numeric=(5, 6, 9, 10, 11))
    body = (f"<header><h1>zhreport diff</h1>{docs}{counts}</header><main>"
            f"<h2>Targets in A against outcomes in B ({verdicts['met']} met, {verdicts['missed']} missed, "
            f"{verdicts['unclear']} unclear)</h2>{targets}"
            f"{_charts(indicators, labels=labels)}<h2>Indicator diff</h2>{diff}</main>")
    return {"report/index.html": _page(title="zhreport diff", body=body)}


def panel_pages(*, documents: Sequence[Row], indicators: Iterable[Row], panel_long: Sequence[Row]) -> dict[str, bytes]:
    """report/index.html of a panel: the documents, conflicts and a chart per indicator."""
    labels = {d["doc_id"]: f'{d["region"] or d["source"]} {d["year"] or ""}'.strip() for d in documents}
    docs = _table(["doc_id", "source", "title", "region", "year"],
                  [[d["doc_id"], d["source"], d["title"], d["region"], d["year"]] for d in documents])
    conflicts = [r for r in panel_long if r["conflict"]]
    conflict_table = _table(["indicator", "unit", "place_code", "kind", "modality", "period", "value", "direction",
                             "doc_id", "year"],
                            [[r["indicator"], r["unit"], r["place_code"], r["kind"], r["modality"], r["period"],
                              r["value"], r["direction"], r["doc_id"], r["year"]] for r in conflicts], numeric=(6,))
    body = (f"<header><h1>zhreport panel</h1>{docs}<p>{len(panel_long)} figures, {len(conflicts)} in conflict."
            f"</p></header><main><h2>Conflicts</h2>{conflict_table}{_charts(indicators, labels=labels)}</main>")
    return {"report/index.html": _page(title="zhreport panel", body=body)}
