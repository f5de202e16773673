"""Places, policies and organizations that the trained NER model finds and the rules did not
(`zhreport run --ner`). Every row has `source="model"`; a model PLACE resolves through the
gazetteer (`places.lookup`) to its canonical name and code where it can, else it is typed by
the suffixes of rules/ner.yaml. spaCy is imported here only, when the model is first used.

The model reads only the clauses that can still hold a row: a row must end like a name of its
label and overlap no rule row, so a clause in which no name ending (rules/ner.yaml, and the policy
head nouns of rules/policies.yaml) lies outside the rule rows is never tokenized or tagged.
"""
from __future__ import annotations

from functools import lru_cache

import regex

from pipeline.extract.fastmatch import alternation
from pipeline.extract.organizations import extract_organizations
from pipeline.extract.places import extract_places, lookup
from pipeline.extract.policies import extract_policies, head_type_of, strip_marks
from pipeline.records import Doc, Organization, Place, Policy
from pipeline.rules import RULES_DIR, load_yaml

Found = tuple[tuple[Place, ...], tuple[Policy, ...], tuple[Organization, ...]]
#: stands in the masked text for every character a rule row or boilerplate holds
TAKEN = "\0"


@lru_cache(maxsize=1)
def _rules() -> dict:
    data = load_yaml("ner.yaml")
    ends = {"PLACE": (*data["place_ends"], *(s for v in data["place_types"].values() for s in v)),
            "ORG": (*data["org_ends"], *(s for v in data["org_types"].values() for s in v)),
            "POLICY": tuple(w for words in load_yaml("policies.yaml")["head_nouns"].values() for w in words)}
    return {**data, "ends": ends,
            "any_end": regex.compile(alternation({s for v in ends.values() for s in v})),
            "clause": regex.compile(f"[^{regex.escape(data['clause_marks'])}]+")}


@lru_cache(maxsize=1)
def model():
    """The trained pipeline, loaded once per process (each worker loads its own). Its SpanRuler
    is left out: the rule extractors' rows already decide which spans are taken."""
    from pipeline.nlp import load

    return load(RULES_DIR.parent / _rules()["model_path"], exclude=["span_ruler"])


def _by_suffix(name: str, table: dict[str, list[str]], default: str) -> str:
    best = max(((len(s), kind) for kind, suffixes in table.items() for s in suffixes if name.endswith(s)),
               default=(0, default))
    return best[1]


def _place(sent_id: int, start: int, end: int, mention: str) -> Place:
    found = lookup(mention)
    if found:
        d = found[0]
        return Place(sent_id, start, end, mention, d.name, d.code, d.level, "admin", d.parent_code,
                     " ".join(o.code for o in found[1:]), "model")
    rules = _rules()
    kind = _by_suffix(mention, rules["place_types"], "admin")
    level = _by_suffix(mention, rules["place_levels"], "") if kind == "admin" else ""
    return Place(sent_id, start, end, mention, mention, "", level, kind, "", "", "model")


def _name_like(mention: str, label: str) -> bool:
    """Whether a model span ends like a name of its label (rules/ner.yaml; policy head nouns),
    all Han characters apart from quotation and book-title marks. A gazetteer name the rules did
    not take is no row either: in context the rules judged it an ordinary word (资源, 安居)."""
    core = strip_marks(mention)
    if len(core) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in core):
        return False
    return core.endswith(_rules()["ends"][label])


def clauses(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the clauses of `text[start:end]`: the units the model reads and is trained on."""
    return [m.span() for m in _rules()["clause"].finditer(text, start, len(text) if end is None else end)]


def model_spans(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """(start, end, label) of the model's spans (but places of product names), per text."""
    return [[(s.start_char, s.end_char, s.label_) for s in d.spans["model"]] for d in model().pipe(texts)]


def rule_rows(doc: Doc) -> Found:
    return extract_places(doc), extract_policies(doc), extract_organizations(doc)


def _masked(doc: Doc, found: Found) -> str:
    """The text with every character of a rule row or of boilerplate replaced by TAKEN."""
    chars = list(doc.text)
    for a, b in [*((r.start, r.end) for rows in found for r in rows), *doc.boilerplate]:
        chars[a:b] = TAKEN * (b - a)
    return "".join(chars)


def extract_entities_ner(doc: Doc, *, found: Found | None = None) -> Found:
    """Model rows for spans that overlap no rule row (`found`: the rule rows, computed if None)."""
    found = found if found is not None else rule_rows(doc)
    rules = _rules()
    masked = _masked(doc, found)
    units = [(sent, a, b) for sent in doc.sentences if not sent.boilerplate
             for a, b in clauses(doc.text, sent.start, sent.end) if rules["any_end"].search(masked, a, b)]
    out_places: list[Place] = []
    out_policies: list[Policy] = []
    out_orgs: list[Organization] = []
    for (sent, offset, _), spans in zip(units, model_spans([doc.text[a:b] for _, a, b in units])):
        for s, e, label in spans:
            start, end = offset + s, offset + e
            mention = doc.text[start:end]
            if TAKEN in masked[start:end] or not _name_like(mention, label):
                continue
            if label == "PLACE":
                out_places.append(_place(sent.sent_id, start, end, mention))
            elif label == "POLICY":
                name = strip_marks(mention)
                out_policies.append(Policy(sent.sent_id, start, end, mention, name, head_type_of(name), "model"))
            elif label == "ORG":
                kind = _by_suffix(mention, rules["org_types"], "other")
                out_orgs.append(Organization(sent.sent_id, start, end, mention, mention, kind, "model"))
    return tuple(out_places), tuple(out_policies), tuple(out_orgs)
