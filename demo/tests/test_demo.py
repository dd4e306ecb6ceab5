from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from capture.models import WebFormTopic
from courrier.models import JournalSeal, Mail
from courrier.services.journal import verify_journal
from demo.organisation import DEMO_PASSWORD
from scanner_hotfolders.models import HotFolder

pytestmark = pytest.mark.django_db

EXPECTED_BASKETS = {
    "c.martin": {"to_qualify": 1, "copies": 0},
    "a.durand": {
        "my_mail": 0,
        "entity_mail": 1,  # its reply is in visa: still Voirie's mail
        "copies": 0,
        "opinions": 0,
        "in_circuit": 1,
        "to_send": 0,
        "returned": 0,
        "late": 1,
        "implicit_decisions": 0,
    },
    "e.roux": {
        "my_mail": 1,
        "entity_mail": 1,
        "copies": 0,
        "opinions": 0,
        "in_circuit": 0,
        "to_send": 0,
        "returned": 0,
        "late": 0,
        "implicit_decisions": 0,
    },
    "l.leroy": {
        "my_mail": 0,
        "entity_mail": 1,
        "copies": 1,
        "opinions": 1,
        "in_circuit": 0,
        "to_send": 0,
        "returned": 0,
        "late": 0,
        "implicit_decisions": 0,
    },
    "m.bernard": {
        "my_mail": 0,
        "entity_mail": 0,
        "copies": 0,
        "opinions": 0,
        "in_circuit": 0,
        "to_send": 0,
        "returned": 0,
        "late": 1,
        "implicit_decisions": 0,
        "to_visa": 1,
        "to_sign": 0,
    },
    "s.lambert": {"closed": 1},
}


def sign_in(client, username: str) -> bool:
    """Through the sign-in page, as a person does (login throttling needs the request)."""
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    return response.status_code == 302


def test_each_persona_logs_in_and_sees_its_baskets(client, capsys):
    call_command("load_demo", mails=0)
    assert f"password for all: {DEMO_PASSWORD}" in capsys.readouterr().out
    for username, baskets in EXPECTED_BASKETS.items():
        assert sign_in(client, username), username
        response = client.get(reverse("home"))
        counts = {basket.code: count["total"] for basket, count in response.context["baskets"]}
        assert counts == baskets, username
        client.logout()


def test_demo_mail_went_through_services_and_the_journal_holds(client):
    call_command("load_demo", mails=0)
    assert Mail.objects.count() == 7
    secret = Mail.objects.select_related("destination_entity").get(confidential=True)
    assert secret.destination_entity is not None
    assert secret.destination_entity.code == "URBA"
    report = verify_journal()
    assert report.intact and report.checked > 20
    seal = JournalSeal.objects.get()  # sealed as soon as loaded: no unsealed tail to rewrite
    assert (seal.first_seq, seal.last_seq) == (1, report.checked)


def test_loading_twice_adds_nothing(capsys):
    call_command("load_demo", mails=0)
    call_command("load_demo", mails=0)
    assert "already present" in capsys.readouterr().out
    assert Mail.objects.count() == 7


def test_outsider_persona_cannot_open_voirie_mail(client):
    call_command("load_demo", mails=0)
    voirie_mail = Mail.objects.get(subject__startswith="Éclairage public")
    assert sign_in(client, "v.petit")
    assert client.get(reverse("mail_detail", args=[voirie_mail.pk])).status_code == 404
    client.logout()
    assert sign_in(client, "a.durand")
    assert client.get(reverse("mail_detail", args=[voirie_mail.pk])).status_code == 200


def test_the_demo_can_capture_right_away(settings):
    call_command("load_demo", mails=0)
    folder = HotFolder.objects.get(name="courrier")
    assert folder.entity.code == "COUR" and folder.split_on_separators
    assert folder.path.startswith(str(settings.DATA_DIR))
    assert WebFormTopic.objects.filter(active=True).count() == 5


def test_a_lived_in_year_goes_through_every_state_with_dates_as_they_happened():
    from django.db.models import Min

    from courrier.models import JournalEvent, MailStatus, Note
    from visa.models import OpinionAsk

    call_command("load_demo", mails=150)
    year_mail = Mail.objects.exclude(chrono_number__isnull=True)
    a_year_ago = timezone.localdate() - datetime.timedelta(days=366)
    incoming = year_mail.filter(category="incoming", arrival_date__gte=a_year_ago)
    assert incoming.count() == 157  # the year's and the 7 showcase letters
    statuses = set(year_mail.values_list("status", flat=True))
    assert {
        MailStatus.TO_QUALIFY,
        MailStatus.IN_PROGRESS,
        MailStatus.TO_VISA,
        MailStatus.CLOSED,
    } <= statuses
    oldest = incoming.aggregate(first=Min("arrival_date"))["first"]
    assert (timezone.localdate() - oldest).days > 330
    # The journal was written at the moments the mail lived, in order, and it holds.
    first_event = JournalEvent.objects.order_by("seq").first()
    assert (timezone.now() - first_event.timestamp).days > 330
    stamps = list(JournalEvent.objects.order_by("seq").values_list("timestamp", flat=True))
    assert stamps == sorted(stamps)
    assert verify_journal().intact
    closed = year_mail.filter(status=MailStatus.CLOSED)
    assert all(timezone.localtime(m.closing_date).date() >= m.arrival_date for m in closed)
    late = [m for m in incoming.exclude(status=MailStatus.CLOSED) if m.is_late]
    assert late, "some open mail is late"
    assert Note.objects.filter(mail__in=year_mail).count() > 30
    assert OpinionAsk.objects.exists()


def test_the_demo_shows_the_outgoing_half():
    """Issue 31: every circuit has a letter to read, the mayor one to sign, a share of the
    closed mail its reply in the departures register, letters of the town hall's own and
    internal notes over the year, and the open paper mail its scan."""
    from courrier.models import MailStatus
    from demo import outgoing
    from visa.models import VisaStep

    call_command("load_demo", mails=150)
    incoming = Mail.objects.filter(category="incoming")
    closed = incoming.filter(status=MailStatus.CLOSED).count()
    replies = Mail.objects.filter(category="outgoing", linked_mails__isnull=False).distinct()
    assert 0.2 * closed < replies.count() < 0.5 * closed
    assert all(r.original_sha256 and r.dispatched_at for r in replies)
    own = Mail.objects.filter(category="outgoing", linked_mails__isnull=True)
    assert own.count() == len(outgoing.LETTERS)
    assert own.filter(status=MailStatus.CLOSED).count() == len(outgoing.LETTERS) - 1
    internal = Mail.objects.filter(category="internal")
    assert internal.count() == len(outgoing.INTERNAL)
    assert internal.filter(dispatched_at__isnull=False).count() == len(outgoing.INTERNAL) - 1
    assert all(
        m.destination_entity_id == m.recipient_entity_id
        for m in internal.exclude(dispatched_at=None)
    )
    steps = VisaStep.objects.all()
    assert steps.exists() and not steps.filter(draft__isnull=True).exists()
    assert all(s.draft.versions.exists() for s in steps.select_related("draft"))
    for_the_mayor = Mail.objects.filter(
        status=MailStatus.TO_SIGN,
        visa_steps__user__username="j.moreau",
        visa_steps__state="current",
    )
    assert for_the_mayor.filter(category="outgoing").exists()
    from capture.models import CaptureInput, InputStatus

    errors = dict(CaptureInput.objects.values_list("file_name", "status"))
    assert errors == {"lot-0412.pdf": InputStatus.ERROR, "publicite.pdf": InputStatus.SET_ASIDE}
    unscanned = incoming.exclude(status=MailStatus.CLOSED).filter(
        channel__in=outgoing.SCANNED_CHANNELS, original=""
    )
    assert not unscanned.exists()


def test_the_year_is_the_same_at_every_load():
    import random

    from courrier.models import DocumentType, Entity, User
    from demo import year

    call_command("load_demo", mails=0)
    now = timezone.now()
    rng = random.Random(1)
    cast = year.Cast(
        users={u.username: u for u in User.objects.all()},
        entities={e.code: e for e in Entity.objects.all()},
        types={t.code: t for t in DocumentType.objects.all()},
        people=[year._contact(rng, n) for n in range(20)],
        associations=[year._organisation(name, n) for n, name in enumerate(year.ASSOCIATIONS)],
        companies=[year._organisation(name, n) for n, name in enumerate(year.COMPANIES)],
    )

    def plan() -> list[tuple[object, ...]]:
        lives = year.plan_year(cast, mails=200, now=now)
        return [(life.subject, life.arrival, [at for at, _run in life.steps]) for life in lives]

    first = plan()
    assert first == plan()
    assert len({subject for subject, _at, _steps in first}) > 50  # and varied


def test_the_demo_types_say_what_the_law_makes_of_silence():
    """A réclamation or a financial request is rejected by silence (CRPA L231-4, 2° and 3°):
    its acknowledgment says so, with the article, and the appeal routes."""
    from django.utils import translation

    from courrier.legal_mentions import legal_mentions
    from courrier.models import DocumentType, ProcessingMode
    from courrier.tests.factories import make_mail

    call_command("load_demo", mails=0)
    modes = dict(DocumentType.objects.values_list("code", "processing_mode"))
    assert modes["reclamation"] == modes["subvention"] == modes["rapo"] == ProcessingMode.SVR
    assert modes["occupation"] == ProcessingMode.SVA
    complaint = make_mail(
        subject="Bruit du chantier", document_type=DocumentType.objects.get(code="reclamation")
    )
    with translation.override("fr"):
        mentions = legal_mentions(complaint)
    assert "réputée rejetée" in mentions.consequence
    assert "article L231-4, 2°" in mentions.consequence and "réclamation" in mentions.consequence
    assert "tribunal administratif" in mentions.appeal


def test_the_demo_shows_the_retention_cycle():
    """Some types are destroyed at the end of their retention, and the lived year holds mail
    past it: the archivist finds proposals waiting."""
    from archives.models import EliminationProposal
    from courrier.models import DocumentType

    call_command("load_demo", mails=150)
    assert DocumentType.objects.filter(final_disposition="destroy").exists()
    proposed = EliminationProposal.objects.select_related("mail__document_type")
    assert proposed.exists()
    assert all(p.mail.document_type.final_disposition == "destroy" for p in proposed)
    # and mail kept for good whose retention ended waits for its transfer to the archives
    from archives.transfers import transferable

    due = transferable()
    assert due.count() == 3 and {m.document_type.code for m in due} == {"subvention"}


def test_demo_letters_greet_by_the_right_civility_and_skip_an_empty_implicit_date():
    """« M. Élodie Benali » → « Monsieur, » and an empty « Date de décision implicite : »
    line were in the demo's letters."""
    from courrier.models import Contact, DocumentType, User
    from demo.year import WOMEN
    from templates_office.catalogue import mail_context
    from templates_office.letters import template_for
    from templates_office.merge import document_text, merge

    call_command("load_demo", mails=40)
    people = Contact.objects.filter(kind="person").exclude(first_name="")
    assert people.exists()
    for person in people:
        if person.first_name in WOMEN:
            assert person.civility == "Mme", person
        elif person.first_name in {"Jean", "Pierre", "Karim", "Hugo"}:
            assert person.civility == "M.", person
    clerk = User.objects.get(username="c.martin")
    silent = DocumentType.objects.filter(processing_mode="normal").values_list("pk", flat=True)
    mail = (
        Mail.objects.filter(document_type__in=silent, mail_contacts__role="sender")
        .exclude(status="to_qualify")
        .first()
    )
    assert mail is not None and mail.implicit_decision_date is None
    template = template_for(mail, "acknowledgment")
    assert template is not None
    with template.file.open("rb") as handle:
        text = document_text(merge(handle.read(), mail_context(mail, drafter=clerk)))
    assert "décision implicite" not in text
    assert str(mail.chrono_number) in text
    # a reply's letterhead names the organisation above its service
    reply = template_for(mail, "reply")
    assert reply is not None
    with reply.file.open("rb") as handle:
        letter = document_text(merge(handle.read(), mail_context(mail, drafter=clerk)))
    assert letter.lstrip().startswith("Mairie de Villedieu")
