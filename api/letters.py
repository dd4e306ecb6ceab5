"""Writing and sending through the API: a letter of the organisation's own or an internal mail
(POST /mails/letters/), and sending what was signed (POST /mails/{id}/send/): a reply, a
letter, or an internal mail handed to its service. The same services as the screens."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import CodeField, caller
from api.serializers import MailSerializer
from courrier.models import Attachment, Category, Contact, DocumentType, Entity, Mail, Priority
from courrier.services.initiative import NewLetter, send_internal, start_letter
from courrier.services.outgoing import send_reply_by_email, send_reply_by_post

DRAFT_KIND = "reply_draft"
SEND_CHANNELS = [("email", "Courriel"), ("post", "Courrier postal")]


class NewLetterSerializer(serializers.Serializer[dict[str, Any]]):
    category = serializers.ChoiceField(
        [(Category.OUTGOING, "Départ"), (Category.INTERNAL, "Interne")],
        help_text="outgoing : courrier départ à l'initiative de l'organisation ; "
        "internal : courrier interne à un autre service",
    )
    subject = serializers.CharField(max_length=500)
    entity: CodeField = CodeField(
        slug_field="code",
        queryset=Entity.objects.filter(active=True),
        help_text="Code du service qui écrit (l'un des siens)",
    )
    recipient: serializers.PrimaryKeyRelatedField[Contact] = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        required=False,
        allow_null=True,
        help_text="Contact destinataire (départ)",
    )
    recipient_entity: CodeField = CodeField(
        slug_field="code",
        queryset=Entity.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text="Code du service destinataire (interne)",
    )
    document_type: CodeField = CodeField(
        slug_field="code",
        queryset=DocumentType.objects.filter(active=True),
        required=False,
        allow_null=True,
    )
    priority = serializers.ChoiceField(Priority.choices, default=Priority.NORMAL)
    confidential = serializers.BooleanField(default=False)
    text = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    custom_fields = serializers.DictField(
        required=False,
        help_text="Champs personnalisés du modèle d'indexation de la catégorie (par code)",
    )


class SendSerializer(serializers.Serializer[dict[str, Any]]):
    channel = serializers.ChoiceField(
        SEND_CHANNELS,
        required=False,
        help_text="Réponse ou départ : par courriel ou par la poste (ignoré pour un interne)",
    )
    draft = serializers.IntegerField(
        required=False, help_text="Projet à envoyer (par défaut le plus récent)"
    )
    to = serializers.EmailField(required=False, allow_blank=True)
    from_entity = serializers.BooleanField(default=True)
    close_incoming = serializers.BooleanField(default=True)


class MailLetters:
    """The MailViewSet's writing and sending (its get_object applies the perimeter)."""

    get_object: Any

    @extend_schema(
        summary="Écrire un courrier départ ou interne",
        request=NewLetterSerializer,
        responses={201: MailSerializer},
        examples=[
            OpenApiExample(
                "Courrier interne",
                value={
                    "category": "internal",
                    "subject": "Budget 2027 de la voirie",
                    "entity": "VOIRIE",
                    "recipient_entity": "FIN",
                },
            )
        ],
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def letters(self, request: Request) -> Response:
        data = NewLetterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        mail = start_letter(
            actor=caller(request),
            letter=NewLetter(
                category=given["category"],
                subject=given["subject"],
                entity=given["entity"],
                recipient=given.get("recipient"),
                recipient_entity=given.get("recipient_entity"),
                document_type=given.get("document_type"),
                priority=given["priority"],
                confidential=given["confidential"],
                text=given.get("text", ""),
                custom_fields=given.get("custom_fields", {}),
            ),
        )
        return Response(MailSerializer(mail).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Envoyer la réponse ou le courrier signé",
        request=SendSerializer,
        responses={201: MailSerializer},
    )
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        """A reply is registered as a new outgoing mail (returned); a letter leaves as itself;
        an internal mail goes to its service's baskets."""
        mail: Mail = self.get_object()
        given = SendSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        drafts = mail.attachments.filter(kind__code=DRAFT_KIND)
        draft: Attachment | None = (
            drafts.filter(pk=data["draft"]).first()
            if "draft" in data
            else drafts.order_by("-created_at").first()
        )
        if "draft" in data and draft is None:
            raise serializers.ValidationError({"draft": _("No such draft on this mail.")})
        user = caller(request)
        if mail.category == Category.INTERNAL:
            sent = send_internal(actor=user, mail=mail, draft=draft)
            return Response(MailSerializer(sent).data, status=status.HTTP_201_CREATED)
        if draft is None:
            raise exceptions.ValidationError({"draft": _("There is no draft to send.")})
        if data.get("channel") == "post":
            sent = send_reply_by_post(
                actor=user, mail=mail, draft=draft, close_incoming=data["close_incoming"]
            )
        else:
            sent = send_reply_by_email(
                actor=user,
                mail=mail,
                draft=draft,
                to=data.get("to", ""),
                from_entity=data["from_entity"],
                close_incoming=data["close_incoming"],
            )
        return Response(MailSerializer(sent).data, status=status.HTTP_201_CREATED)
