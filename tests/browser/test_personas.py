"""Each demo persona walks its main pages over the lived-in demo, in French: axe-core finds no
serious or critical violation, no English interface string nor raw event code shows, and each
page is photographed (into docs/screenshots/ with `./dev screenshots`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real
from playwright.sync_api import Browser, ConsoleMessage, Page

from courrier.extensions import journal_action_codes
from courrier.models import Mail, MailStatus
from demo.organisation import DEMO_PASSWORD
from visa.models import VisaStep, VisaStepState

pytestmark = pytest.mark.django_db(transaction=True)

# Raw Python or template leftovers a person must never read.
LEFTOVERS = re.compile(r"\{'|\{\{|\{%|\bNone\b|\bTrue\b|\bFalse\b|<[a-z]+ [a-z-]+=|\[object ")


def english_phrases() -> list[str]:
    """Interface phrases of the catalogues whose French differs (two words or more)."""
    catalog = trans_real.translation("fr")._catalog  # type: ignore[attr-defined]
    phrases = set()
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or "%" in msgid or "{" in msgid or msgid == msgstr:
            continue
        if len(msgid.split()) >= 2 and len(msgid) >= 9 and msgid.lower() not in msgstr.lower():
            phrases.add(msgid.lower())
    return sorted(phrases)


# Measured on every page: a one-line control taller than this is squashed or stretched (a select
# that flex-grows along a column once rendered 224 px tall, 7 rows of an empty box).
CONTROL_MAX_HEIGHT = 48

BOXES = """(limit) => {
  const tall = [];
  for (const el of document.querySelectorAll('select:not([multiple]):not([size]), input:not([type=hidden]):not([type=file])')) {
    const box = el.getBoundingClientRect();
    if (box.height > limit) tall.push(`${el.tagName.toLowerCase()}[name=${el.name || el.id}] ${Math.round(box.height)} px`);
  }
  const wide = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    const clipped = (el) => {
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement)
        if (getComputedStyle(up).overflowX !== 'visible') return true;
      return false;
    };
    for (const el of document.querySelectorAll('body *')) {
      if (clipped(el)) continue;
      const box = el.getBoundingClientRect();
      const inside = [...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1);
      if (box.right > window.innerWidth + 1 && !inside && box.width > 0)
        wide.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''}#${el.id} ${Math.round(box.right)} px`);
    }
  }
  return {tall: tall.slice(0, 5), wide: wide.slice(0, 4), width: document.documentElement.scrollWidth};
}"""


def layout_problems(page: Page, width: int) -> list[str]:
    """Element boxes measured in the page as rendered: no control out of shape, nothing wider
    than the window."""
    boxes = page.evaluate(BOXES, CONTROL_MAX_HEIGHT)
    found = [f"control out of shape: {tall}" for tall in boxes["tall"]]
    if boxes["width"] > width:
        found.append(f"wider than the window: {boxes['width']} px for {width} px: {boxes['wide']}")
    return found


def page_problems(page: Page, phrases: list[str], codes: list[str]) -> list[str]:
    text = page.inner_text("body")
    lowered = text.lower()
    problems = [f"English: {p!r}" for p in phrases if p in lowered]
    problems += [f"event code: {code}" for code in codes if code in text]
    problems += [f"leftover: {m.group(0)!r}" for m in LEFTOVERS.finditer(text)]
    if page.get_attribute("html", "lang") != "fr":
        problems.append("html lang is not fr")
    results = Axe().run(page)
    problems += [
        f"axe {v['id']}: {v['help']} ({[(n['target'], n['any'][0]['message'] if n['any'] else '') for n in v['nodes']][:3]})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return problems


@pytest.fixture
def lived_in() -> None:
    call_command("load_demo", mails=90)


def sign_in(browser: Browser, base: str, username: str, width: int = 1366) -> Page:
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    violations: list[str] = []
    page.csp_violations = violations  # type: ignore[attr-defined]

    def heard(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", heard)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _open_mail_of(basket: str, username: str) -> str:
    """The first mail's page of a basket, as the basket lists it."""
    from courrier.baskets import basket_mails
    from courrier.models import Basket, User

    user = User.objects.get(username=username)
    mail = basket_mails(Basket.objects.get(code=basket), user).order_by("-arrival_date").first()
    assert mail is not None, f"{username}'s {basket} basket is empty in the demo"
    return f"/mails/{mail.pk}/"


def _busiest_contact() -> int:
    from django.db.models import Count

    from courrier.models import Contact

    busiest = Contact.objects.annotate(n=Count("mail_links")).order_by("-n", "pk").first()
    assert busiest is not None
    return busiest.pk


def _own_letter(username: str) -> int:
    """A letter of the persona's service's own (départ spontané) in the demo."""
    letter = Mail.objects.filter(
        category="outgoing", issuing_entity__primary_users__username=username
    ).first()
    assert letter is not None, f"no letter of {username}'s service in the demo"
    return letter.pk


def _basket_form() -> str:
    from courrier.models import Basket

    return reverse("administration_edit", args=["baskets", Basket.objects.get(code="late").pk])


def walks() -> dict[str, list[tuple[str, str]]]:
    """Persona: (name of the shot, path) of the pages each opens every day."""
    book_mail = VisaStep.objects.filter(state=VisaStepState.CURRENT, user__username="m.bernard")
    first_book = book_mail.values_list("mail_id", flat=True).first()
    to_qualify = Mail.objects.filter(status=MailStatus.TO_QUALIFY).order_by("pk").first()
    assert to_qualify is not None
    return {
        "c.martin": [
            ("accueil", "/"),
            ("a-qualifier", "/baskets/to_qualify/"),
            ("qualification", f"/mails/{to_qualify.pk}/qualify/"),
            ("numeriser", reverse("capture_upload")),
            ("erreurs-capture", reverse("capture_errors")),
            ("accuses-reception", reverse("acknowledgment_batch")),
            ("enregistrer-sans-fichier", reverse("register_without_file")),
            ("registre-arrivee", reverse("registers")),
        ],
        "a.durand": [
            ("accueil", "/"),
            ("courriers-entite", "/baskets/entity_mail/"),
            ("courrier", _open_mail_of("entity_mail", "a.durand")),
            ("courrier-historique", _open_mail_of("entity_mail", "a.durand") + "?tab=history"),
            ("recherche", reverse("search") + "?q=rue"),
            ("dossiers", reverse("folders")),
            ("contacts", reverse("contacts") + "?q=villedieu"),
            ("contact", reverse("contact", args=[_busiest_contact()])),
            ("absences", reverse("absences")),
            ("mes-suivis", reverse("following")),
            ("registre-depart", reverse("registers") + "?kind=departs"),
            ("registre-interne", reverse("registers") + "?kind=internes"),
            ("ecrire-courrier", reverse("write_mail")),
            ("courrier-depart", f"/mails/{_own_letter('a.durand')}/?tab=reply"),
            ("notifications", reverse("notifications")),
            ("mes-notifications", reverse("notification_preferences")),
            ("jetons-api", reverse("api_tokens")),
        ],
        "m.bernard": [
            ("accueil", "/"),
            ("parapheur", reverse("signature_book")),
            ("parapheur-courrier", reverse("signature_book_mail", args=[first_book])),
            ("en-retard", "/baskets/late/"),
            ("statistiques", reverse("statistics")),
            ("statistiques-tableaux", reverse("statistics_tables")),
        ],
        "p.dubois": [("accueil", "/"), ("statistiques", reverse("statistics"))],
        "s.lambert": [
            ("accueil", "/"),
            ("clos", "/baskets/closed/"),
            ("journal", reverse("archives_journal")),
            ("exports-journal", reverse("archives_exports")),
            ("eliminations", reverse("archives_eliminations")),
            ("versements", reverse("archives_transfers")),
            ("donnees-personnelles", reverse("archives_personal_data") + "?q=ma"),
        ],
        "admin": [
            ("accueil", "/"),
            ("etat-systeme", reverse("system_status")),
            ("doublons", reverse("contact_merge")),
            ("parametrage", reverse("administration")),
            ("parametrage-utilisateurs", reverse("administration_section", args=["users"])),
            ("parametrage-entites", reverse("administration_section", args=["entities"])),
            ("parametrage-bannette", _basket_form()),
            ("parametrage-circuit", reverse("administration_new", args=["circuits"])),
            ("comptes-service", reverse("api_service_accounts")),
        ],
    }


def test_each_persona_walks_its_pages_in_french_without_accessibility_faults(
    browser, live_server, lived_in, tmp_path
):
    shots = Path(os.environ.get("BANNETTE_SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with translation.override("fr"):
        phrases = english_phrases()
    codes = journal_action_codes()
    problems: dict[str, list[str]] = {}
    for username, pages in walks().items():
        page = sign_in(browser, live_server.url, username)
        for shot, path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, (username, path)
            found = page_problems(page, phrases, codes) + layout_problems(page, 1366)
            found += [f"CSP: {v[:160]}" for v in page.csp_violations]  # type: ignore[attr-defined]
            page.csp_violations.clear()  # type: ignore[attr-defined]
            header = page.locator("header.topbar").bounding_box()
            if header is None or header["height"] > 70:  # one line at 1366 px, search box whole
                found.append(f"header on several lines: {header}")
            menu = page.locator("nav.mainnav").bounding_box()
            if menu is not None and menu["height"] > 60:  # the menu bar too (it wrapped to 4)
                found.append(f"menu on several lines: {menu['height']} px")
            if found:
                problems[f"{username} {path}"] = found
            page.screenshot(path=str(shots / f"{username}-{shot}.png"), full_page=False)
        page.context.close()
    # On a phone: one column, the same checks on every page (the header may wrap there).
    for username, pages in walks().items():
        page = sign_in(browser, live_server.url, username, width=390)
        for shot, path in pages:
            page.goto(f"{live_server.url}{path}")
            found = page_problems(page, phrases, codes) + layout_problems(page, 390)
            if found:
                problems[f"phone {username} {path}"] = found
            if username in ("a.durand", "c.martin"):
                page.screenshot(
                    path=str(shots / f"telephone-{username}-{shot}.png"), full_page=False
                )
        page.context.close()
    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in problems.items())
