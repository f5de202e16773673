"""Indicator records (SPEC §2): each quantity of the number grammar bound to its subject(s), with
qualifier, kind, direction, base, modality, period, place and scope read off the governing words.

Binding works on one clause at a time: the words right before the number (verbs, qualifiers,
bases, fillers) are peeled off from the right and recorded; what is left, cut at the last verb that
introduces an object, is the subject. A counted number followed by its noun (`新建普通高中17所` vs
`3个以上省级先进制造业集群`) takes the noun after it. Coordinated subjects that share one number
give one row each, completed with the shared head.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import regex

from pipeline.extract.catalogue import canonical_indicator, is_catalogued
from pipeline.extract.numbers import find_quantities
from pipeline.extract.places import lookup
from pipeline.records import Doc, Indicator, Quantity, Sentence
from pipeline.rules import load_yaml
from pipeline.text.segment import tokenizer

CLAUSE_DELIM = "，。；：！？,;:!?"
OPENERS, CLOSERS = "“‘（(《【「『", "”’）)》】」』"
YEAR_IN_CLAUSE = regex.compile(r"(?<![\d.])(20\d\d)(?:年|—20\d\d年|-20\d\d年)(?!代)")
YEAR_SPAN = regex.compile(r"(?<![\d.])(20\d\d)\s*[—\-–至到]\s*(20\d\d)年")
SENTENCE_HEAD_TIME = regex.compile(r"^(?:力争|争取|确保|预计|计划)?(?:到|至|截至|截止到|在)?(?:20\d\d年(?:底|末)?|“?十[三四五六]五”?(?:时期|期间|期末|末)?)[，,]")
BASE_YEAR = regex.compile(r"(?:比|较|与|同)(20\d\d)年(?:同期)?(?:相比)?")
CONTINUATION = regex.compile(r"(?:以上|左右|以下)?[、和及与—\-～~至到]")
LEADING_BASE = regex.compile(r"^(?:比|较)(?:上年|去年|年初|20\d\d年)(?:同期|末|预算)?")
LEADING_TIME = regex.compile(r"^(?:到|至|截至|在)?20\d\d年(?:底|末)?")
TRAILING_NOISE = regex.compile(r"(?:连续\d+(?:个)?(?:年|次|月|季度)|[一二两三四五六七八九十]+年|是20\d\d年的|比上年?末?|每年|始终|全部"
                                r"|首次|继续|持续)+$")
FROM_TO = regex.compile(r"(?:提高|增加|上升|下降|降低|减少|增长|扩大|缩小|跃升|提升|升|降|增)?(?:到|至)(?:20\d\d年的?)?")
DATE_AT = regex.compile(r"\d{4}年\d{1,2}月")
STREAK = regex.compile(r"连续$")
COMPARED_TO = regex.compile(r"[、，]?(?:(?:高于|低于|快于|慢于)(?:全国|全省|全市|全区|全县)?(?:平均水平|平均)?"
                             r"|(?:比|较)(?:全国|全省|全市|全区|全县)(?:平均水平|平均)?(?:高|低|快|慢))$")
FLOW_PREFIX = regex.compile(r"^(?:新增|净增|新建|新开工|新引进|引进|新认定|新培育)(?=\p{Han}{2})")
RANK_BEFORE = regex.compile(r"第[\d一二三四五六七八九十]+位?|排名|排位|位次")
SHARE_OF = regex.compile(r"占\p{Han}{1,12}(?:比重|比例|份额|的比重)$")
BOUND_BEFORE_NOUN = regex.compile(r"^(?:以上|以下)(?=\p{Han}{2})(?!的)")
STEP_COUNT = regex.compile(r"[两二三四五六七八九十\d]+个[万亿千百]+元?(?:台阶|大关)")
PREDICATE_BEFORE = regex.compile(r"(\p{Han}{2,}?)(?:跨过|跨越|跨上|迈上|迈入|突破|达到|超过)[^、，；]{2,}、?$")
LEADING_COUNT = regex.compile(r"^\d+(?:个|家|项|所|条|座)")
LISTED_MODIFIERS = regex.compile(r"(?:[^，。；、的\d]{2,10}、)+[^，。；、的\d]{2,10}的(?=\p{Han}{2})")
PEELED_BASE_YEAR = regex.compile(r"(?:(?:比|较)(20\d\d)年(?:同期)?|是(20\d\d)年的)$")
TRAILING_DE = regex.compile(r"(?:20\d\d年)?的$")
LEADING_LINKS = regex.compile(r"^(?:[等和及与、对向把从由但而且还也]|以(?!上|下))+")
NOUN_START = regex.compile(r"[\p{Han}“A-Za-z]")
DIGIT = regex.compile(r"\d")
WORD_TOKEN = regex.compile(r"[\p{Han}A-Za-z]+$")
HAN = regex.compile(r"\p{Han}")
TWO_HAN = regex.compile(r"\p{Han}{2}")
HAN_WORD = regex.compile(r"\p{Han}+")
CONJUNCTION = regex.compile("[和及与]")
RANK_PARTNER = regex.compile(r"与[^与，、]{1,12}$")
CLAUSE_SPLIT = regex.compile(r"[，。；：,;]")
STREAK_SPLIT = regex.compile(r"连续[\d一二三四五六七八九十两]+(?:个)?(?:年|次|月|季度|届|天)")
COUNTED_ITEMS = regex.compile(r"(?:[两二三四五六七八九十\d]+项指标|[两二三四五六七八九十\d]+项)?均?$")
SHARED_CUE = regex.compile(r"(?:均|都|[两二三四五六七八九十\d]+项指标均?)$")
ARTICLE_CUE = regex.compile(r"(?:达到?|为|新增|增加|共|仅|只有?)$")
LEADING_BOUND = regex.compile(r"^(?:以上|以下)")
ABOVE_HAN = regex.compile(r"以上\p{Han}")
ABOVE_CHANGE = regex.compile(r"以上(?:增长|的)")
LIST_GOES_ON = regex.compile(r"(?:以上|左右|以下|以内)?[、，和及与；]")


@dataclass(frozen=True)
class _Words:
    qual_before: tuple[tuple[str, str], ...]  # (word, qualifier), longest first
    qual_after: tuple[tuple[str, str], ...]
    change: tuple[tuple[str, str], ...]  # (verb, up/down)
    change_nouns: tuple[tuple[str, str], ...]
    change_heads: tuple[tuple[str, str], ...]  # change nouns and the heads of a subject that names a change
    level_after_change: tuple[str, ...]
    change_after: tuple[str, ...]
    rank_verbs: tuple[str, ...]
    scopes: tuple[str, ...]
    base_last: tuple[str, ...]
    base_avg: tuple[str, ...]
    target: tuple[str, ...]
    review_target: tuple[str, ...]
    expected: tuple[str, ...]
    five_years: tuple[str, ...]
    one_year: tuple[str, ...]
    plan_spans: tuple[tuple[str, int, int], ...]
    stops: frozenset[str]
    generic: tuple[str, ...]
    threshold_after: tuple[str, ...]
    peel: frozenset[str]  # everything that may be peeled off before a number
    own_word: frozenset[str]  # peel words taken only as a word of their own (约 but not 签约)
    peel_lengths: tuple[int, ...]  # the lengths of those words, longest first
    mild: frozenset[str]  # qualifier and filler words: they leave a verb-object subject alone
    peel_set: frozenset[str]
    counter_units: frozenset[str]
    streak_units: frozenset[str]
    post_stops: frozenset[str]
    post_verbs: frozenset[str]
    post_not_noun: tuple[str, ...]
    name_units: frozenset[str]
    name_unit_ok: regex.Pattern
    program_heads: tuple[str, ...]
    other_base: regex.Pattern
    region_words: tuple[str, ...]
    facility_words: tuple[str, ...]


def _longest_first(words) -> tuple[str, ...]:
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def _words() -> _Words:
    r = load_yaml("indicator_words.yaml")
    qb = tuple(sorted(((w, q) for q, ws in r["qualifier_before"].items() for w in ws), key=lambda x: -len(x[0])))
    qa = tuple(sorted(((w, q) for q, ws in r["qualifier_after"].items() for w in ws), key=lambda x: -len(x[0])))
    change = tuple(sorted([(w, "up") for w in r["change_up"]] + [(w, "down") for w in r["change_down"]],
                          key=lambda x: -len(x[0])))
    nouns = tuple(sorted([(w, "up") for w in r["change_nouns_up"]] + [(w, "down") for w in r["change_nouns_down"]],
                         key=lambda x: -len(x[0])))
    level_verbs = [v + a for v, _ in change for a in r["level_after_change"]]
    peel = frozenset([w for w, _ in qb] + [w for w, _ in change] + level_verbs + list(r["filler"])
                      + list(r["base_last_year"]) + list(r["base_yearly_average"])
                      + list(r["expected_words"]) + list(r["level_verbs"]))
    return _Words(
        qual_before=qb, qual_after=qa, change=change, change_nouns=nouns,
        change_heads=nouns + tuple((h, "up") for h in r["change_subject_heads"]),
        level_after_change=tuple(r["level_after_change"]),
        change_after=_longest_first(r["change_after"]), rank_verbs=_longest_first(r["rank_verbs"]),
        scopes=_longest_first(r["scopes"]), base_last=tuple(r["base_last_year"]),
        base_avg=tuple(r["base_yearly_average"]), target=tuple(r["target_words"]),
        review_target=tuple(t for t in r["target_words"] if t not in r["plan_only_target_words"]),
        expected=tuple(r["expected_words"]),
        five_years=tuple(r["paragraph_cues"]["five_years"]), one_year=tuple(r["paragraph_cues"]["one_year"]),
        plan_spans=tuple((k, v[0], v[1]) for k, v in r["plan_spans"].items()),
        stops=frozenset(r["subject_stops"]), generic=_longest_first(r["generic_subjects"]),
        threshold_after=_longest_first(r["threshold_after"]), peel=peel,
        own_word=frozenset(r["peel_own_word"]),
        peel_lengths=tuple(sorted({len(x) for x in peel}, reverse=True)),
        mild=frozenset([w for w, _ in qb] + list(r["filler"])),
        peel_set=peel | frozenset(r["rank_verbs"]),
        counter_units=frozenset(r["counter_units"]),
        streak_units=frozenset(r["streak_units"]),
        post_stops=frozenset(r["post_noun"]["stops"]),
        post_verbs=frozenset(r["post_noun"]["verbs"]),
        post_not_noun=tuple(r["post_noun"]["not_after_number"]),
        name_units=frozenset(r["name_units"]["units"]),
        name_unit_ok=regex.compile("|".join(map(regex.escape, r["name_units"]["measurement_continues"]))),
        program_heads=tuple(r["program_heads"]),
        other_base=regex.compile("(?:比|较)(?:" + "|".join(map(regex.escape, r["other_bases"])) + ")"),
        region_words=tuple(r["governing_place"]["region_words"]),
        facility_words=tuple(r["governing_place"]["facility_words"]),
    )


# ---------------------------------------------------------------- document context: periods


@dataclass(frozen=True)
class _Context:
    period: str
    plan: bool


def _span(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}-{b}"


def paragraph_contexts(doc: Doc) -> tuple[_Context, ...]:
    """The period and plan flag of every paragraph (SPEC §2 period rules 4 and 5).

    A top-level section heading sets the part (review of R, the coming year's plans, a multi-year
    plan); a cue at the start of a paragraph (五年来, “十四五”时期, 2026年…) sets the span for it and
    the paragraphs after it, until the next cue or heading.
    """
    w = _words()
    review = doc.meta.review_year or (doc.meta.year - 1 if doc.meta.year else 0)
    top = {s.start for s in doc.sections if s.level == 1}
    current = _Context(str(review) if review else "", False)
    out = []
    for start, end in doc.paragraphs:
        head = doc.text[start:min(end, start + 40)]
        if start in top:
            current = _heading_context(doc.text[start:end], review, w) or current
        else:
            current = _cue_context(head, review, w) or current
        out.append(current)
    return tuple(out)


def _heading_context(heading: str, review: int, w: _Words) -> _Context | None:
    if not review:
        return None
    future = str(review + 1)
    if any(k in heading for k in ("回顾", "过去", "建设情况", "主要工作", "工作总结", "主要成绩")):
        five = any(k in heading for k in ("五年", "十四五", "“十四五”")) and str(review) not in heading
        return _Context(_span(review - 4, review) if five else str(review), False)
    for name, a, b in w.plan_spans:
        if name in heading and a > review:
            return _Context(_span(a, b), True)
    if future in heading or any(k in heading for k in ("今年", "重点工作", "工作安排", "主要任务", "目标任务")):
        return _Context(future, True)
    return None


def _cue_context(head: str, review: int, w: _Words) -> _Context | None:
    """The earliest period cue in the head of a paragraph decides its span."""
    if not review:
        return None
    cues: list[tuple[int, _Context]] = []
    five = _Context(_span(review - 4, review), False)
    for k in w.five_years:
        i = head.find(k)
        if 0 <= i < 20:
            cues.append((i, five))
    for name, a, b in w.plan_spans:
        if head.startswith(name) and a > review:
            cues.append((0, _Context(_span(a, b), True)))
    one = _Context(str(review), False)
    for k in w.one_year:
        i = head.find(k)
        if 0 <= i < 12:
            cues.append((i, one))
    i = head.find(f"{review}年")
    if (0 <= i < 12 and not head[i + 5:].startswith(("以来", "起")) and not DATE_AT.match(head, i)
            and (i == 0 or head[i - 1] not in "比较是于与从由")):
        cues.append((i, one))
    if (head.startswith((f"{review + 1}年", "今年")) and not DATE_AT.match(head)):
        cues.append((0, _Context(str(review + 1), True)))
    return min(cues, key=lambda c: c[0])[1] if cues else None


# ---------------------------------------------------------------- clause analysis


def _clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """The clause around `pos`: between delimiters outside quotes and brackets."""
    depth, left = 0, 0
    for i in range(pos - 1, -1, -1):
        ch = text[i]
        if ch in CLOSERS:
            depth += 1
        elif ch in OPENERS:
            if depth == 0:
                continue
            depth -= 1
        elif depth == 0 and ch in CLAUSE_DELIM:
            left = i + 1
            break
    depth, right = 0, len(text)
    for i in range(pos, len(text)):
        ch = text[i]
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS and depth:
            depth -= 1
        elif depth == 0 and ch in CLAUSE_DELIM:
            right = i
            break
    return left, right


def _inside_quotes(text: str, pos: int) -> bool:
    """A number inside “…” or 《…》 is part of a name (SPEC: numerals inside names)."""
    depth = 0
    for ch in text[:pos]:
        if ch in "“《":
            depth += 1
        elif ch in "”》" and depth:
            depth -= 1
    return depth > 0


@dataclass
class _Peeled:
    rest: str
    words: list[str]


def _own_word(rest: str) -> bool:
    """A governing word that often ends another word must be a word of its own (约, not 签约 or 节约)."""
    return len(tokenizer().lcut(rest[-8:])[-1]) == 1


def _peel(prefix: str, w: _Words) -> _Peeled:
    """Peel governing words off the right end of the text before a number."""
    words: list[str] = []
    rest = prefix
    changed = True
    while changed and rest:
        changed = False
        for n in w.peel_lengths:  # the longest peel word that ends `rest`
            if n <= len(rest) and rest[-n:] in w.peel and (rest[-n:] not in w.own_word or _own_word(rest)):
                words.append(rest[-n:])
                rest = rest[:-n]
                changed = True
                break
        if not changed:
            m = PEELED_BASE_YEAR.search(rest)
            if m:
                words.append(m.group())
                rest = rest[: m.start()]
                changed = True
    return _Peeled(rest, words)


def _cut_subject(rest: str, w: _Words) -> str:
    """The subject: what is left, cut after the last verb or cue that introduces it.

    Stop words at the very end (均, 分别…) are dropped first so that they never empty it; a cut that
    would leave only a bare verb keeps the words before the stop instead.
    """
    rest = COMPARED_TO.sub("", rest.strip(" 、，"))
    if not rest:
        return ""
    tokens = tokenizer().lcut(rest)
    while tokens and tokens[-1] in w.stops:
        tokens.pop()
    start = 0
    for i, tok in enumerate(tokens):
        if tok in w.stops:
            start = i + 1
    subject = TRAILING_DE.sub("", "".join(tokens[start:]))
    if not subject and start > 1:  # 人均地区生产总值从2020年的…: the subject stands before 从
        subject = "".join(t for t in tokens[: start - 1] if t not in w.stops)
    elif start > 1 and subject in w.generic:
        owner = "".join(t for t in tokens[: start - 1] if t not in w.stops)
        subject = owner + subject
    elif len(subject) <= 2 and start > 1:
        before = "".join(t for t in tokens[: start - 1] if t not in w.stops)
        subject = before + subject if before else subject
    subject = LEADING_BASE.sub("", LEADING_TIME.sub("", subject))
    subject = LEADING_LINKS.sub("", subject).lstrip("”’》）)")
    subject = TRAILING_NOISE.sub("", subject)
    if (m := LEADING_COUNT.match(subject)) and len(subject) - m.end() >= 4:  # 14个市州城市…比例
        subject = subject[m.end():]
    return subject.strip(" 、")


def _post_noun(after: str, w: _Words) -> str:
    """The noun phrase written right after a counted number (`11个设区市`).

    When that noun is generic and a verb phrase follows it to the end of the clause
    (`11家企业入选国家重点产业链链主企业`), the subject is the verb phrase plus the noun. A list
    of modifiers joined to the noun by 的 (`40个吸引力强、带动面广的消费场景`) is left out.
    """
    after = BOUND_BEFORE_NOUN.sub("", after)  # 七成以上企业, 100个以上项目: the bound stands between
    if not after or after.startswith(w.post_not_noun) or not NOUN_START.match(after):
        return ""
    if m := LISTED_MODIFIERS.match(after):
        after = after[m.end():]
    tokens = tokenizer().lcut(after)
    noun: list[str] = []
    i, depth = 0, 0
    while i < len(tokens):
        tok = tokens[i]
        joins_short = tok in ("和", "及", "与") and 0 < len("".join(noun)) <= 2  # 44条国际及地区航线
        if depth == 0 and not joins_short and (tok in w.post_stops or tok in w.stops or tok in w.peel_set
                                               or DIGIT.search(tok) or tok in "，。；、："):
            break
        depth += sum(tok.count(c) for c in OPENERS) - sum(tok.count(c) for c in CLOSERS)
        noun.append(tok)
        i += 1
    if not noun:
        return ""
    head = "".join(noun)
    if i < len(tokens) and tokens[i] in w.post_verbs and len(head) <= 4:
        vp = []
        for tok in tokens[i:]:
            if tok in "，。；：" or DIGIT.match(tok):
                break
            vp.append(tok)
        return "".join(vp) + head
    return head


def _de_noun(after: str, w: _Words) -> str:
    """`5.2%的经济增长` → 经济增长: the noun a number qualifies through 的."""
    if not after.startswith("的"):
        return ""
    out = []
    for tok in tokenizer().lcut(after[1:]):
        if tok in w.stops or tok in w.post_stops or not WORD_TOKEN.match(tok):
            break
        out.append(tok)
    noun = "".join(out)
    return noun if len(noun) >= 2 else ""


def _split_coordinated(subject: str, *, shared: bool) -> list[str]:
    """`电子信息、有色金属产业` → [电子信息产业, 有色金属产业] (the shared head restored).

    `A、B等C` lists examples of the class C, which is the subject. A list is split only where the
    text says the number is shared (均/都, N项指标) or where its items are whole names of their own;
    modifiers (`领航级、卓越级智能工厂`) and verbs (`制定、修改、废止…规章`) stay one subject.
    """
    if "等" in subject and "、" in subject.split("等")[0]:
        subject = subject.rsplit("等", 1)[1] or subject
    depth, parts, cur = 0, [], ""
    for ch in subject:
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS and depth:
            depth -= 1
        if depth == 0 and (ch == "、" or (shared and ch in "和及与" and "、" not in subject)):
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return [subject]
    last_place = next((n for n in range(min(len(parts[-1]) - 1, 6), 1, -1) if lookup(parts[-1][:n])), 0)
    if last_place and all(lookup(p) for p in parts[:-1]):  # 内江、眉山、自贡、遂宁经济总量: one row per place
        return [p + parts[-1][last_place:] for p in parts[:-1]] + [parts[-1]]
    if not shared and (any(len(p) <= 2 or p.endswith(("级", "类", "型", "性")) for p in parts[:-1])
                       or CONJUNCTION.search(parts[-1])):
        return [subject]
    # parallel items: what the last item has beyond the first item's length is the shared head
    first, last = parts[0], parts[-1]
    cut = max((e for e in _token_ends(last) if 0 < e <= len(first)), default=len(first))  # a whole word
    head = last[cut:] if len(last) > cut + 1 else ""
    if head.count("“") != head.count("”"):  # 应急救护“双持证”护理员: never cut inside a quotation
        head = ""
    out = []
    for p in parts[:-1]:
        known = next((p + head[i:] for i in range(len(head)) if is_catalogued(p + head[i:])), "")
        if known:  # 高技术制造业 + (产业)增加值: the catalogue knows the restored name
            p = known
        elif head and not p.endswith(head) and p[-1] != head[-1] and not is_catalogued(p):
            overlap = next((k for k in range(len(head) - 1, 0, -1) if p.endswith(head[:k])), 0)
            p = p + head[overlap:]  # 六大优势产业 + 产业增加值 → 六大优势产业增加值
        out.append(p)
    out.append(parts[-1])
    return out

# ---------------------------------------------------------------- binding


@dataclass(frozen=True)
class _Binding:
    subjects: tuple[str, ...]
    qualifier: str
    kind: str
    direction: str
    base: str
    scope: str
    rule: str


def _bind(sent: str, q: Quantity, left: int, right: int, prev_end: int, prev_subject: str, w: _Words,
          one_year: bool) -> _Binding | None:
    prefix = sent[max(left, prev_end):q.start]
    if q.negative:
        prefix = prefix.rstrip("-−－")
    after = sent[q.end:right]
    peeled = _peel(prefix, w)
    words = peeled.words
    qualifier = q.qualifier or ""
    for word, qual in w.qual_before:
        if word in words:
            qualifier = qualifier or qual
            break
    if q.bound:
        qualifier = q.bound
    else:
        for word, qual in w.qual_after:
            if (after + "，").startswith(word):  # the clause end counts as a boundary (增长2倍多)
                qualifier = qual if not q.qualifier else qualifier
                after = after[len(word):]
                break
    qualifier = qualifier or "="

    kind, direction, base, scope, rule = "level", "", "", "", "level"
    if q.is_rank:
        kind, rule = "rank", "rank"
        rest = peeled.rest
        for verb in (*w.rank_verbs, "由", "从"):  # 由全国第14位跃升至第11位: 由 opens the scope too
            i = rest.rfind(verb)
            if i >= 0:
                scope = rest[i + len(verb):]
                rest = rest[:i]
                break
        for s in w.scopes:
            if scope.startswith(s):
                extra = scope[len(s):]
                scope = s
                if not _cut_subject(rest, w) and extra:
                    rest = extra
                break
        subject_text = RANK_PARTNER.sub("", rest)
    else:
        subject_text = peeled.rest
        for verb, d in w.change:
            if verb in words:
                idx = words.index(verb)
                following = words[:idx]  # peeled later = nearer the number? words are right-to-left
                if not any(f in w.level_after_change for f in following) and not any(
                        f.startswith(verb) and f != verb for f in words):
                    kind, direction, rule = "change", d, "change-verb"
                break
        if kind == "level":
            for noun, d in w.change_nouns:
                if subject_text.endswith(noun):
                    kind, direction, rule = "change", d, "change-noun"
                    break
        if kind == "level":
            for word in w.change_after:
                if after.startswith(word):
                    kind, direction, rule = "change", "down" if "降" in word else "up", "change-after"
                    break
        if kind == "change":
            if q.negative or "负增长" in sent[left:right]:
                direction = "down" if direction == "up" else "up"
            if w.other_base.search(prefix):
                base = ""
            elif any(b in words or b in prefix for b in w.base_last):
                base = "上年"
            elif any(b in words or b in prefix for b in w.base_avg):
                base = "年均"
            else:
                m = BASE_YEAR.search(sent[:q.start])
                base = m.group(1) if m else ("上年" if one_year else "")
        if q.is_percent_change_unit and kind == "level" and not q.is_rank:
            kind, direction, rule = "change", "up", "percent-point"
            if any(x in prefix for x in ("下降", "降低", "回落", "收窄", "减少", "低于")):
                direction = "down"

    if "分别" in subject_text and "分别" not in words:  # A、B分别发放贷款N1、N2: the subjects stand before 分别
        subject_text = subject_text[: subject_text.rindex("分别")]
        words = words + ["分别"]
    subject = _cut_subject(subject_text, w)
    counted = q.unit in w.counter_units or q.value_raw.endswith("成")  # 七成企业: a share of what follows
    post = _post_noun(after, w) if counted and not q.is_rank else ""
    if "连续" in words and q.unit in w.streak_units:
        kind, direction, base = "level", "", ""
        tail = CLAUSE_SPLIT.split(after, maxsplit=1)[0]
        if tail.startswith("、"):  # A连续8年、B连续5年保持X: the streaks share the predicate after the last
            tail = STREAK_SPLIT.split(tail)[-1]
        subject = subject + tail if subject else tail
        rule += "+streak"
    elif (de := _de_noun(after, w)) and de.endswith(tuple(n for n, _ in w.change_heads)):
        subject = de
        rule += "+de-noun"
    elif post:
        if subject_text.endswith("的"):
            subject = _cut_subject(subject_text[:-1], w) + post
        else:
            subject = post
        kind, direction, base = "level", "", ""  # 提升1000个综合体: a count of things, not a change
        rule += "+post-noun"
    elif not subject:
        if de:
            subject = de
            rule += "+de-noun"
        elif prev_subject:
            subject = prev_subject
            rule += "+previous"
        elif q.is_rank and (owner := _clause_owner(sent, left, w)):  # 经济总量…，由全国第14位…
            subject = owner
            rule += "+owner"
    elif len(subject) <= 2 and prev_subject and not q.is_rank and not sent[left:q.start].startswith("其中"):
        subject = (FLOW_PREFIX.sub("", prev_subject) if subject in w.generic else prev_subject) + subject
        rule += "+previous"
    subject = COUNTED_ITEMS.sub("", subject) or subject
    subject = subject.strip("、 ")
    if not subject:
        return None
    if kind == "level" and not q.is_rank and "streak" not in rule:
        for noun, d in w.change_heads:
            if subject.endswith(noun):
                kind, direction, rule = "change", d, rule + "+change-noun"
                break
        for verb, d in w.change:
            if (subject.startswith(verb) and len(subject) > len(verb) + 1 and set(words) <= w.mild
                    and q.unit not in w.counter_units  # 提升建设保障点778个: a count of things
                    and tokenizer().lcut(subject)[0] == verb):  # 增加值 is a noun, not 增加 + 值
                kind, direction, rule = "change", d, rule + "+verb-object"
                subject = subject[len(verb):]
                break
        if kind == "change":
            base = "上年" if one_year else ""
    if (m := PREDICATE_BEFORE.match(subject)) and not q.is_rank:  # 经济总量跨过两个万亿元大关、超过6万亿元
        subject = m.group(1)
    if q.is_rank and after.startswith("大") and (largest := _post_noun(after[1:], w)):
        subject = largest  # 跻身全球第三大加油港: what is ranked is named after 第N大
    shared = bool(SHARED_CUE.search(subject_text)) or "分别" in words
    return _Binding(tuple(_split_coordinated(subject, shared=shared)), qualifier, kind, direction, base, scope, rule)


def _is_article(sent: str, q: Quantity) -> bool:
    """`一个部门牵头`, `一年`, `一届`: 一 with a measure word is an article, not a count, unless a
    level word governs it (达到一个, 新增一家)."""
    return q.value_raw[:1] == "一" and q.value == 1 and not ARTICLE_CUE.search(sent[:q.start])


def _is_threshold(sent: str, q: Quantity, w: _Words) -> bool:
    """A number that names a class or threshold (`过三千亿元城市`, `亿元以上项目`, `万亿级`), or a
    measurement inside a statistic's name (`日最大8小时平均浓度`, `3岁以下婴幼儿`)."""
    after = sent[q.end:q.end + 4]
    rest = LEADING_BOUND.sub("", sent[q.end:q.end + 6])[:4]
    if (q.unit in w.name_units and not q.is_rank and TWO_HAN.match(rest)
            and not w.name_unit_ok.match(rest)):
        return True
    before = sent[max(0, q.start - 1):q.start]
    if q.unit == "年" and after.startswith(w.program_heads):
        return True
    if q.value_raw.endswith("级"):  # 万吨级海船, 千亿级产业: a class, not a measurement
        return True
    if STEP_COUNT.match(sent, q.start) or (STEP_COUNT.match(sent, q.start - 2) and sent[q.start - 1] == "个"):
        return True  # 跨越两个万亿元台阶: a count of milestones and their size, neither a level
    if before == "过" and HAN.match(after or " "):
        return True
    if any(after.startswith(t) for t in w.threshold_after) and not (
            (q.unit in w.counter_units or q.value_raw.endswith("成")) and after.startswith("以上")):
        return True
    if q.unit == "元" and after.startswith("以上") and ABOVE_HAN.match(after) and not ABOVE_CHANGE.match(after):
        return True
    return False


def _stated_period(text: str, w: _Words) -> str:
    """A year or span stated in `text` for its numbers; years named as a base (比2020年, 是2020年的)
    or as a start (2020年以来) are not periods."""
    m = YEAR_SPAN.search(text)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    for m in YEAR_IN_CLAUSE.finditer(text):
        before, after = text[max(0, m.start() - 1):m.start()], text[m.end():m.end() + 2]
        if before in ("从", "由") and text[m.end():] == "的":  # 由2020年的58.2%: the start's own year
            return m.group(1)
        if before in ("比", "较", "是", "于", "与", "从", "由") or after.startswith(("以来", "起", "同期", "底", "末")):
            continue
        return m.group(1)
    for name, a, b in w.plan_spans:
        if name in text and "以来" not in text:
            return _span(a, b)
    return ""


def _period(sent: str, q: Quantity, left: int, ctx: _Context, review: int, w: _Words) -> str:
    """SPEC §2 period rules in order: stated for the number (in its clause, or at the head of the
    sentence: 到2030年，…), a streak, cumulative figures and counts of times, then the context."""
    stated = _stated_period(sent[left:q.start], w)
    if not stated:
        head = SENTENCE_HEAD_TIME.match(sent)
        if head and head.end() <= left:
            stated = _stated_period(head.group(), w)
    if stated:
        return stated
    if q.unit == "年" and STREAK.search(sent[:q.start]) and review and q.value == int(q.value):
        return _span(review - int(q.value) + 1, review)
    if "累计" in sent[left:q.start] or q.unit in ("次", "轮"):
        return ""
    return ctx.period


def _modality(sent: str, q: Quantity, left: int, right: int, ctx: _Context, w: _Words) -> str:
    """target for goals (target words, or any figure of a plans part); expected for 预计 estimates
    that are not goals, even in a plans part (预计今年高校毕业生超过…); actual otherwise."""
    clause = sent[left:right]
    has_target = any(t in clause for t in (w.target if ctx.plan else w.review_target))
    if any(e in sent[left:q.start] for e in w.expected) and not has_target:
        return "expected"
    if ctx.plan or has_target:
        return "target"
    if any(e in sent[:q.start] for e in w.expected):
        return "expected"
    return "actual"


def extract_indicators(doc: Doc) -> tuple[Indicator, ...]:
    """Every indicator row of a document, in text order."""
    w = _words()
    contexts = paragraph_contexts(doc)
    review = doc.meta.review_year
    rows: list[Indicator] = []
    carry, last = "", None  # a subject carried over a `；` into the next clause of the same paragraph
    for sent in doc.sentences:
        if sent.boilerplate:
            continue
        if last is None or last.paragraph != sent.paragraph or not last.text.endswith("；"):
            carry = ""
        ctx = contexts[sent.paragraph] if sent.paragraph < len(contexts) else _Context(str(review), False)
        found = _sentence_rows(doc, sent, ctx, review, w, carry)
        rows.extend(found)
        carry, last = (found[-1].subject if found else carry), sent
    return tuple(rows)


def _sentence_rows(doc: Doc, sent: Sentence, ctx: _Context, review: int, w: _Words,
                   carry: str = "") -> list[Indicator]:
    text = sent.text
    out: list[Indicator] = []
    prev_end, prev_subject = 0, carry
    prev_q: Quantity | None = None
    prev_binding: _Binding | None = None
    pending: list[str] = []  # subjects still to hand out to the numbers after 分别
    shared: tuple[str, ...] = ()  # the last 分别 list: a later list of numbers with no subject of its own reuses it
    one_year = bool(ctx.period) and "-" not in ctx.period
    quantities = find_quantities(text)
    class_ranges = {q.range_id for q in quantities if q.range_id >= 0 and _is_threshold(text, q, w)}
    for qi, q in enumerate(quantities):
        if (_inside_quotes(text, q.start) or _is_threshold(text, q, w) or _is_article(text, q)
                or q.range_id in class_ranges):  # 0—6岁儿童: a range naming a class goes whole
            continue
        left, right = _clause_bounds(text, q.start)
        between = text[prev_q.end:q.start] if prev_q is not None else ""
        if prev_binding is not None and FROM_TO.fullmatch(between):
            binding = replace(prev_binding, kind="rank" if q.is_rank else "level", direction="", base="",
                              qualifier=_own_qualifier(text, q, right, w), rule=prev_binding.rule + "+from-to")
        elif prev_q is not None and prev_binding is not None and (CONTINUATION.fullmatch(between) or not between):
            listed = bool(pending)
            subjects = (pending.pop(0),) if pending else prev_binding.subjects[-1:]
            binding = replace(prev_binding, subjects=subjects, qualifier=_own_qualifier(text, q, right, w),
                              rule=prev_binding.rule + ("+listed" if listed else "+continued"))
        else:
            binding = _bind(text, q, left, right, prev_end if prev_end > left else 0, prev_subject, w, one_year)
            pending = []
            if binding is not None and "分别" in text[left:q.start] and len(binding.subjects) > 1:
                shared = binding.subjects
                pending = list(binding.subjects[1:])
                binding = replace(binding, subjects=binding.subjects[:1])
            elif (binding is not None and binding.rule.endswith("+previous") and "分别" in text[left:q.start]
                  and len(earlier := _last_subjects(out, _list_length(text, quantities, qi))) > 1):
                # 接待游客A、旅游收入B，分别增长x、y: the numbers go to the subjects before them in order
                pending = list(earlier[1:])
                binding = replace(binding, subjects=earlier[:1], rule=binding.rule + "+listed")
            elif (binding is not None and binding.rule.endswith("+previous") and len(shared) > 1
                  and CONTINUATION.match(text[q.end:q.end + 4])):  # 分别达到A、B，增长x和y
                pending = list(shared[1:])
                binding = replace(binding, subjects=shared[:1], rule=binding.rule + "+listed")
        if LIST_GOES_ON.match(text[q.end:q.end + 4]):
            prev_end = q.end
        prev_q, prev_binding = q, binding
        if binding is None:
            continue
        period = _period(text, q, left, ctx, review, w)
        modality = _modality(text, q, left, right, ctx, w)
        for subject in binding.subjects:
            if subject in w.generic and not binding.rule.endswith("+listed"):  # 营业总收入、利润总额分别…
                owner = prev_subject or _clause_owner(text, left, w)
                if owner:
                    subject = _restore_head(owner, subject, w)
            elif subject.endswith("之比") and text[left:q.start].startswith("与") and prev_subject:
                subject = f"{prev_subject}与{subject}"  # 研发经费支出…，与地区生产总值之比为2.46%
            elif SHARE_OF.match(subject):  # 经济总量超9万亿元，占全国比重6.5%: whose share it is
                owner = prev_subject or _clause_owner(text, left, w)
                if owner and owner.endswith(subject):  # 占全国份额从14%提升到15.5%
                    subject = owner
                elif owner and "占" not in owner:
                    subject = owner + subject
            place, place_code = _governing_place(subject, doc, w)
            unit = "位" if binding.kind == "change" and _rank_moved(text, q) else q.unit
            out.append(Indicator(
                sent_id=sent.sent_id, start=sent.start + q.start, end=sent.start + q.end, evidence=text,
                subject=subject, indicator=canonical_indicator(subject), value=q.value, unit=unit,
                value_raw=q.value_raw, qualifier=binding.qualifier, kind=binding.kind,
                direction=binding.direction if binding.kind == "change" else "",
                base=binding.base if binding.kind == "change" else "", modality=modality, period=period,
                place=place, place_code=place_code, scope=binding.scope, rule=binding.rule,
            ))
            prev_subject = subject
    return out


def _rank_moved(sent: str, q: Quantity) -> bool:
    """`较上年前移6位` after a placing: 位 counts places of a rank, not people (70位院士)."""
    return q.value_raw.endswith("位") and bool(RANK_BEFORE.search(sent, 0, q.start))


def _token_ends(text: str) -> list[int]:
    ends, pos = [], 0
    for tok in tokenizer().lcut(text):
        pos += len(tok)
        ends.append(pos)
    return ends


def _list_length(text: str, quantities: list[Quantity], i: int) -> int:
    """How many numbers form the list that starts with quantities[i] (5%、6%和7%)."""
    n = 1
    while i + n < len(quantities) and CONTINUATION.fullmatch(text[quantities[i + n - 1].end:quantities[i + n].start]):
        n += 1
    return n


def _last_subjects(rows: list[Indicator], n: int) -> tuple[str, ...]:
    """The last `n` distinct subjects of the sentence so far, in order; fewer when there are fewer."""
    found: list[str] = []
    for r in reversed(rows):
        if r.subject not in found:
            found.append(r.subject)
        if len(found) == n:
            break
    return tuple(reversed(found)) if len(found) == n else ()


def _governing_place(subject: str, doc: Doc, w: _Words) -> tuple[str, str]:
    """The named administrative place a subject starts with (`泸州经济总量` → 泸州市), else the
    document's region (SPEC §2 place). Short forms count only inside the document's province, and
    a place that only qualifies a region (`武汉都市圈`) is no governing place."""
    region = doc.meta.region_code
    if "、" in subject:  # several places → the document's region
        return doc.meta.region, doc.meta.region_code
    for n in range(min(len(subject) - 1, 9), 1, -1):
        head, rest = subject[:n], subject[n:]
        divisions = lookup(head)
        if (not divisions or rest.startswith(w.region_words) or any(f in rest[:4] for f in w.facility_words)
                or lookup(rest[:2])):
            continue
        full = head.endswith(("省", "市", "县", "区", "州", "盟", "旗"))
        for div in divisions:
            if div.code == region or div.code[:2] == "00":
                continue
            if full or (region and div.code[:2] == region[:2] and div.level in ("prefecture", "county")):
                return div.name, div.code
    return doc.meta.region, doc.meta.region_code


def _own_qualifier(sent: str, q: Quantity, right: int, w: _Words) -> str:
    """The qualifier of a number that continues a list or range: its bound, 余/多, or a word after it."""
    if q.bound:
        return q.bound
    if q.qualifier:
        return q.qualifier
    after = sent[q.end:right]
    return next((qual for word, qual in w.qual_after if (after + "，").startswith(word)), "=")


def _clause_owner(sent: str, left: int, w: _Words) -> str:
    """The noun phrase that opens the previous clause (`市场经营主体增量提质，总量突破…` →
    市场经营主体): the owner of a generic head written alone."""
    if left < 2:
        return ""
    start = max(sent.rfind(d, 0, left - 1) for d in CLAUSE_DELIM) + 1
    owner = []
    for tok in tokenizer().lcut(sent[start:left - 1]):
        if not owner and tok in w.stops and tok not in w.peel_set:  # 我省经济总量: the scope word leads
            continue
        if tok in w.stops or tok in w.generic or tok in w.peel_set or not HAN_WORD.fullmatch(tok):
            break
        owner.append(tok)
    noun = "".join(owner)
    return noun if 2 <= len(noun) <= 12 else ""


def _restore_head(prev: str, generic: str, w: _Words) -> str:
    """`总数` after `全国文明城市` → `全国文明城市总数` (SPEC: restore an elided head noun)."""
    for g in w.generic:
        if prev.endswith(g) and len(prev) > len(g):
            prev = prev[: -len(g)]
            break
    return FLOW_PREFIX.sub("", prev) + generic  # 新增市场主体 → 市场主体总数

