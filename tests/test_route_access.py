"""Every route, as an anonymous visitor and as an outsider, with the ids of others' objects:
nothing is shown, nothing changes. A route this test does not know fails it, so a new screen
cannot ship without saying who may open it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.models import ApiToken, TokenScope
from archives.models import ExportStatus, JournalExport
from capture.models import CaptureInput, InputStatus
from courrier.models import (
    Absence,
    AttachmentKind,
    DiffusionListEntry,
    DiffusionRole,
    Folder,
    JournalEvent,
    MailStatus,
)
from courrier.services.circulation import add_attachment
from courrier.services.mail import IncomingFile
from courrier.tests.factories import make_mail
from indexing.models import SavedSearch
from templates_office.models import OfficeTemplate
from templates_office.tests.docs import REPLY_LINES, docx_bytes
from visa.models import OpinionRequest

pytestmark = pytest.mark.django_db

# Open to everyone: the citizens' form and its tracking, signing in and out, the language
# switch, the health check, the icon, the journal's verifier.
PUBLIC = {
    "favicon",
    "set_language",
    "citizen_form",
    "citizen_thanks",
    "citizen_tracking",
    "citizen_tracking_code",
    "login",
    "logout",
    "healthz",
    "organisation_logo",  # the brand image, shown on the sign-in page too
    "oidc_authentication_init",  # single sign-on: to the provider and back (sso/tests)
    "oidc_authentication_callback",
    "oidc_logout",
    "archives_verifier",  # the journal's verifier: public code, the copy archivists run
}
# Signed-in pages about no one else's object (each user sees their own perimeter there).
OWN_PAGES = {
    "home",
    "capture_upload",
    "following",  # the mail one follows (within one's perimeter, which following extends)
    "registers",  # the arrivals and departures registers: the reader's perimeter only
    "register_without_file",  # the mail room registers a call or a visit (no one else's object)
    "write_mail",  # an agent writes a letter from one of her own services (refused otherwise)
    "capture_errors",
    "separator_sheet",
    "search",
    "quick_search",
    "save_search",
    "signing_key",
    "contact_options",
    "contact_duplicates",
    "post_register",
    "folders",
    "absences",
    "system_status",
    "password_change",
    "signature_book",
    "signature_book_batch",
    "contacts",
    "contact_new",
    "contact_merge",
    "acknowledgment_batch",  # the day's post in the user's perimeter, or qualified by the user
    "notifications",  # one's own notifications, bell and preferences
    "notification_bell",
    "notifications_read",
    "notification_preferences",
    "statistics",  # figures of one's own perimeter (403 without the statistics permission)
    "statistics_tables",
    "statistics_report",  # the PDF of one's own figures; the mail listed only if one may open it
    "api_tokens",  # one's own API tokens
    "api_reference",  # the API's reference, read from the schema (the organisation's, no mail)
}
# The REST API answers 401 without a token or a session; its lists hold the caller's perimeter,
# entities and document types are the organisation's references (api/tests/ tests them further).
API_ROUTES = {
    "api-root",
    "api-mail-list",
    "api-mail-detail",
    "api-mail-letters",  # writes from the caller's own services only (tests/test_letters.py)
    "api-registers",  # the caller's perimeter only (tests/test_desk_api.py)
    "api-following",  # the caller's own follow-ups
    "api-entity-list",
    "api-entity-detail",
    "api-document-type-list",
    "api-document-type-detail",
    "api-basket-list",
    "api-basket-detail",
    "api-contact-list",
    "api-contact-detail",
    "api-capture-input-list",
    "api-search",
    "api-statistics",
    "api_schema",
    "api_docs",
    "api_redoc",
}
# The directory is the organisation's, shared by all who may read contacts; a contact's page
# lists only the mail the reader may open (tests/test_contacts_directory.py).
SHARED_DIRECTORY = {"contact", "contact_edit"}


@dataclass
class World:
    """Objects of Voirie and of the mail room, none of them the outsider's."""

    mail: Any
    attachment: Any
    entry: Any
    opinion: Any
    capture_input: Any
    saved_search: Any
    template: Any
    folder: Any
    absence: Any
    export: Any


@pytest.fixture
def world(org, agent, clerk) -> World:
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    kind = AttachmentKind.objects.create(code="simple", label="Pièce jointe")
    attachment = add_attachment(
        actor=agent, mail=mail, kind=kind, title="Plan", file=IncomingFile("plan.pdf", b"%PDF-1.4")
    )
    template = OfficeTemplate(label="Réponse Voirie", entity=org.voirie)
    template.file.save("reponse.docx", ContentFile(docx_bytes(REPLY_LINES)), save=True)
    return World(
        mail=mail,
        attachment=attachment,
        entry=DiffusionListEntry.objects.create(mail=mail, role=DiffusionRole.COPY, entity=org.st),
        opinion=OpinionRequest.objects.create(
            mail=mail, requested_by=agent, reason="?", deadline=datetime.date(2030, 1, 1)
        ),
        capture_input=CaptureInput.objects.create(
            source_kind="upload", file_name="lot.pdf", size=3, status=InputStatus.ERROR
        ),
        saved_search=SavedSearch.objects.create(user=agent, name="Mes", query_string="text=x"),
        template=template,
        folder=Folder.objects.create(label="Rue Haute", entity=org.voirie),
        absence=Absence.objects.create(
            user=agent,
            start=timezone.now(),
            end=timezone.now() + datetime.timedelta(days=2),
        ),
        export=JournalExport.objects.create(requested_by=clerk, status=ExportStatus.READY),
    )


def object_urls(w: World) -> dict[str, list[str]]:
    """Each route that names an object, with the ids of objects that are not the outsider's."""
    m = w.mail.pk
    token, _secret = ApiToken.issue(user=w.absence.user, name="Voirie")
    return {
        # Another person's token; the service accounts are the administrators'.
        "api_token_revoke": [reverse("api_token_revoke", args=[token.pk])],
        "api_service_accounts": [reverse("api_service_accounts")],
        "api_service_account": [reverse("api_service_account", args=[1])],
        # The probative journal and its exports are the archivists'.
        "archives_journal": [reverse("archives_journal")],
        "archives_exports": [reverse("archives_exports")],
        "archives_eliminations": [reverse("archives_eliminations")],
        "archives_transfers": [reverse("archives_transfers")],
        "archives_personal_data": [reverse("archives_personal_data") + "?q=Du"],
        "archives_subject_access": [reverse("archives_subject_access", args=[1])],
        "archives_transfer_file": [reverse("archives_transfer_file", args=[1, "package"])],
        "archives_certificate": [reverse("archives_certificate", args=[1])],
        "archives_mail_evidence": [reverse("archives_mail_evidence", args=[m])],
        "archives_export_download": [reverse("archives_export_download", args=[w.export.pk])],
        # Settings are the administrators': an agent is refused all of them.
        "administration": [reverse("administration")],
        "administration_section": [
            reverse("administration_section", args=[code]) for code in ("users", "mailboxes")
        ],
        "administration_new": [reverse("administration_new", args=["entities"])],
        "administration_edit": [
            reverse("administration_edit", args=["entities", w.mail.destination_entity_id])
        ],
        "administration_toggle": [
            reverse("administration_toggle", args=["entities", w.mail.destination_entity_id])
        ],
        "capture_retry": [reverse("capture_retry", args=[w.capture_input.pk])],
        "capture_set_aside": [reverse("capture_set_aside", args=[w.capture_input.pk])],
        "capture_input_original": [reverse("capture_input_original", args=[w.capture_input.pk])],
        "delete_search": [reverse("delete_search", args=[w.saved_search.pk])],
        "template_preview": [
            reverse("template_preview", args=[w.template.pk, fmt]) for fmt in ("docx", "pdf")
        ],
        "reply_draft": [reverse("reply_draft", args=[m])],
        "reply_convert": [reverse("reply_convert", args=[m])],
        "reply_circuit": [reverse("reply_circuit", args=[m])],
        "reply_decide": [
            reverse("reply_decide", args=[m, d]) for d in ("approve", "reject", "sign")
        ],
        "reply_send": [reverse("reply_send", args=[m])],
        "annotate_draft": [reverse("annotate_draft", args=[m])],
        "reply_parapheur": [reverse("reply_parapheur", args=[m])],
        "ask_opinion": [reverse("ask_opinion", args=[m])],
        "give_opinion": [reverse("give_opinion", args=[m])],
        "recall_opinion": [reverse("recall_opinion", args=[m, w.opinion.pk])],
        "basket": [reverse("basket", args=[code]) for code in ("to_qualify", "to_sign", "closed")],
        "basket_batch": [reverse("basket_batch", args=["to_qualify"])],
        "mail_detail": [reverse("mail_detail", args=[m]) + "?tab=" + tab for tab in TABS],
        "toggle_follow": [reverse("toggle_follow", args=[m])],
        "mail_file": [
            reverse("mail_file", args=[m, k])
            for k in ("pdf", "original", "thumbnail", "routing-slip")
        ],
        "qualify": [reverse("qualify", args=[m])],
        "qualify_defaults": [reverse("qualify_defaults", args=[m])],
        "mail_action": [reverse("mail_action", args=[m, a]) for a in ACTIONS],
        "release_lock": [reverse("release_lock", args=[m])],
        "lock_status": [reverse("lock_status", args=[m])],
        "take_over_lock": [reverse("take_over_lock", args=[m])],
        "add_note": [reverse("add_note", args=[m])],
        "apply_diffusion_template": [reverse("apply_diffusion_template", args=[m])],
        "remove_diffusion": [reverse("remove_diffusion", args=[m, w.entry.pk])],
        "add_attachment": [reverse("add_attachment", args=[m])],
        "add_attachment_version": [reverse("add_attachment_version", args=[m, w.attachment.pk])],
        "attachment_returned": [reverse("attachment_returned", args=[m, w.attachment.pk])],
        "attachment_file": [reverse("attachment_file", args=[w.attachment.pk, 1])],
        "attachment_pdf": [reverse("attachment_pdf", args=[w.attachment.pk, 1])],
        "signature_book_mail": [reverse("signature_book_mail", args=[m])],
        "acknowledgment_letter": [reverse("acknowledgment_letter", args=[m])],
        "attestation": [reverse("attestation", args=[m])],
        "statistics_mails": [
            reverse("statistics_mails", args=[c]) for c in ("late", "incoming", "decisions")
        ],
        "statistics_export": [reverse("statistics_export", args=["entities", "xlsx"])],
        "folder": [reverse("folder", args=[w.folder.pk])],
        "absence_cancel": [reverse("absence_cancel", args=[w.absence.pk])],
    }


TABS = ("document", "info", "diffusion", "notes", "attachments", "opinions", "reply", "history")
ACTIONS = (
    "redirect",
    "assign_to_me",
    "hold",
    "close",
    "mark_read",
    "add_to_folder",
    "send_copy",
    "request_pieces",
    "pieces_received",
    "transfer",
)
LOGIN_PAGES = ("/login/", "/admin/login/")  # the admin's previews send to the admin's own
FORM = {"text": "intrus", "entity": "", "note": "intrus", "title": "x", "steps": "", "close": "1"}


def route_names() -> set[str]:
    def walk(patterns: list[Any]) -> set[str]:
        names: set[str] = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":  # Django's admin: staff only, tested by Django
                    names |= walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)
        return names

    return walk(get_resolver().url_patterns)


def api_object_urls(w: World) -> dict[str, str]:
    """Every API address of one of Voirie's mails or of the mail room's objects."""
    mail = w.mail.pk
    urls = {
        name: reverse(f"api-mail-{name}", args=[mail])
        for name in [
            "detail",
            "notes",
            "qualify",
            "actions",
            "original",
            "pdf",
            "attachments",
            "diffusion",
            "opinions",
            "answer-opinion",
            "templates",
            "replies",
            "visa",
            "approve",
            "reject",
            "send",
            "annotations",
            "follow",
            "routing-slip",
        ]
    }
    urls |= {
        "perform-action": reverse("api-mail-perform-action", args=[mail, "close"]),
        "add-version": reverse("api-mail-add-version", args=[mail, w.attachment.pk]),
        "version-file": reverse("api-mail-version-file", args=[mail, w.attachment.pk, 1]),
        "remove-diffusion": reverse("api-mail-remove-diffusion", args=[mail, w.entry.pk]),
        "capture-input-detail": reverse("api-capture-input-detail", args=[w.capture_input.pk]),
        "capture-input-retry": reverse("api-capture-input-retry", args=[w.capture_input.pk]),
        "capture-input-set-aside": reverse(
            "api-capture-input-set-aside", args=[w.capture_input.pk]
        ),
    }
    return {
        f"api-mail-{k}" if not k.startswith("capture") else f"api-{k}": v for k, v in urls.items()
    }


def test_every_route_is_known_to_this_test(world):
    known = PUBLIC | OWN_PAGES | SHARED_DIRECTORY | API_ROUTES | set(object_urls(world))
    known |= set(api_object_urls(world))
    assert route_names() - known == set(), "new routes: say who may open them here"


def test_the_api_refuses_strangers_and_keeps_to_the_perimeter(client, world, outsider):
    detail = reverse("api-mail-detail", args=[world.mail.pk])
    for url in (reverse("api-root"), reverse("api-mail-list"), detail, reverse("api_schema")):
        assert client.get(url).status_code == 401, url
    client.force_login(outsider)
    assert client.get(detail).status_code == 404
    notes = reverse("api-mail-notes", args=[world.mail.pk])
    assert client.get(notes).status_code == 404
    assert client.post(notes, {"text": "intrus"}).status_code in (403, 404)
    listed = client.get(reverse("api-mail-list")).json()["results"]
    assert world.mail.pk not in [m["id"] for m in listed]


def test_every_api_address_of_a_mail_refuses_an_outsider_with_a_write_token(
    client, world, outsider
):
    _token, secret = ApiToken.issue(user=outsider, name="Intrus", scope=TokenScope.WRITE)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    before = JournalEvent.objects.count()
    for name, url in api_object_urls(world).items():
        for method in (client.get, client.post, client.delete):
            response = method(url, {}, content_type="application/json", **auth)
            assert response.status_code in (403, 404, 405), (name, method, response.status_code)
        assert client.get(url).status_code == 401, name  # no token, no session
    assert JournalEvent.objects.count() == before
    world.mail.refresh_from_db()
    assert world.mail.status == MailStatus.IN_PROGRESS
    assert world.mail.diffusion_entries.count() == 1 and world.mail.attachments.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    urls = [reverse(name) for name in OWN_PAGES]
    urls += [url for group in object_urls(world).values() for url in group]
    for url in urls:
        for response in (client.get(url), client.post(url, FORM)):
            assert response.status_code in (302, 405), url
            if response.status_code == 302:
                assert response["Location"].startswith(LOGIN_PAGES), url


def test_an_outsider_gets_nothing_and_changes_nothing(client, world, outsider):
    client.force_login(outsider)
    before = JournalEvent.objects.count()
    for name, urls in object_urls(world).items():
        for url in urls:
            for response in (client.get(url), client.post(url, FORM)):
                if name == "release_lock":  # lets go of one's own lock: one answer for any id
                    assert response.status_code in (204, 405) and not response.content
                    continue
                refused = response.status_code in (403, 404, 405) or (
                    response.status_code == 302
                    and response["Location"].startswith(LOGIN_PAGES)  # lacks the permission
                )
                assert refused, (name, url, response.status_code)
    assert JournalEvent.objects.count() == before
    world.mail.refresh_from_db()
    assert world.mail.status == MailStatus.IN_PROGRESS
    assert world.mail.attachments.count() == 1 and not world.mail.notes.exists()
    assert SavedSearch.objects.filter(pk=world.saved_search.pk).exists()
    assert not Absence.objects.get(pk=world.absence.pk).cancelled
