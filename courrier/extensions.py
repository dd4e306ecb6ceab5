"""Extension points: what the core asks of the apps built on it, without importing them.

Each upper app fills these in its `AppConfig.ready()`:
- perimeter contributors: mail a user is personally involved in through that app (named in a
  visa circuit...), read by the ORM perimeter and by the search index alike;
- awaiting criteria: the values of a basket's `awaiting_my` criterion ("visa", "opinion"...);
- default baskets: baskets created after migrate for the roles (those built on the criteria
  above belong to the app that registers them);
- mail tabs: a tab of the mail page, with its template in the app's own `templates/` and the
  function that builds its context; info panels: a section of the "Information" tab;
- suggestion sources: what qualification is offered for a mail (capture's classification);
- navigation links of the page header, and the header's quick search;
- role permissions: what each role may do in an app (granted after migrate);
- journal actions: how an app's journal events read in a mail's history, and which of them
  are steps of its processing (shown by default);
- health checks: what `/healthz` tries (the database, storage, broker, the search index...);
- status sections: what the administrators' "system status" page shows of each app.
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
    label: str | Promise = ""  # what it waits for, in words (basket settings screen)
    # True when every mail it selects is one the user is named on through a perimeter
    # contributor (so the perimeter need not be checked again, see courrier.baskets).
    names_the_user: bool = False


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
    # Another label for mail of a category (a reply tab reads « Courrier » on a letter).
    label_by_category: Mapping[str, str | Promise] = field(default_factory=dict)

    def label_for(self, mail: Mail) -> str | Promise:
        return self.label_by_category.get(mail.category, self.label)


@dataclass(frozen=True)
class InfoPanel:
    code: str
    template: str  # included in the "Information" tab with the context below
    context: Callable[[Mail, User], dict[str, Any]]  # the mail and who reads the page


# Mail -> suggestions by field ("document_type", "entity", "sender"), each a dict with at
# least "code" (or "contact"), "confidence" and "source".
SuggestionSource = Callable[["Mail"], Mapping[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class NavLink:
    code: str
    label: str | Promise
    url_name: str
    position: int
    permission: str = ""  # "app.codename" the user needs; empty: every signed-in user
    group: str = "mail"  # a section of the menu (courrier.navigation.NAV_GROUPS)
    icon: str = ""  # a symbol of courrier/templates/courrier/_icons.svg


@dataclass(frozen=True)
class HeaderWidget:
    """Something an app shows in every page's header beside the user menu (the bell)."""

    code: str
    template: str
    context: Callable[[User], dict[str, Any]]


@dataclass(frozen=True)
class HomePanel:
    """A section an app adds to a person's home page, shown when `context` returns one (an
    elected official's figures: she has no basket)."""

    code: str
    template: str
    position: int
    context: Callable[[User], dict[str, Any] | None]


@dataclass(frozen=True)
class JournalAction:
    code: str  # the journal event's action, e.g. "visa.approved"
    label: str | Promise
    workflow: bool = False  # a processing step: shown in the mail's short history
    # What happened, in a sentence over the event's details ("Redirected to %(to)s"): the
    # first whose details are all present is shown (see courrier.journal_text), else the label.
    sentences: tuple[str | Promise, ...] = ()


@dataclass(frozen=True)
class PersonalDataPlace:
    """Somewhere an app keeps what a mail says of a person (its requester's name, address,
    e-mail, the files they sent, free text about them). Anonymisation and elimination call
    every place's `erase(mail, removed)` in the same transaction (a file destroyed is noted in
    `removed`, name -> SHA-256); the subject-access export reads each place's `held(mails)`
    (lines of what is held, in words). A model that keeps such data registers its place, or
    the test that scans every table after an erasure fails."""

    code: str
    label: str | Promise
    erase: Callable[[Any, dict[str, str]], None]
    held: Callable[[list[Any]], list[str]] | None = None


@dataclass(frozen=True)
class StatusSection:
    code: str
    template: str  # in the app's own templates/, included in the system status page
    context: Callable[[], dict[str, Any]]


_contributors: dict[str, PerimeterContributor] = {}
_awaiting: dict[str, AwaitingCriterion] = {}
_baskets: dict[str, DefaultBasket] = {}
_tabs: dict[str, MailTab] = {}
_panels: dict[str, InfoPanel] = {}
_suggestion_sources: list[SuggestionSource] = []
_nav_links: dict[str, NavLink] = {}
_header_widgets: dict[str, HeaderWidget] = {}
_home_panels: dict[str, HomePanel] = {}
_quick_search: list[str] = []
_role_permissions: dict[str, set[str]] = {}
_journal_actions: dict[str, JournalAction] = {}
# name -> a function that raises when the part is unusable (it must answer in seconds).
_health_checks: dict[str, Callable[[], None]] = {}
_status_sections: dict[str, StatusSection] = {}
_personal_data_places: dict[str, PersonalDataPlace] = {}


def register_personal_data_place(place: PersonalDataPlace) -> None:
    _personal_data_places[place.code] = place


def personal_data_places() -> list[PersonalDataPlace]:
    """Every place, the core's first, in registration order."""
    return list(_personal_data_places.values())


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


def register_nav_link(link: NavLink) -> None:
    _nav_links[link.code] = link


def nav_links_for(user: User) -> list[NavLink]:
    links = sorted(_nav_links.values(), key=lambda link: link.position)
    return [link for link in links if not link.permission or user.has_perm(link.permission)]


def register_header_widget(widget: HeaderWidget) -> None:
    _header_widgets[widget.code] = widget


def header_widgets() -> list[HeaderWidget]:
    return list(_header_widgets.values())


def register_home_panel(panel: HomePanel) -> None:
    _home_panels[panel.code] = panel


def home_panels(user: User) -> list[tuple[HomePanel, dict[str, Any]]]:
    """The panels this person's home shows, each with its context."""
    shown = []
    for panel in sorted(_home_panels.values(), key=lambda p: p.position):
        context = panel.context(user)
        if context is not None:
            shown.append((panel, context))
    return shown


def register_quick_search(url_name: str) -> None:
    """The header's search box sends its words to this view (one app provides it)."""
    _quick_search[:] = [url_name]


def quick_search_url_name() -> str | None:
    return _quick_search[0] if _quick_search else None


def register_role_permissions(role: str, permissions: Iterable[str]) -> None:
    """Grant these "app.codename" permissions to the role's group (after every migrate)."""
    _role_permissions.setdefault(role, set()).update(permissions)


def role_permissions() -> dict[str, set[str]]:
    return {role: set(names) for role, names in _role_permissions.items()}


def register_journal_actions(actions: Iterable[JournalAction]) -> None:
    for action in actions:
        _journal_actions[action.code] = action


def journal_action(code: str) -> JournalAction | None:
    return _journal_actions.get(code)


def journal_action_codes() -> list[str]:
    return list(_journal_actions)


def journal_action_label(code: str) -> str:
    """The action in words; an action no app described shows its code."""
    action = _journal_actions.get(code)
    return str(action.label) if action else code


def workflow_actions() -> list[str]:
    return [code for code, action in _journal_actions.items() if action.workflow]


def register_health_check(name: str, check: Callable[[], None]) -> None:
    _health_checks[name] = check


def health_checks() -> dict[str, Callable[[], None]]:
    return dict(_health_checks)


def register_status_section(section: StatusSection) -> None:
    _status_sections[section.code] = section


def status_sections() -> list[StatusSection]:
    return list(_status_sections.values())
