"""Mail entering through the API: registered at once when it has no file, or handed to the
capture pipeline with its files (OCR, classification, "to qualify"), as a portal's or a
business application's web service would send it; and the capture inputs behind it."""

from __future__ import annotations

import base64
import binascii
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import caller
from api.errors import TooLarge
from api.serializers import ContactSerializer, MailSerializer
from capture.models import CaptureInput, InputStatus, SourceKind
from capture.options import CaptureOptions
from capture.services import receive_input, retry_input, set_aside_input
from capture.tasks import dispatch
from courrier.models import Channel, Contact, DocumentType, Entity, Priority
from courrier.selectors import visible_mails
from courrier.services.contacts import find_or_create_contact
from courrier.services.mail import Registration, register_mail


class EncodedFileSerializer(serializers.Serializer[dict[str, Any]]):
    """A file inside a JSON body, as Publik / w.c.s. sends it."""

    filename = serializers.CharField(max_length=255)
    content_type = serializers.CharField(max_length=100, default="application/octet-stream")
    content = serializers.CharField(help_text="Contenu du fichier en base64")

    def validate_content(self, value: str) -> bytes:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError(_("This is not base64.")) from exc


class NewMailSerializer(serializers.Serializer[dict[str, Any]]):
    subject = serializers.CharField(max_length=500)
    channel = serializers.ChoiceField(Channel.choices, default=Channel.WEB_FORM)
    document_type: serializers.SlugRelatedField[DocumentType] = serializers.SlugRelatedField(
        slug_field="code", queryset=DocumentType.objects.filter(active=True), required=False
    )
    entity: serializers.SlugRelatedField[Entity] = serializers.SlugRelatedField(
        slug_field="code", queryset=Entity.objects.filter(active=True), required=False
    )
    arrival_date = serializers.DateField(required=False)
    priority = serializers.ChoiceField(Priority.choices, default=Priority.NORMAL)
    confidential = serializers.BooleanField(default=False)
    sender = ContactSerializer(required=False)
    reference = serializers.CharField(
        max_length=100, required=False, help_text="Numéro de la demande chez l'appelant"
    )
    text = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    fields = serializers.DictField(  # type: ignore[assignment]  # the form's, not DRF's
        child=serializers.CharField(allow_blank=True, max_length=10_000),
        required=False,
        help_text="Champs du formulaire (libellé : valeur), repris dans le texte du courrier",
    )
    files = EncodedFileSerializer(many=True, required=False)


class UploadedMailSerializer(serializers.Serializer[dict[str, Any]]):
    """The same as multipart/form-data: scalar fields and one or more `document` parts."""

    subject = serializers.CharField(max_length=500)
    channel = serializers.ChoiceField(Channel.choices, default=Channel.UPLOAD)
    document_type = serializers.CharField(required=False)
    entity = serializers.CharField(required=False)
    confidential = serializers.BooleanField(default=False)
    document = serializers.ListField(child=serializers.FileField())


class CaptureInputSerializer(serializers.ModelSerializer[CaptureInput]):
    mails = serializers.SerializerMethodField()

    class Meta:
        model = CaptureInput
        fields = [
            "id",
            "source_kind",
            "file_name",
            "size",
            "status",
            "error",
            "attempts",
            "received_at",
            "finished_at",
            "mails",
        ]

    def get_mails(self, capture_input: CaptureInput) -> list[dict[str, Any]]:
        """Its registered mails: the number always (the caller sent it), the id when the
        caller may open the mail."""
        user = self.context["request"].user
        registered = [c.mail for c in capture_input.mails.all()]
        open_ids = set(
            visible_mails(user)
            .filter(pk__in=[m.pk for m in registered])
            .values_list("pk", flat=True)
        )
        return [
            {"chrono_number": m.chrono_number, "id": m.pk if m.pk in open_ids else None}
            for m in registered
        ]


def form_text(data: dict[str, Any]) -> str:
    lines = [f"Référence : {data['reference']}"] if data.get("reference") else []
    lines += [f"{label} : {value}" for label, value in (data.get("fields") or {}).items()]
    if data.get("text"):
        lines += ["", data["text"]] if lines else [data["text"]]
    return "\n".join(lines)


def _sender(data: dict[str, Any]) -> Contact | None:
    given = data.get("sender")
    if not given:
        return None
    return find_or_create_contact(actor=None, candidate=Contact(**given))


def as_message(
    data: dict[str, Any], sender: Contact | None, files: list[tuple[str, str, bytes]]
) -> bytes:
    """The request with its files as one RFC 5322 message: an immutable original that the
    e-mail pipeline renders (the fields as its body, each file OCRed as an attachment)."""
    message = EmailMessage()
    name = str(sender) if sender else settings.BANNETTE_ORGANISATION_NAME
    message["From"] = f"{name} <{sender.email}>" if sender and sender.email else name
    message["To"] = settings.BANNETTE_ORGANISATION_NAME
    message["Subject"] = data["subject"]
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="bannette.local")
    message.set_content(form_text(data) or data["subject"])
    for filename, content_type, content in files:
        maintype, _sep, subtype = content_type.partition("/")
        message.add_attachment(
            content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=filename,
        )
    return bytes(message)


@extend_schema_view(
    list=extend_schema(summary="Mes dépôts et les erreurs de capture"),
    retrieve=extend_schema(summary="Un dépôt : son état et ses courriers"),
)
class CaptureInputViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CaptureInput]
):
    serializer_class = CaptureInputSerializer
    queryset = CaptureInput.objects.none()

    def get_queryset(self) -> QuerySet[CaptureInput]:
        """What the caller sent, and the capture errors when their role lets them retry."""
        user = caller(self.request)
        seen = Q(created_by=user)
        if user.has_perm("capture.view_captureinput"):
            seen |= Q(status__in=[InputStatus.ERROR, InputStatus.SET_ASIDE])
        return (
            CaptureInput.objects.filter(seen)
            .prefetch_related("mails__mail")
            .order_by("-received_at", "-pk")
        )

    @extend_schema(
        summary="Mettre de côté une capture en erreur",
        request=inline_serializer("SetAside", {"reason": serializers.CharField()}),
    )
    @action(detail=True, methods=["post"], url_path="set-aside")
    def set_aside(self, request: Request, pk: str | None = None) -> Response:
        capture_input = self.get_object()
        set_aside_input(
            actor=caller(request),
            capture_input=capture_input,
            reason=str(request.data.get("reason", "")),
        )
        capture_input.refresh_from_db()
        return Response(self.get_serializer(capture_input).data)

    @extend_schema(summary="Relancer une capture en erreur", request=None)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        capture_input = self.get_object()
        retry_input(actor=caller(request), capture_input=capture_input)
        capture_input.refresh_from_db()
        return Response(self.get_serializer(capture_input).data)


def create_mail(request: Request) -> Response:
    """POST /mails/: registered now without a file (201), captured with files (202)."""
    user = caller(request)
    if not user.has_perm("capture.add_captureinput"):
        raise exceptions.PermissionDenied(_("Your role does not allow registering mail."))
    if request.content_type.startswith("multipart/"):
        return _create_from_upload(request)
    given = NewMailSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    data = given.validated_data
    files = [(f["filename"], f["content_type"], f["content"]) for f in data.get("files", [])]
    with transaction.atomic():
        sender = _sender(data)
        if not files:
            mail = register_mail(
                actor=user,
                registration=Registration(
                    subject=data["subject"],
                    channel=data["channel"],
                    document_type=data.get("document_type"),
                    destination_entity=data.get("entity"),
                    arrival_date=data.get("arrival_date"),
                    priority=data["priority"],
                    confidential=data["confidential"],
                    senders=[sender] if sender else [],
                    text=form_text(data),
                ),
            )
            return Response(MailSerializer(mail).data, status=status.HTTP_201_CREATED)
        capture_input = _receive(
            user,
            name="demande.eml",
            content=as_message(data, sender, files),
            options=_options(data, sender),
        )
    return _accepted(request, [capture_input])


def _options(data: dict[str, Any], sender: Contact | None) -> CaptureOptions:
    options: CaptureOptions = {
        "channel": data["channel"],
        "split": False,
        "subject": data["subject"],
        "entity": data["entity"].code if data.get("entity") else None,
        "document_type": data["document_type"].code if data.get("document_type") else None,
        "confidential": data["confidential"],
    }
    if sender is not None:
        options["sender_contact"] = sender.pk
    return options


def _create_from_upload(request: Request) -> Response:
    given = UploadedMailSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    data = given.validated_data
    codes = {
        "entity": (Entity, data.get("entity")),
        "document_type": (DocumentType, data.get("document_type")),
    }
    for field, (model, code) in codes.items():
        if code and not model.objects.filter(code=code, active=True).exists():  # type: ignore[attr-defined]
            raise exceptions.ValidationError({field: _("Unknown code: %(code)s") % {"code": code}})
    received = []
    with transaction.atomic():
        for upload in data["document"]:
            if upload.size > settings.BANNETTE_CAPTURE_MAX_BYTES:
                raise TooLarge(_("%(name)s is over the size limit.") % {"name": upload.name})
            options: CaptureOptions = {
                "channel": data["channel"],
                "split": False,
                "subject": data["subject"],
                "entity": data.get("entity") or None,
                "document_type": data.get("document_type") or None,
                "confidential": data["confidential"],
            }
            received.append(
                _receive(caller(request), name=upload.name, content=upload.read(), options=options)
            )
    return _accepted(request, received)


def _receive(user: Any, *, name: str, content: bytes, options: CaptureOptions) -> CaptureInput:
    if len(content) > settings.BANNETTE_CAPTURE_MAX_BYTES:
        raise TooLarge(_("%(name)s is over the size limit.") % {"name": name})
    capture_input = receive_input(
        source_kind=SourceKind.API,
        source_name=_("API"),
        name=name,
        content=content,
        options=options,
        actor=user,
    )
    transaction.on_commit(lambda: dispatch(capture_input.pk))
    return capture_input


def _accepted(request: Request, inputs: list[CaptureInput]) -> Response:
    """Received and safe; the capture runs in the background (follow each input's address)."""
    body = CaptureInputSerializer(
        CaptureInput.objects.filter(pk__in=[i.pk for i in inputs]).order_by("pk"),
        many=True,
        context={"request": request},
    ).data
    return Response({"inputs": body}, status=status.HTTP_202_ACCEPTED)


CREATE_SCHEMA = extend_schema(
    summary="Enregistrer un courrier",
    description=(
        "Sans fichier : le courrier est enregistré aussitôt (201) dans la bannette « À qualifier ». "
        "Avec des fichiers (JSON en base64, comme l'action « Appel de webservice » de w.c.s., ou "
        "multipart/form-data avec une ou plusieurs parties « document ») : la capture (OCR, "
        "classement) suit en tâche de fond (202) ; suivez chaque dépôt à son adresse "
        "/api/v1/capture-inputs/{id}/."
    ),
    request={
        "application/json": NewMailSerializer,
        "multipart/form-data": UploadedMailSerializer,
    },
    responses={201: MailSerializer, 202: CaptureInputSerializer(many=True)},
    examples=[
        OpenApiExample(
            "Demande d'un portail",
            request_only=True,
            media_type="application/json",
            value={
                "subject": "Demande de carte de stationnement résident",
                "channel": "web_form",
                "document_type": "DEM",
                "reference": "stationnement-42",
                "sender": {
                    "first_name": "Claire",
                    "last_name": "Martin",
                    "email": "claire.martin@example.org",
                    "address_line1": "3 rue des Lilas",
                    "postcode": "59000",
                    "city": "Lille",
                },
                "fields": {"Immatriculation": "AB-123-CD", "Adresse": "3 rue des Lilas"},
                "files": [
                    {
                        "filename": "justificatif.pdf",
                        "content_type": "application/pdf",
                        "content": "JVBERi0xLjQK…",
                    }
                ],
            },
        )
    ],
)
