"""Opinion requests: parallel or in sequence, answers, late ones, recall; and their screens."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from courrier.baskets import basket_mails
from courrier.models import Basket, JournalEvent, MailStatus
from courrier.selectors import can_see_mail
from courrier.services.mail import IncomingFile
from courrier.tests.factories import make_mail
from visa.models import AskState, OpinionRequest
from visa.opinions import answer_opinion, recall_opinion, request_opinion

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail(org):
    return make_mail(
        subject="Permis de construire",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )


def in_a_week():
    return timezone.localdate() + datetime.timedelta(days=7)


def test_parallel_opinions_are_asked_at_once_and_answers_show_who_answered(
    mail, agent, urbanisme_agent, outsider, org
):
    assert not can_see_mail(urbanisme_agent, mail)
    request = request_opinion(
        actor=agent,
        mail=mail,
        asked=[org.urbanisme, org.vasso],
        reason="Compatible avec le PLU ?",
        deadline=in_a_week(),
    )
    assert can_see_mail(urbanisme_agent, mail) and can_see_mail(outsider, mail)
    basket = Basket.objects.get(code="opinions")
    assert list(basket_mails(basket, urbanisme_agent)) == [mail]
    answer_opinion(
        actor=urbanisme_agent,
        mail=mail,
        text="Favorable sous réserve.",
        file=IncomingFile("avis.pdf", b"%PDF-1.4"),
    )
    states = {a.entity: a.state for a in request.asks.all()}
    assert states == {org.urbanisme: AskState.ANSWERED, org.vasso: AskState.WAITING}
    assert list(basket_mails(basket, urbanisme_agent)) == []
    assert mail.notes.get().text.endswith("Favorable sous réserve.")
    assert mail.attachments.get().kind.code == "opinion"
    with pytest.raises(PermissionDenied):
        answer_opinion(actor=urbanisme_agent, mail=mail, text="Encore")


def test_in_sequence_the_next_one_is_asked_after_the_previous_answer(
    mail, agent, urbanisme_agent, outsider, org
):
    request_opinion(
        actor=agent,
        mail=mail,
        asked=[org.urbanisme, org.vasso],
        reason="Avis",
        deadline=in_a_week(),
        sequential=True,
    )
    assert not can_see_mail(outsider, mail)
    with pytest.raises(PermissionDenied):
        answer_opinion(actor=outsider, mail=mail, text="Trop tôt")
    answer_opinion(actor=urbanisme_agent, mail=mail, text="Favorable")
    assert can_see_mail(outsider, mail)
    answer_opinion(actor=outsider, mail=mail, text="Pas d'objection")
    events = JournalEvent.objects.filter(mail=mail, action__startswith="opinion.").values_list(
        "action", "actor__username"
    )
    assert list(events) == [
        ("opinion.requested", "agent"),
        ("opinion.given", "urba"),
        ("opinion.given", "outsider"),
    ]


def test_late_answers_show_and_the_requester_can_recall(mail, agent, urbanisme_agent, org):
    request = request_opinion(
        actor=agent, mail=mail, asked=[org.urbanisme], reason="Avis", deadline=in_a_week()
    )
    OpinionRequest.objects.filter(pk=request.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    request.refresh_from_db()
    assert request.asks.get().is_late
    with pytest.raises(PermissionDenied):
        recall_opinion(actor=urbanisme_agent, request=request)
    assert recall_opinion(actor=agent, request=request) == 1
    assert request.asks.get().state == AskState.RECALLED
    with pytest.raises(PermissionDenied):
        answer_opinion(actor=urbanisme_agent, mail=mail, text="Trop tard")


def test_the_opinions_tab_asks_answers_and_recalls(client, mail, agent, urbanisme_agent, org):
    client.force_login(agent)
    url = reverse("ask_opinion", args=[mail.pk])
    client.post(
        url,
        {
            "reason": "Compatible PLU ?",
            "entities": [org.urbanisme.pk],
            "deadline": in_a_week().isoformat(),
            "mode": "parallel",
        },
    )
    request = OpinionRequest.objects.get()
    client.force_login(urbanisme_agent)
    page = client.get(reverse("mail_detail", args=[mail.pk]) + "?tab=opinions").content.decode()
    assert "Compatible PLU ?" in page and "give-opinion" in page
    client.post(reverse("give_opinion", args=[mail.pk]), {"text": "Favorable"})
    client.force_login(agent)
    page = client.get(reverse("mail_detail", args=[mail.pk]) + "?tab=opinions").content.decode()
    assert 'data-ask-state="answered"' in page and "Favorable" in page
    client.post(reverse("recall_opinion", args=[mail.pk, request.pk]))
    request.refresh_from_db()
    assert request.recalled_at is not None
