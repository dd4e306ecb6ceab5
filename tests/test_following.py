"""« Mes suivis »: an agent keeps sight of mail she redirected (or flagged, or asked an opinion
on), with who holds it and how it stands, and is told when it closes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courrier.models import FollowedMail, JournalEvent, MailStatus
from courrier.services.processing import redirect_mail
from courrier.tests.factories import make_mail
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_mail_she_redirected_stays_in_her_follow_ups_and_she_hears_of_its_closing(
    client, agent, urbanisme_agent, org, django_capture_on_commit_callbacks
):
    mail = make_mail(
        subject="Permis rue Haute",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    redirect_mail(actor=agent, mail=mail, entity=org.urbanisme, user=urbanisme_agent)
    assert FollowedMail.objects.get(user=agent, mail=mail).reason == "redirected"
    client.force_login(agent)
    page = client.get(reverse("following")).content.decode()
    assert mail.chrono_number in page and "Urbanisme" in page and str(urbanisme_agent) in page
    # she still reads it, though it left her service
    assert client.get(reverse("mail_detail", args=[mail.pk])).status_code == 200
    client.force_login(urbanisme_agent)
    with django_capture_on_commit_callbacks(execute=True):  # reactions run once committed
        client.post(reverse("mail_action", args=[mail.pk, "close"]), {"note": "Traité."})
    mail.refresh_from_db()
    assert mail.status == MailStatus.CLOSED
    told = Notification.objects.get(user=agent, kind="followed_closed")
    assert told.mail == mail
    # she stops following: the mail leaves her sight again
    client.force_login(agent)
    client.post(reverse("toggle_follow", args=[mail.pk]), {"follow": "0"})
    assert not FollowedMail.objects.filter(user=agent).exists()
    assert client.get(reverse("mail_detail", args=[mail.pk])).status_code == 404
    assert JournalEvent.objects.filter(action="mail.unfollowed", mail=mail).exists()


def test_a_mail_is_flagged_to_follow_from_its_page_and_outsiders_cannot(
    client, agent, outsider, org
):
    mail = make_mail(subject="Arbre", destination_entity=org.voirie)
    client.force_login(agent)
    page = client.get(reverse("mail_detail", args=[mail.pk])).content.decode()
    assert 'aria-pressed="false"' in page and "Suivre" in page
    client.post(reverse("toggle_follow", args=[mail.pk]), {"follow": "1"})
    assert FollowedMail.objects.get(user=agent).reason == "flagged"
    assert (
        'aria-pressed="true"' in client.get(reverse("mail_detail", args=[mail.pk])).content.decode()
    )
    client.force_login(outsider)
    assert client.post(reverse("toggle_follow", args=[mail.pk]), {"follow": "1"}).status_code == 404
    assert not FollowedMail.objects.filter(user=outsider).exists()
