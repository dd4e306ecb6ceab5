"""Embedded full-text search with whoosh: one index in the data directory.

Writes take whoosh's file lock (released by the OS if a worker dies), wait for it, and commit
atomically (new segment, then table of contents), so concurrent workers never corrupt the index.
"""

from __future__ import annotations

import bisect
import datetime
import html
import itertools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from whoosh import collectors, highlight, index, writing
from whoosh.analysis import CharsetFilter, LanguageAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.index import LockError
from whoosh.matching import ListMatcher, Matcher, NullMatcher
from whoosh.qparser import AndGroup, FieldsPlugin, MultifieldParser, PlusMinusPlugin
from whoosh.query import (
    And,
    CompoundQuery,
    DateRange,
    Every,
    NullQuery,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
)
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map

from courrier.models import Mail, MailStatus
from courrier.selectors import Perimeter
from indexing.documents import MailDocument
from indexing.query import Hit, SearchQuery, SearchResults

logger = logging.getLogger(__name__)
FRENCH = LanguageAnalyzer("fr") | CharsetFilter(accent_map)
TEXT_FIELDS = {
    "subject": 3.0,
    "chrono": 3.0,
    "contacts": 2.0,
    "keywords": 2.0,
    "text": 1.0,
    "notes": 1.0,
    "custom": 1.0,
}
SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    chrono=ID(stored=True),
    subject=TEXT(analyzer=FRENCH),
    text=TEXT(analyzer=FRENCH),
    contacts=TEXT(analyzer=FRENCH),
    notes=TEXT(analyzer=FRENCH),
    custom=TEXT(analyzer=FRENCH),
    keywords=KEYWORD(lowercase=True, commas=True, scorable=True),
    document_type=ID,
    entity=ID,
    status=ID,
    category=ID,
    channel=ID,
    arrival=DATETIME(sortable=True),
    due=DATETIME,
    closing=DATETIME,
    confidential=ID,
    dest_entity=ID,
    diff_entities=KEYWORD(commas=True),  # ids written "3,17"
    diff_users=KEYWORD(commas=True),  # ids written "3,17"
    assignee=ID,
    creator=ID,
    involved_users=KEYWORD(commas=True),  # ids written "3,17"
    # Adjacent word pairs ("eclairag public"), so that a phrase is a lookup of its pairs
    # instead of a comparison of word positions in every mail holding its words.
    subject_pairs=KEYWORD(commas=True, scorable=True),
    pairs=KEYWORD(commas=True, scorable=True),  # text, contacts, public notes, custom fields
)
# Restricted notes: one field per audience, searched only by that audience (see search()).
SCHEMA.add("rnotes_*", TEXT(analyzer=FRENCH), glob=True)
SCHEMA_VERSION = "5"  # 5: word pairs (4: id lists split on commas)
PAIRED_FIELDS = {
    "subject": "subject_pairs",
    **dict.fromkeys(("text", "contacts", "notes", "custom"), "pairs"),
}
_DAY = datetime.timedelta(days=1)
_T = TypeVar("_T")
_FRENCH_OPERATORS = [(r"\s+OU\s+", " OR "), (r"\s+ET\s+", " AND "), (r"(^|\s+)SAUF\s+", r"\1NOT ")]


class IndexBusy(Exception):
    """Another process held the index lock for too long; the caller retries later."""


def index_dir() -> Path:
    return Path(settings.BANNETTE_INDEX_DIR)


def _reopening(open_: Callable[[], _T], attempts: int = 5) -> _T:
    """Whoosh lists the newest table of contents, then opens it and its segments; a writer
    committing in between deletes the older files. Opening again finds the newer ones."""
    for attempt in range(attempts):
        try:
            return open_()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def open_index() -> index.Index:
    return _reopening(_open_or_create)


def _open_or_create() -> index.Index:
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
        "id": str(doc.id),
        "chrono": doc.chrono,
        "subject": doc.subject,
        "text": doc.text,
        "contacts": doc.contacts,
        "notes": doc.notes,
        "custom": doc.custom,
        "keywords": ",".join(doc.keywords),
        "document_type": doc.document_type,
        "entity": doc.entity,
        "status": doc.status,
        "category": doc.category,
        "channel": doc.channel,
        "confidential": "yes" if doc.confidential else "no",
        "dest_entity": str(doc.destination_entity or ""),
        "diff_entities": _ids(doc.diffusion_entities),
        "diff_users": _ids(doc.diffusion_users),
        "assignee": str(doc.assignee or ""),
        "creator": str(doc.creator or ""),
        "involved_users": _ids(doc.involved_users),
    }
    for name, day in (("arrival", doc.arrival), ("due", doc.due), ("closing", doc.closing)):
        if day:
            fields[name] = _dt(day)
    for audience, text in doc.restricted_notes.items():
        fields[f"rnotes_{audience}"] = text
    fields["subject_pairs"] = ",".join(_pairs(doc.subject))
    fields["pairs"] = ",".join(
        pair for text in (doc.text, doc.contacts, doc.notes, doc.custom) for pair in _pairs(text)
    )
    return fields


def _pairs(text: str) -> list[str]:
    """Each two words that follow each other, as the field's analyzer reads them (stemmed,
    accents folded, stop words left out as a phrase query leaves them out)."""
    tokens = [(token.pos, token.text) for token in FRENCH(text, positions=True)]
    return [
        f"{first} {second}"
        for (position, first), (following, second) in itertools.pairwise(tokens)
        if following == position + 1
    ]


def _writer(ix: index.Index) -> writing.IndexWriter:
    deadline = time.monotonic() + settings.BANNETTE_INDEX_LOCK_TIMEOUT
    while True:
        try:
            return ix.writer(timeout=1.0)
        except LockError:
            if time.monotonic() > deadline:
                raise IndexBusy("the search index stayed locked") from None


def write(documents: Iterable[MailDocument], removed: Iterable[int] = ()) -> int:
    """Add or replace documents and remove ids, in one commit; returns how many were written."""
    writer = _writer(open_index())
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


def optimize() -> None:
    """Merge every segment into one: documents deleted or replaced leave no postings behind."""
    writer = _writer(open_index())
    writer.commit(optimize=True)


def clear() -> None:
    """Remove every document in one locked commit (searchers see the change like any other)."""
    writer = _writer(open_index())
    writer.commit(mergetype=writing.CLEAR)


class _DocNumbers(Query):
    """Matches a fixed set of documents with a score of 0: the perimeter, computed once and
    intersected with the user's query, so only the documents the user may see are scored."""

    def __init__(self, searcher: Searcher, docnums: list[int]):
        self._docnums = docnums  # sorted
        self._offsets = {id(sub.reader()): offset for sub, offset in searcher.leaf_searchers()}

    def matcher(self, searcher: Searcher, context: object = None) -> Matcher:
        offset = self._offsets[id(searcher.reader())]
        first = bisect.bisect_left(self._docnums, offset)
        last = bisect.bisect_left(self._docnums, offset + searcher.doc_count_all())
        local = [n - offset for n in self._docnums[first:last]]
        return ListMatcher(local, all_weights=0.0) if local else NullMatcher()

    def estimate_size(self, ixreader: object) -> int:
        return len(self._docnums)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"_DocNumbers({len(self._docnums)} documents)"


class _Cache(threading.local):
    """Per thread: the open searcher, and the perimeters resolved against it."""

    key: tuple[str, int] | None = None
    searcher: Searcher | None = None
    perimeters: dict[Perimeter, list[int]]


_cache = _Cache()


def _layout_stamp(folder: Path) -> tuple[str, int]:
    """Changes when open_index() recreates the index (its generations then restart at 0)."""
    version = folder / "BANNETTE_SCHEMA"
    return str(folder), version.stat().st_mtime_ns if version.exists() else 0


def _searcher() -> Searcher:
    """This thread's searcher, reopened when the index changed."""
    folder = index_dir()
    current = _cache.searcher
    if current is not None and _cache.key == _layout_stamp(folder) and current.up_to_date():
        return current
    # Not Searcher.refresh(): in whoosh 2.7 a reused segment keeps its old deletions.
    if current is not None:
        current.close()
    _cache.searcher, _cache.perimeters = _reopening(open_index().searcher), {}
    _cache.key = _layout_stamp(folder)  # after open_index(), which may have rewritten it
    return _cache.searcher


def _visible(searcher: Searcher, perimeter: Perimeter) -> list[int]:
    """The documents this perimeter may see, resolved once per index version and perimeter."""
    visible = _cache.perimeters.get(perimeter)
    if visible is None:
        if len(_cache.perimeters) > 64:
            _cache.perimeters.clear()
        visible = sorted(searcher.docs_for_query(perimeter_query(perimeter)))
        _cache.perimeters[perimeter] = visible
    return visible


def _candidates(searcher: Searcher, query: SearchQuery, perimeter: Perimeter) -> _DocNumbers:
    """Visible documents, narrowed by arrival date straight from the column (every mail has
    one): far cheaper than a range query, which would enumerate every mail of the period."""
    docnums = _visible(searcher, perimeter)
    first, last = _dt(query.arrival_from), _dt(query.arrival_to)
    if first or last:
        arrival = searcher.reader().column_reader("arrival")
        after = first or _dt(datetime.date.min)
        before = last + _DAY if last else _dt(datetime.date.max)  # last day included
        docnums = [n for n in docnums if after <= arrival[n] < before]
    return _DocNumbers(searcher, docnums)


def perimeter_query(perimeter: Perimeter) -> Query:
    """The same rule as courrier.selectors.perimeter_q, as a whoosh filter."""
    if perimeter.nothing:
        return Term("id", "-")
    user = str(perimeter.user_id)
    named = [Term("assignee", user), Term("diff_users", user), Term("involved_users", user)]
    personal = [*named, Term("creator", user)]
    to_qualify = [Term("status", MailStatus.TO_QUALIFY.value)] if perimeter.sees_to_qualify else []

    def addressed(entities: frozenset[int]) -> list[Query]:
        ids = [str(i) for i in sorted(entities)]
        return [Term("dest_entity", i) for i in ids] + [Term("diff_entities", i) for i in ids]

    direct = Or(named + addressed(perimeter.direct_entities) + to_qualify)
    wide: Query = Or(personal + addressed(perimeter.scope_entities) + to_qualify)
    if perimeter.sees_all:
        wide = Every()
    return Or([And([Term("confidential", "no"), wide]), And([Term("confidential", "yes"), direct])])


def _text_query(text: str, fields: dict[str, float]) -> Query:
    for pattern, replacement in _FRENCH_OPERATORS:
        text = re.sub(pattern, replacement, text)
    parser = MultifieldParser(list(fields), SCHEMA, fieldboosts=fields, group=AndGroup)
    parser.add_plugin(PlusMinusPlugin())
    # "field:words" would reach any field of the index, restricted notes included: users'
    # words only ever search the fields chosen above.
    parser.remove_plugin_class(FieldsPlugin)
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
    for name in ("due", "closing"):  # arrival: see _candidates()
        first, last = _dt(getattr(query, f"{name}_from")), _dt(getattr(query, f"{name}_to"))
        if first or last:
            until = (
                last + datetime.timedelta(days=1, microseconds=-1) if last else None
            )  # whole day
            parts.append(DateRange(name, first, until))
    return parts


def _phrases_as_pairs(query: Query) -> Query:
    """A phrase in a public field becomes its word pairs looked up in the pairs fields; from
    three words on, the phrase itself is still checked, on the mails holding all its pairs."""
    if isinstance(query, Phrase):
        paired = PAIRED_FIELDS.get(query.fieldname)
        if paired is None or query.slop != 1 or len(query.words) < 2:
            return query
        pairs: list[Query] = [
            Term(paired, f"{first} {second}") for first, second in itertools.pairwise(query.words)
        ]
        exact = pairs if len(query.words) == 2 else [*pairs, query]
        return And(exact, boost=query.boost if paired == "subject_pairs" else 1.0)
    rewritten = query.apply(_phrases_as_pairs)
    if isinstance(rewritten, CompoundQuery):  # text, contacts, notes, custom: one pairs field
        unique: list[Query] = []
        for part in rewritten.subqueries:
            if part not in unique:
                unique.append(part)
        rewritten.subqueries = unique
    return rewritten


def _without_absent_terms(query: Query, searcher: Searcher) -> Query:
    """Drop the alternatives of an OR that no document contains (a word looked for in every
    field mostly lives in two or three): fewer posting lists to merge at every match."""
    if isinstance(query, Or):
        kept = [_without_absent_terms(q, searcher) for q in query.subqueries]
        kept = [
            q
            for q in kept
            if not (isinstance(q, Term) and searcher.doc_frequency(q.fieldname, q.text) == 0)
        ]
        if len(kept) <= 1:
            return kept[0] if kept else NullQuery
        return Or(kept, boost=query.boost)
    if isinstance(query, And):
        return And(
            [_without_absent_terms(q, searcher) for q in query.subqueries], boost=query.boost
        )
    return query


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
        snippet = (
            highlight.highlight(
                text,
                {t if isinstance(t, str) else t.decode() for t in terms},
                FRENCH,
                fragmenter,
                formatter,
                top=2,
            )
            if terms
            else ""
        )
        snippets[mail_id] = snippet or html.escape(text[:200])
    return snippets


def search(
    query: SearchQuery, perimeter: Perimeter, *, page: int = 1, page_size: int = 25
) -> SearchResults:
    """Matching mail inside the perimeter only: hits, counts and snippets never leave it."""
    criteria = _criteria(query, perimeter)
    searcher = _searcher()
    visible = And(
        [
            *(_without_absent_terms(_phrases_as_pairs(q), searcher) for q in criteria),
            _candidates(searcher, query, perimeter),
        ]
    )
    start = (page - 1) * page_size
    collector: collectors.Collector
    if query.sort in ("-arrival", "arrival"):
        collector = collectors.SortingCollector(
            "arrival", limit=start + page_size, reverse=query.sort == "-arrival"
        )
    else:  # one pass that counts every match (no block skipping, which would make it a guess)
        collector = collectors.TopCollector(start + page_size, usequality=False, replace=0)
    searcher.search_with_collector(visible, collector)
    results = collector.results()
    total = len(results)
    hits = [(int(hit["id"]), float(hit.score or 0.0)) for hit in results[start : start + page_size]]
    snippets = _snippets([mail_id for mail_id, _ in hits], And(criteria))
    return SearchResults([Hit(m, s, snippets.get(m, "")) for m, s in hits], total)


def check() -> None:
    """The index opens and can be read."""
    with open_index().searcher() as searcher:
        searcher.doc_count()
