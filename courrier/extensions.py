"""Extension points: what the core asks of the apps built on it, without importing them.

Each upper app fills these in its `AppConfig.ready()`:
- perimeter contributors: mail a user is personally involved in through that app (named in a
  visa circuit...), read by the ORM perimeter and by the search index alike;
- awaiting criteria: the values of a basket's `awaiting_my` criterion ("visa", "opinion"...);
- default baskets: baskets created after migrate for the roles (those built on the criteria
  above belong to the app that registers them);
- mail tabs: a tab of the mail page, with its template in the app's own `templates/` and the
  function that builds its context; info panels: a section of the "Information" tab;
- suggestion sources: what qualification is offered for a mail (capture's classification).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.functional import Promise

if TYPE_CHECKING:
    from courrier.models import Mail, User
    from courrier.services.actions import Acting


@dataclass(frozen=True)
class PerimeterContributor:
    code: str
    # Q over Mail: mail the user is personally involved in (confidential mail included).
    personal_q: Callable[[User], Q]
    # For the search index: mail id -> ids of the users involved, for the given mails.
    involved_users: Callable[[Iterable[int]], Mapping[int, Iterable[int]]]


@dataclass(frozen=True)
class AwaitingCriterion:
    code: str
    q: Callable[[User], Q]  # Q over Mail: it waits for something from this user


@dataclass(frozen=True)
class DefaultBasket:
    code: str
    label: str  # English, marked with gettext_noop: stored, then translated on display
    description: str
    roles: tuple[str, ...]
    position: int
    criteria: dict[str, Any]


@dataclass(frozen=True)
class MailTab:
    code: str
    label: str | Promise
    position: int
    template: str
    context: Callable[[Acting, Mail], dict[str, Any]] | None = None
    # The tab's label shows the length of this context value, e.g. the number of notes.
    count: str = ""
    # Mail opened from these baskets opens on this tab (where the waiting work is).
    opened_from_baskets: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class InfoPanel:
    code: str
    template: str  # included in the "Information" tab with the context below
    context: Callable[[Mail], dict[str, Any]]


# Mail -> suggestions by field ("document_type", "entity", "sender"), each a dict with at
# least "code" (or "contact"), "confidence" and "source".
SuggestionSource = Callable[["Mail"], Mapping[str, Mapping[str, Any]]]

_contributors: dict[str, PerimeterContributor] = {}
_awaiting: dict[str, AwaitingCriterion] = {}
_baskets: dict[str, DefaultBasket] = {}
_tabs: dict[str, MailTab] = {}
_panels: dict[str, InfoPanel] = {}
_suggestion_sources: list[SuggestionSource] = []


def register_perimeter_contributor(contributor: PerimeterContributor) -> None:
    _contributors[contributor.code] = contributor


def perimeter_contributors() -> list[PerimeterContributor]:
    return list(_contributors.values())


def register_awaiting_criterion(criterion: AwaitingCriterion) -> None:
    _awaiting[criterion.code] = criterion


def awaiting_criteria() -> dict[str, AwaitingCriterion]:
    return dict(_awaiting)


def register_default_basket(basket: DefaultBasket) -> None:
    _baskets[basket.code] = basket


def default_baskets() -> list[DefaultBasket]:
    return sorted(_baskets.values(), key=lambda b: b.position)


def register_mail_tab(tab: MailTab) -> None:
    _tabs[tab.code] = tab


def mail_tabs() -> list[MailTab]:
    return sorted(_tabs.values(), key=lambda t: t.position)


def register_info_panel(panel: InfoPanel) -> None:
    _panels[panel.code] = panel


def info_panels() -> list[InfoPanel]:
    return list(_panels.values())


def register_suggestion_source(source: SuggestionSource) -> None:
    if source not in _suggestion_sources:
        _suggestion_sources.append(source)


def suggestions_for(mail: Mail) -> dict[str, Mapping[str, Any]]:
    """What the apps suggest for qualifying this mail; a later source completes an earlier one."""
    found: dict[str, Mapping[str, Any]] = {}
    for source in _suggestion_sources:
        for name, suggestion in source(mail).items():
            found.setdefault(name, suggestion)
    return found
