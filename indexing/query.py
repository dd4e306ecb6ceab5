"""A search as the user asks it: free text (French syntax) and criteria."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""  # words, "exact phrase", OU/OR, ET/AND, -excluded
    chrono: str = ""  # exact number or its beginning
    sender: str = ""
    document_type: str = ""
    entity: str = ""
    status: str = ""
    category: str = ""
    channel: str = ""
    keywords: list[str] = field(default_factory=list)
    arrival_from: datetime.date | None = None
    arrival_to: datetime.date | None = None
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    closing_from: datetime.date | None = None
    closing_to: datetime.date | None = None
    sort: str = "relevance"  # relevance, -arrival, arrival

    @property
    def empty(self) -> bool:
        return self == SearchQuery(sort=self.sort)


@dataclass
class Hit:
    mail_id: int
    score: float
    snippet: str = ""  # HTML with <mark> around matched words; escaped text otherwise


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    exact: bool = True  # False: there are more than `total` (the count stopped there)
