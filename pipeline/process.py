"""One document through every stage: ingest → normalize → structure → extract.

A pure function of the file's bytes, its name and the rules; the runner (`batch.py`) decides what to
run, caches the result and writes the tables.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace

from pipeline.ingest import ingest_bytes
from pipeline.records import Doc, DocResult, PipelineError, RawText
from pipeline.text.metadata import apply_override, infer_meta
from pipeline.text.normalize import normalize
from pipeline.text.structure import paragraphs, sections, sentences
from pipeline.text.tables import locate_tables, mark_table_rows

MAX_CHARS = 2_000_000


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _region_of(text: str):
    from pipeline.extract.places import infer_region

    found = infer_region(text)
    return (found.name, found.code) if found else None


def build_doc(raw: RawText, *, doc_id: str, source: str, meta_override: dict | None = None) -> Doc:
    """Normalize and structure a raw text into the `Doc` every extractor reads."""
    norm = normalize(raw)
    text = norm.text
    if not text.strip():
        raise PipelineError("empty", f"{source}: no text after normalization", stage="normalize")
    paras = paragraphs(text)
    secs = sections(text, paras, norm.boilerplate)
    tables = locate_tables(raw.tables, norm)
    sents = mark_table_rows(text, sentences(text, paras, secs, norm.boilerplate), tables)
    meta = apply_override(infer_meta(text, norm.boilerplate, region_of=_region_of), meta_override)
    return Doc(doc_id=doc_id, source=source, text=text, meta=meta, sections=secs, sentences=sents,
               boilerplate=norm.boilerplate, paragraphs=paras, tables=tables)


def extract(doc: Doc, *, ner: bool = False) -> dict:
    """Every extraction table's rows for one document; with `ner`, plus the trained model's rows
    for entities the rules missed (spaCy is imported only then)."""
    from pipeline.extract.indicators import extract_indicators
    from pipeline.extract.organizations import extract_organizations
    from pipeline.extract.places import extract_places
    from pipeline.extract.policies import extract_policies
    from pipeline.extract.tables import extract_table_indicators

    # Table rows are read cell by cell; the running-text binder sees them as left out.
    prose = replace(doc, sentences=tuple(replace(s, boilerplate=True) if s.table else s for s in doc.sentences))
    indicators = sorted((*extract_indicators(prose), *extract_table_indicators(doc, doc.tables)),
                        key=lambda i: (i.start, i.end))
    places, policies, organizations = extract_places(doc), extract_policies(doc), extract_organizations(doc)
    if ner:
        from pipeline.extract.ner import extract_entities_ner

        more = extract_entities_ner(doc, found=(places, policies, organizations))
        places, policies, organizations = (tuple(sorted((*a, *b), key=lambda r: (r.start, r.end)))
                                           for a, b in zip((places, policies, organizations), more))
    return dict(indicators=tuple(indicators), places=places, policies=policies, organizations=organizations)


def prepare(*, ner: bool = False) -> None:
    """Build the tokenizer and every compiled rule now (once per worker process) rather than inside
    the first document; the slow parts come from the compiled-rules cache."""
    from pipeline.extract import catalogue, indicators, numbers, organizations, places, policies
    from pipeline.text.segment import tokenizer

    tokenizer()
    places._gazetteer()
    places._rules()
    numbers._grammar()
    indicators._words()
    catalogue._lookup()
    policies._rules()
    organizations._rules()
    if ner:
        from pipeline.extract.ner import model

        model()


def process_document(data: bytes, source: str, meta_override: dict | None = None, *,
                     ner: bool = False) -> DocResult:
    """The whole pipeline for one file; a PipelineError is returned in the result, not raised."""
    doc_id = doc_id_of(data)
    try:
        raw = ingest_bytes(data, source)
        if len(raw.text) > MAX_CHARS:
            raise PipelineError("too_large", f"{source}: {len(raw.text):,} characters (limit {MAX_CHARS:,})")
        doc = build_doc(raw, doc_id=doc_id, source=source, meta_override=meta_override)
        rows = extract(doc, ner=ner)
    except PipelineError as exc:
        return DocResult(doc_id=doc_id, source=source, doc=None, error=exc)
    return DocResult(doc_id=doc_id, source=source, doc=doc, warnings=raw.warnings, **rows)
