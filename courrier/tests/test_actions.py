"""The actions catalogue: each action checks its rules, and leaves exactly one journal event."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from courrier.models import (
    Basket,
    DiffusionListEntry,
    DiffusionRole,
    Folder,
    JournalEvent,
    Mail,
    MailStatus,
    RedirectScope,
    Role,
    User,
)
from courrier.selectors import can_see_mail, visible_notes
from courrier.services import legal
from courrier.services.actions import (
    CATALOGUE,
    Acting,
    ActionInput,
    mail_actions,
    perform,
    perform_batch,
)
from courrier.services.locks import current_lock, release_lock_of, take_lock
from courrier.services.processing import redirect_mail, redirect_targets
from courrier.tests.factories import UserFactory, absent_now, last_event_seq, make_mail

pytestmark = pytest.mark.django_db


def voirie_mail(**override) -> Mail:
    fields = {"status": MailStatus.IN_PROGRESS, **override}
    return make_mail(override=fields)


@pytest.fixture
def voirie_mail_of(org):
    return lambda **o: voirie_mail(destination_entity=org.voirie, **o)


def test_redirecting_moves_mail_to_the_target_entity_with_one_event(
    agent, urbanisme_agent, org, voirie_mail_of
):
    mail = voirie_mail_of()
    before = last_event_seq()
    redirect_mail(
        actor=agent,
        mail=mail,
        entity=org.urbanisme,
        note="Pour avis",
        restricted_to=[org.urbanisme],
    )
    mail.refresh_from_db()
    assert mail.destination_entity == org.urbanisme
    assert (
        DiffusionListEntry.objects.get(mail=mail, role=DiffusionRole.RECIPIENT).entity
        == org.urbanisme
    )
    events = JournalEvent.objects.filter(seq__gt=before)
    assert [(e.action, e.actor, e.details["to"]) for e in events] == [
        ("mail.redirected", agent, "URBA")
    ]
    assert [n.text for n in visible_notes(urbanisme_agent, mail)] == ["Pour avis"]
    assert can_see_mail(urbanisme_agent, mail)


def test_a_restricted_note_is_hidden_from_other_entities(agent, archivist, org, voirie_mail_of):
    mail = voirie_mail_of()
    redirect_mail(
        actor=agent, mail=mail, entity=org.urbanisme, note="Secret", restricted_to=[org.urbanisme]
    )
    assert can_see_mail(archivist, mail)  # sees all mail, but is not in Urbanisme
    assert list(visible_notes(archivist, mail)) == []
    assert [n.text for n in visible_notes(agent, mail)] == ["Secret"]  # its author


def test_redirect_targets_follow_the_basket_rule(agent, org):
    def targets() -> set:  # as the next request would see them (the rule is read per request)
        return set(redirect_targets(User.objects.get(pk=agent.pk)))

    Basket.objects.update(redirect_scope=RedirectScope.BELOW)
    assert targets() == {org.voirie}
    Basket.objects.update(redirect_scope=RedirectScope.SAME_LEVEL)
    assert targets() == {org.voirie}  # Voirie has no sibling under ST
    Basket.objects.update(redirect_scope=RedirectScope.ALL)
    assert org.urbanisme in targets()


def test_redirecting_outside_the_rule_is_refused(agent, org, voirie_mail_of):
    Basket.objects.update(redirect_scope=RedirectScope.BELOW)
    mail = voirie_mail_of()
    with pytest.raises(PermissionDenied):
        redirect_mail(actor=agent, mail=mail, entity=org.urbanisme)
    assert not JournalEvent.objects.filter(action="mail.redirected").exists()


def test_redirecting_to_a_user_needs_a_member_of_the_entity(
    agent, urbanisme_agent, org, voirie_mail_of
):
    mail = voirie_mail_of()
    with pytest.raises(ValidationError):
        redirect_mail(actor=agent, mail=mail, entity=org.vasso, user=urbanisme_agent)
    redirect_mail(actor=agent, mail=mail, user=urbanisme_agent)
    mail.refresh_from_db()
    assert (mail.destination_entity, mail.assignee) == (org.urbanisme, urbanisme_agent)


def test_hold_resume_close_reopen_walk_the_statuses(agent, voirie_mail_of):
    mail = voirie_mail_of()
    acting = Acting(agent)
    for code, status in [
        ("hold", "on_hold"),
        ("resume", "in_progress"),
        ("close", "closed"),
        ("reopen", "in_progress"),
    ]:
        perform(acting, code, mail, ActionInput(note="Traité" if code == "close" else ""))
        mail.refresh_from_db()
        assert mail.status == status
    assert mail.closing_date is None
    with pytest.raises(PermissionDenied):
        perform(acting, "resume", mail, ActionInput())


def test_closing_can_require_a_note(agent, voirie_mail_of, settings):
    settings.BANNETTE_CLOSE_REQUIRES_NOTE = True
    mail = voirie_mail_of()
    with pytest.raises(ValidationError):
        perform(Acting(agent), "close", mail, ActionInput())
    perform(Acting(agent), "close", mail, ActionInput(note="Réponse envoyée"))
    assert mail.notes.get().text == "Réponse envoyée"
    assert JournalEvent.objects.filter(mail=mail, action="mail.closed").count() == 1
    assert not JournalEvent.objects.filter(mail=mail, action="note.added").exists()


def test_a_batch_runs_each_mail_and_reports_refusals(agent, org, voirie_mail_of):
    mine = [voirie_mail_of(), voirie_mail_of()]
    closed = voirie_mail_of(status=MailStatus.CLOSED)
    foreign = voirie_mail(destination_entity=org.vasso)
    report = perform_batch(Acting(agent), "hold", [*mine, closed, foreign], ActionInput())
    assert [m.pk for m in report.done] == [m.pk for m in mine]
    assert [m.pk for m, _reason in report.refused] == [closed.pk, foreign.pk]
    held = JournalEvent.objects.filter(action="mail.put_on_hold")
    assert sorted(held.values_list("mail_id", flat=True)) == sorted(m.pk for m in mine)


def test_marking_a_copy_read(agent, urbanisme_agent, org, voirie_mail_of):
    mail = voirie_mail_of()
    perform(Acting(agent), "send_copy", mail, ActionInput(entity=org.urbanisme))
    perform(Acting(urbanisme_agent), "mark_read", mail, ActionInput())
    assert DiffusionListEntry.objects.get(mail=mail, role="copy").read_at is not None
    with pytest.raises(ValidationError):
        perform(Acting(urbanisme_agent), "mark_read", mail, ActionInput())


def test_folders_belong_to_an_entity(agent, outsider, org, voirie_mail_of):
    mail = voirie_mail_of()
    folder = Folder.objects.create(label="Rue des Lilas", entity=org.voirie)
    other = Folder.objects.create(label="Associations", entity=org.vasso)
    perform(Acting(agent), "add_to_folder", mail, ActionInput(folder=folder))
    assert list(folder.mails.all()) == [mail]
    with pytest.raises(PermissionDenied):
        perform(Acting(agent), "add_to_folder", mail, ActionInput(folder=other))


def test_a_colleagues_lock_holds_workflow_moves_until_it_expires(
    agent, manager, org, voirie_mail_of
):
    mail = voirie_mail_of()
    take_lock(user=manager, mail=mail)
    assert take_lock(user=agent, mail=mail).user == manager  # the holder keeps it
    with pytest.raises(PermissionDenied, match=re.escape(str(manager))):
        perform(Acting(agent), "hold", mail, ActionInput())
    mail.lock.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    mail.lock.save()
    assert current_lock(mail) is None
    assert take_lock(user=agent, mail=mail).user == agent
    redirect_mail(actor=agent, mail=mail, entity=org.urbanisme)
    assert current_lock(mail) is None  # a redirect hands the mail over


def test_leaving_releases_only_ones_own_lock(agent, manager, voirie_mail_of):
    mail = voirie_mail_of()
    take_lock(user=manager, mail=mail)
    assert release_lock_of(user=agent, mail=mail) is False
    assert release_lock_of(user=manager, mail=mail) is True


STANDING_IN = [(code, False) for code in sorted(CATALOGUE)] + [
    (code, True)
    for code in sorted(CATALOGUE)
    if code != "reopen"  # closed mail is in no basket
]


@pytest.mark.parametrize(("code", "standing_in"), STANDING_IN)
def test_every_action_leaves_exactly_one_event_with_actor_and_on_behalf_of(
    code, standing_in, agent, org, voirie_mail_of
):
    mail = voirie_mail_of(status=MailStatus.CLOSED if code == "reopen" else MailStatus.IN_PROGRESS)
    if code == "resume":
        Mail.objects.filter(pk=mail.pk).update(status=MailStatus.ON_HOLD)
        mail.refresh_from_db()
    if code == "mark_read":
        DiffusionListEntry.objects.create(mail=mail, role="copy", entity=org.voirie)
    if code == "pieces_received":
        legal.request_missing_pieces(actor=agent, mail=mail, pieces="Plan")
    acting = Acting(agent)
    if standing_in:
        colleague = UserFactory.create(
            username="colleague", primary_entity=org.vasso, roles=[Role.AGENT]
        )
        absent_now(agent, basket="entity_mail", substitute=colleague)
        acting = Acting(colleague, agent)
    given = ActionInput(
        entity=org.urbanisme,
        folder=Folder.objects.create(label="Dossier", entity=org.voirie),
        other=voirie_mail_of(),
        note="Fait",
        text="Plan de situation",
    )
    before = last_event_seq()
    perform(acting, code, mail, given)
    events = list(JournalEvent.objects.filter(seq__gt=before))
    assert len(events) == 1
    event = events[0]
    assert (event.actor, event.mail_id, event.on_behalf_of) == (
        acting.actor,
        mail.pk,
        acting.on_behalf_of,
    )


def test_a_copy_is_for_reading_not_for_moving_the_mail(agent, urbanisme_agent, org, voirie_mail_of):
    mail = voirie_mail_of()
    perform(Acting(agent), "send_copy", mail, ActionInput(entity=org.urbanisme))
    offered = {a.code for a in mail_actions(mail, urbanisme_agent)}
    assert offered == {"mark_read", "add_to_folder", "link"}
    for code in ("close", "redirect", "hold", "assign_to_me"):
        with pytest.raises(PermissionDenied):
            perform(Acting(urbanisme_agent), code, mail, ActionInput(entity=org.urbanisme))
    perform(Acting(urbanisme_agent), "mark_read", mail, ActionInput())
    mail.refresh_from_db()
    assert (mail.status, mail.destination_entity) == (MailStatus.IN_PROGRESS, org.voirie)


def test_a_manager_works_the_mail_of_the_services_below(manager, voirie_mail_of):
    mail = voirie_mail_of()
    perform(Acting(manager), "hold", mail, ActionInput())
    mail.refresh_from_db()
    assert mail.status == MailStatus.ON_HOLD
