"""Places, policies and organizations that the trained NER model finds and the rules did not
(`zhreport run --ner`). Every row has `source="model"`; a model PLACE resolves through the
gazetteer (`places.lookup`) to its canonical name and code where it can, else it is typed by
the suffixes of rules/ner.yaml. spaCy is imported here only, when the model is first used.
"""
from __future__ import annotations

from functools import lru_cache

from pipeline.extract.organizations import extract_organizations
from pipeline.extract.places import extract_places, lookup
from pipeline.extract.policies import extract_policies, head_type_of, strip_marks
from pipeline.records import Doc, Organization, Place, Policy
from pipeline.rules import RULES_DIR, load_yaml

Found = tuple[tuple[Place, ...], tuple[Policy, ...], tuple[Organization, ...]]


@lru_cache(maxsize=1)
def _rules() -> dict:
    return load_yaml("ner.yaml")


@lru_cache(maxsize=1)
def model():
    """The trained pipeline, loaded once per process (each worker loads its own)."""
    from pipeline.nlp import load

    return load(RULES_DIR.parent / _rules()["model_path"])


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
    """Whether a model span ends like a name of its label (rules/ner.yaml), all Han characters
    apart from quotation and book-title marks."""
    rules = _rules()
    core = strip_marks(mention)
    if len(core) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in core):
        return False
    if label == "PLACE":
        ends = [*rules["place_ends"], *(s for v in rules["place_types"].values() for s in v)]
        return bool(lookup(core)) or core.endswith(tuple(ends))
    if label == "ORG":
        return core.endswith(tuple([*rules["org_ends"], *(s for v in rules["org_types"].values() for s in v)]))
    return head_type_of(core) != "other"


def model_spans(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """(start, end, label) of the spans the model adds to the rule patterns, per text."""
    return [[(s.start_char, s.end_char, s.label_) for s in d.spans["model"]] for d in model().pipe(texts)]


def rule_rows(doc: Doc) -> Found:
    return extract_places(doc), extract_policies(doc), extract_organizations(doc)


def extract_entities_ner(doc: Doc, *, found: Found | None = None) -> Found:
    """Model rows for spans that overlap no rule row (`found`: the rule rows, computed if None)."""
    places, policies, orgs = found if found is not None else rule_rows(doc)
    taken = sorted((r.start, r.end) for rows in (places, policies, orgs) for r in rows)
    sents = [s for s in doc.sentences if not s.boilerplate]
    out_places: list[Place] = []
    out_policies: list[Policy] = []
    out_orgs: list[Organization] = []
    for sent, spans in zip(sents, model_spans([s.text for s in sents])):
        for s, e, label in spans:
            start, end = sent.start + s, sent.start + e
            if any(a < end and start < b for a, b in taken) or doc.text[start:end].strip() != doc.text[start:end]:
                continue
            if any(a < end and start < b for a, b in doc.boilerplate):
                continue
            mention = doc.text[start:end]
            if not _name_like(mention, label):
                continue
            if label == "PLACE":
                out_places.append(_place(sent.sent_id, start, end, mention))
            elif label == "POLICY":
                name = strip_marks(mention)
                out_policies.append(Policy(sent.sent_id, start, end, mention, name, head_type_of(name), "model"))
            elif label == "ORG":
                kind = _by_suffix(mention, _rules()["org_types"], "other")
                out_orgs.append(Organization(sent.sent_id, start, end, mention, mention, kind, "model"))
    return tuple(out_places), tuple(out_policies), tuple(out_orgs)
