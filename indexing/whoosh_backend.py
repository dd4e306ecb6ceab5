"""Embedded full-text search with whoosh: one index in the data directory.

Writes take whoosh's file lock (released by the OS if a worker dies), wait for it, and commit
atomically (new segment, then table of contents), so concurrent workers never corrupt the index.
"""

from __future__ import annotations

import datetime
import html
import logging
import re
import time
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from whoosh import highlight, index
from whoosh.analysis import CharsetFilter, LanguageAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.index import LockError
from whoosh.qparser import AndGroup, MultifieldParser, PlusMinusPlugin
from whoosh.query import And, DateRange, Every, Or, Prefix, Query, Term
from whoosh.support.charset import accent_map

from courrier.models import Mail, MailStatus
from courrier.selectors import Perimeter
from indexing.documents import MailDocument
from indexing.query import Hit, SearchQuery, SearchResults

logger = logging.getLogger(__name__)
FRENCH = LanguageAnalyzer("fr") | CharsetFilter(accent_map)
TEXT_FIELDS = {"subject": 3.0, "chrono": 3.0, "contacts": 2.0, "keywords": 2.0, "text": 1.0,
               "notes": 1.0, "custom": 1.0}  # fmt: skip
SCHEMA = Schema(
    id=ID(stored=True, unique=True), chrono=ID(stored=True),
    subject=TEXT(analyzer=FRENCH), text=TEXT(analyzer=FRENCH), contacts=TEXT(analyzer=FRENCH),
    notes=TEXT(analyzer=FRENCH), custom=TEXT(analyzer=FRENCH),
    keywords=KEYWORD(lowercase=True, commas=True, scorable=True),
    document_type=ID, entity=ID, status=ID, category=ID, channel=ID,
    arrival=DATETIME(sortable=True), due=DATETIME, closing=DATETIME,
    confidential=ID, dest_entity=ID, diff_entities=KEYWORD, diff_users=KEYWORD,
    assignee=ID, creator=ID, visa_users=KEYWORD,
)  # fmt: skip
# Restricted notes: one field per audience, searched only by that audience (see search()).
SCHEMA.add("rnotes_*", TEXT(analyzer=FRENCH), glob=True)
SCHEMA_VERSION = "2"
_FRENCH_OPERATORS = [(r"\s+OU\s+", " OR "), (r"\s+ET\s+", " AND "), (r"(^|\s+)SAUF\s+", r"\1NOT ")]


class IndexBusy(Exception):
    """Another process held the index lock for too long; the caller retries later."""


def index_dir() -> Path:
    return Path(settings.BANNETTE_INDEX_DIR)


def open_index() -> index.Index:
    folder = index_dir()
    version = folder / "BANNETTE_SCHEMA"
    if index.exists_in(str(folder)) and version.exists() and version.read_text() == SCHEMA_VERSION:
        return index.open_dir(str(folder))
    if index.exists_in(str(folder)):
        logger.warning(
            "search index %s has an older layout: emptied, run `manage.py reindex`", folder
        )
    folder.mkdir(parents=True, exist_ok=True)
    created = index.create_in(str(folder), SCHEMA)
    version.write_text(SCHEMA_VERSION)
    return created


def _dt(day: datetime.date | None) -> datetime.datetime | None:
    # Calendar days, not instants: whoosh stores naive datetimes, so no time zone here.
    return datetime.datetime(day.year, day.month, day.day) if day else None  # noqa: DTZ001


def _ids(values: Iterable[int | None]) -> str:
    return ",".join(str(v) for v in values if v is not None)


def _fields(doc: MailDocument) -> dict[str, object]:
    fields: dict[str, object] = {
        "id": str(doc.id), "chrono": doc.chrono, "subject": doc.subject, "text": doc.text,
        "contacts": doc.contacts, "notes": doc.notes, "custom": doc.custom,
        "keywords": ",".join(doc.keywords), "document_type": doc.document_type, "entity": doc.entity,
        "status": doc.status, "category": doc.category, "channel": doc.channel,
        "confidential": "yes" if doc.confidential else "no",
        "dest_entity": str(doc.destination_entity or ""), "diff_entities": _ids(doc.diffusion_entities),
        "diff_users": _ids(doc.diffusion_users), "assignee": str(doc.assignee or ""),
        "creator": str(doc.creator or ""), "visa_users": _ids(doc.visa_users),
    }  # fmt: skip
    for name, day in (("arrival", doc.arrival), ("due", doc.due), ("closing", doc.closing)):
        if day:
            fields[name] = _dt(day)
    for audience, text in doc.restricted_notes.items():
        fields[f"rnotes_{audience}"] = text
    return fields


def write(documents: Iterable[MailDocument], removed: Iterable[int] = ()) -> int:
    """Add or replace documents and remove ids, in one commit; returns how many were written."""
    ix = open_index()
    deadline = time.monotonic() + settings.BANNETTE_INDEX_LOCK_TIMEOUT
    while True:
        try:
            writer = ix.writer(timeout=1.0)
            break
        except LockError:
            if time.monotonic() > deadline:
                raise IndexBusy("the search index stayed locked") from None
    written = 0
    try:
        for mail_id in removed:
            writer.delete_by_term("id", str(mail_id))
        for doc in documents:
            writer.update_document(**_fields(doc))
            written += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return written


def clear() -> None:
    folder = index_dir()
    folder.mkdir(parents=True, exist_ok=True)
    index.create_in(str(folder), SCHEMA)
    (folder / "BANNETTE_SCHEMA").write_text(SCHEMA_VERSION)


def perimeter_query(perimeter: Perimeter) -> Query:
    """The same rule as courrier.selectors.perimeter_q, as a whoosh filter."""
    if perimeter.nothing:
        return Term("id", "-")
    user = str(perimeter.user_id)
    personal = [Term("assignee", user), Term("creator", user), Term("diff_users", user),
                Term("visa_users", user)]  # fmt: skip

    def addressed(entities: frozenset[int]) -> list[Query]:
        ids = [str(i) for i in sorted(entities)]
        return [Term("dest_entity", i) for i in ids] + [Term("diff_entities", i) for i in ids]

    direct = Or(personal + addressed(perimeter.direct_entities))
    wide: Query = Or(personal + addressed(perimeter.scope_entities)
                     + ([Term("status", MailStatus.TO_QUALIFY.value)] if perimeter.sees_to_qualify else []))  # fmt: skip
    if perimeter.sees_all:
        wide = Every()
    return Or([And([Term("confidential", "no"), wide]), And([Term("confidential", "yes"), direct])])


def _text_query(text: str, fields: dict[str, float]) -> Query:
    for pattern, replacement in _FRENCH_OPERATORS:
        text = re.sub(pattern, replacement, text)
    parser = MultifieldParser(list(fields), SCHEMA, fieldboosts=fields, group=AndGroup)
    parser.add_plugin(PlusMinusPlugin())
    return parser.parse(text)


def _readable_notes(perimeter: Perimeter) -> dict[str, float]:
    """The restricted-note fields this user may read: their entities' and their own."""
    if perimeter.nothing:
        return {}
    keys = [f"e{e}" for e in sorted(perimeter.direct_entities)] + [f"u{perimeter.user_id}"]
    return {f"rnotes_{key}": 1.0 for key in keys}


def _criteria(query: SearchQuery, perimeter: Perimeter) -> list[Query]:
    parts: list[Query] = []
    if query.text.strip():
        parts.append(_text_query(query.text, {**TEXT_FIELDS, **_readable_notes(perimeter)}))
    if query.sender.strip():
        parts.append(_text_query(query.sender, {"contacts": 1.0}))
    if query.chrono.strip():
        chrono = query.chrono.strip().upper()
        parts.append(Or([Term("chrono", chrono), Prefix("chrono", chrono)]))
    for name in ("document_type", "entity", "status", "category", "channel"):
        value = getattr(query, name)
        if value:
            parts.append(Term(name, value))
    parts += [Term("keywords", k.lower()) for k in query.keywords]
    for name in ("arrival", "due", "closing"):
        first, last = _dt(getattr(query, f"{name}_from")), _dt(getattr(query, f"{name}_to"))
        if first or last:
            until = (
                last + datetime.timedelta(days=1, microseconds=-1) if last else None
            )  # whole day
            parts.append(DateRange(name, first, until))
    return parts


def _snippets(ids: list[int], query: Query) -> dict[int, str]:
    """Matched words of the mail text, <mark>ed, text escaped (read from the database)."""
    terms = {
        text
        for field, text in query.iter_all_terms()
        if field in TEXT_FIELDS or field.startswith("rnotes_")
    }
    texts = dict(Mail.objects.filter(pk__in=ids).values_list("pk", "text"))
    formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
    fragmenter = highlight.ContextFragmenter(maxchars=200, surround=40)
    snippets = {}
    for mail_id in ids:
        text = texts.get(mail_id, "")
        snippet = highlight.highlight(text, {t if isinstance(t, str) else t.decode() for t in terms},
                                      FRENCH, fragmenter, formatter, top=2) if terms else ""  # fmt: skip
        snippets[mail_id] = snippet or html.escape(text[:200])
    return snippets


def search(
    query: SearchQuery, perimeter: Perimeter, *, page: int = 1, page_size: int = 25
) -> SearchResults:
    """Matching mail inside the perimeter only: hits, counts and snippets never leave it."""
    criteria = _criteria(query, perimeter)
    whoosh_query: Query = And(criteria) if criteria else Every()
    ix = open_index()
    with ix.searcher() as searcher:
        sort = {"-arrival": ("arrival", True), "arrival": ("arrival", False)}.get(query.sort)
        results = searcher.search_page(
            whoosh_query, page, pagelen=page_size, filter=perimeter_query(perimeter),
            sortedby=sort[0] if sort else None, reverse=sort[1] if sort else False,
        )  # fmt: skip
        total = results.total
        hits = [(int(hit["id"]), float(hit.score or 0.0)) for hit in results]
    snippets = _snippets([mail_id for mail_id, _ in hits], whoosh_query)
    return SearchResults([Hit(m, s, snippets.get(m, "")) for m, s in hits], total)
