"""Document metadata inferred from the text (SPEC §2 `documents`): title, issuer, region, year
delivered and year reviewed, genre and script. A sidecar `NAME.meta.yaml` overrides any of them."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import regex

from pipeline.records import DocMeta
from pipeline.rules import load_yaml

DATELINE = regex.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
YEAR = regex.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?:年|(?=[-—]))")
ISSUER_SUFFIX = regex.compile(
    r"^(?P<org>[\p{Han}（）()]{2,30}?(?:人民政府|委员会|政府|局|厅|办公室|统计局|研究院|中心|部))"
    r"(?:(?:省长|市长|县长|区长|主任|局长|厅长|主席)\s*\p{Han}{2,4})?$"
)
DATE_LINE = regex.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
BULLETINS = ("统计公报", "环境状况公报")  # a bulletin of year X reviews X (SPEC §2 review_year)
OFFICE = regex.compile(r"^(?P<org>\p{Han}{2,20}?(?:人民政府|政府))(?:省长|市长|县长|区长|主席|州长|盟长)")


@lru_cache(maxsize=1)
def _rules() -> dict:
    return load_yaml("metadata.yaml")


def _head_lines(text: str, boilerplate: tuple[tuple[int, int], ...], n: int = 12) -> list[str]:
    out, pos = [], 0
    for line in text.split("\n"):
        s = line.strip()
        in_bp = any(bs <= pos < be for bs, be in boilerplate)
        if s and not in_bp:
            out.append(s)
            if len(out) >= n:
                break
        pos += len(line) + 1
    return out


def infer_meta(text: str, boilerplate: tuple[tuple[int, int], ...] = (), *, region_of=None) -> DocMeta:
    """Read title, issuer, region, years, genre and script off the head of the document.

    `region_of(text) -> (name, code) | None` resolves the issuing region (the gazetteer's job).
    """
    rules = _rules()
    head = _head_lines(text, boilerplate)
    title = next((ln for ln in head if any(k in ln for k in rules["title_words"]) and len(ln) <= 60), "")
    genre = next((g["genre"] for g in rules["genres"] if any(k in (title or text[:500]) for k in g["words"])),
                 "other")
    bulletin = genre in BULLETINS
    year = 0
    for ln in head:
        m = DATELINE.search(ln)
        if m and (ln.startswith(("—", "-", "–")) or "会议" in ln or "在" in ln or DATE_LINE.match(ln)):
            year = int(m.group(1))
            break
    title_years = [int(y) for y in YEAR.findall(title)]
    if not year and title_years:
        # a bulletin of year X is published in X+1; a report that reviews one year and plans the
        # next (2025年…执行情况与2026年…草案的报告) is delivered in the later one
        year = title_years[0] + 1 if bulletin else max(title_years)
    review = 0
    if bulletin and title_years:
        review = title_years[0]
    elif year:
        review = year - 1
    region, code = "", ""
    if region_of is not None:
        found = region_of(title + "\n" + "\n".join(head))
        if found:
            region, code = found
    issuer = _issuer(head, title, region)
    return DocMeta(title=title, issuer=issuer, region=region, region_code=code, year=year,
                   review_year=review, genre=genre, script=script_of(text))


def _issuer(head: list[str], title: str, region: str) -> str:
    for ln in head:
        if ln == title or len(ln) > 40:
            continue
        m = OFFICE.match(ln.replace(" ", "")) or ISSUER_SUFFIX.match(ln.replace(" ", ""))
        if m:
            org = m.group("org")
            if region and org.startswith(("省", "市", "县", "区", "自治区")):
                org = region + org[1:] if org[0] in "省市县区" else region + org
            return org
    if "政府工作报告" in title and region:
        return region + "人民政府"
    return ""


def script_of(text: str) -> str:
    """`traditional` when traditional-only characters clearly outnumber simplified-only ones."""
    rules = _rules()
    trad = sum(text.count(ch) for ch in rules["traditional_chars"])
    simp = sum(text.count(ch) for ch in rules["simplified_chars"])
    return "traditional" if trad > max(3, simp) else "simplified"


def apply_override(meta: DocMeta, override: dict | None) -> DocMeta:
    """Sidecar values win over inferred ones; review_year follows a changed year."""
    if not override:
        return meta
    fields = {k: v for k, v in override.items() if k in {"title", "issuer", "region", "region_code", "year",
                                                         "review_year", "genre", "script"}}
    new = replace(meta, **fields)
    if "year" in fields and "review_year" not in fields:
        new = replace(new, review_year=new.year - 1)
    return new
