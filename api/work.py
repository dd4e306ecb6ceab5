"""Working on a mail through the API: qualification, the action catalogue, attachments and
their versions, diffusion, opinions, reply drafts and visa decisions. Each call goes through
the same service as the screen (perimeter, role, lock, journal); a refusal is a 400 or a 403
with the service's own French message."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import CodeField, caller
from api.serializers import AttachmentSerializer, DiffusionSerializer, MailSerializer
from courrier.models import (
    Attachment,
    AttachmentKind,
    AttachmentVersion,
    Channel,
    Contact,
    DiffusionListEntry,
    DocumentType,
    Entity,
    Folder,
    Mail,
    Priority,
    User,
)
from courrier.services import circulation
from courrier.services.actions import CATALOGUE, Acting, ActionInput, mail_actions, perform
from courrier.services.mail import IncomingFile, Qualification, qualify_mail
from courrier.services.processing import remove_diffusion_entry
from courrier.views.mail import safe_download
from templates_office.models import OfficeTemplate
from templates_office.services import draft_reply, templates_for
from visa.annotations import annotate
from visa.models import AnnotationPlace, DraftAnnotation, OpinionRequest, VisaStep, VisaStepRole
from visa.opinions import answer_opinion, opinion_requests, request_opinion
from visa.services import approve, reject, start_visa_circuit

BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


def _codes(model: type[Entity] | type[DocumentType]) -> Any:
    return model.objects.filter(active=True)


class QualificationSerializer(serializers.Serializer[dict[str, Any]]):
    document_type: CodeField = CodeField(slug_field="code", queryset=_codes(DocumentType))
    entity: CodeField = CodeField(slug_field="code", queryset=_codes(Entity))
    subject = serializers.CharField(max_length=500, required=False, allow_blank=True)
    assignee: CodeField = CodeField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False
    )
    due_date = serializers.DateField(required=False)
    document_date = serializers.DateField(required=False)
    priority = serializers.ChoiceField(Priority.choices, required=False)
    confidential = serializers.BooleanField(required=False, allow_null=True, default=None)
    senders: serializers.PrimaryKeyRelatedField[Contact] = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.filter(active=True), many=True, required=False
    )
    copies: CodeField = CodeField(
        slug_field="code", queryset=_codes(Entity), many=True, required=False
    )
    keywords = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    custom_fields = serializers.DictField(required=False)
    channel = serializers.ChoiceField(Channel.choices, required=False)


class ActionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the action's
    asks = serializers.ListField(child=serializers.CharField())
    confirm = serializers.BooleanField()


class ActionInputSerializer(serializers.Serializer[dict[str, Any]]):
    entity: CodeField = CodeField(slug_field="code", queryset=_codes(Entity), required=False)
    user: CodeField = CodeField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    restricted_to: CodeField = CodeField(
        slug_field="code", queryset=_codes(Entity), many=True, required=False
    )
    folder: serializers.PrimaryKeyRelatedField[Folder] = serializers.PrimaryKeyRelatedField(
        queryset=Folder.objects.all(), required=False
    )
    other = serializers.CharField(
        required=False, max_length=64, help_text="Numéro chrono du courrier à lier"
    )
    text = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    day = serializers.DateField(required=False)


class NewAttachmentSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.CharField(help_text="Code du type de pièce jointe")
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    file = serializers.FileField()
    recipient: serializers.PrimaryKeyRelatedField[Contact] = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.filter(active=True), required=False
    )
    expected_return_date = serializers.DateField(required=False)


class NewVersionSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField()


class OpinionAskSerializer(serializers.Serializer[Any]):
    entity = serializers.CharField(source="entity.code", allow_null=True, default=None)
    user = serializers.CharField(source="user.username", allow_null=True, default=None)
    state = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answer = serializers.CharField(source="answer.text", allow_null=True, default=None)


class OpinionRequestSerializer(serializers.ModelSerializer[OpinionRequest]):
    requested_by = serializers.CharField(source="requested_by.username")
    asks = OpinionAskSerializer(many=True)

    class Meta:
        model = OpinionRequest
        fields = ["id", "requested_by", "reason", "deadline", "sequential", "recalled_at", "asks"]


class AskOpinionSerializer(serializers.Serializer[dict[str, Any]]):
    entities: CodeField = CodeField(
        slug_field="code", queryset=_codes(Entity), many=True, required=False
    )
    users: CodeField = CodeField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        many=True,
        required=False,
    )
    reason = serializers.CharField(max_length=10_000)
    deadline = serializers.DateField()
    sequential = serializers.BooleanField(default=False)


class TextSerializer(serializers.Serializer[dict[str, Any]]):
    text = serializers.CharField(max_length=10_000)


class TemplateSerializer(serializers.ModelSerializer[OfficeTemplate]):
    class Meta:
        model = OfficeTemplate
        fields = ["id", "label", "kind"]


class NewReplySerializer(serializers.Serializer[dict[str, Any]]):
    template = serializers.IntegerField(
        help_text="Identifiant d'un modèle proposé pour ce courrier"
    )


class VisaStepSerializer(serializers.ModelSerializer[VisaStep]):
    user = serializers.CharField(source="user.username")

    class Meta:
        model = VisaStep
        fields = ["position", "user", "role", "state", "current_since", "decided_at", "comment"]


class CircuitStepSerializer(serializers.Serializer[dict[str, Any]]):
    user: CodeField = CodeField(slug_field="username", queryset=User.objects.filter(is_active=True))
    role = serializers.ChoiceField(VisaStepRole.choices, default=VisaStepRole.VISA)


class NewCircuitSerializer(serializers.Serializer[dict[str, Any]]):
    steps = CircuitStepSerializer(many=True)
    draft = serializers.IntegerField(required=False, help_text="Identifiant du projet de réponse")


class DecisionSerializer(serializers.Serializer[dict[str, Any]]):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class RejectionSerializer(serializers.Serializer[dict[str, Any]]):
    note = serializers.CharField(max_length=10_000)
    to_previous = serializers.BooleanField(default=False)


class AnnotationSerializer(serializers.ModelSerializer[DraftAnnotation]):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = DraftAnnotation
        fields = ["id", "draft", "version", "page", "place", "text", "author", "created_at"]
        read_only_fields = ["id", "draft", "version", "author", "created_at"]


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    given = serializer_class(data=request.data)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


def _circuit(mail: Mail) -> QuerySet[VisaStep]:
    return mail.visa_steps.select_related("user").order_by("position")


class MailWork:
    """The MailViewSet's work on one mail (its get_object applies the perimeter)."""

    get_object: Any

    @extend_schema(
        summary="Qualifier un courrier", request=QualificationSerializer, responses=MailSerializer
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        data = _valid(QualificationSerializer, request)
        qualification = Qualification(
            document_type=data["document_type"],
            destination_entity=data["entity"],
            subject=data.get("subject", ""),
            recipient_user=data.get("assignee"),
            due_date=data.get("due_date"),
            document_date=data.get("document_date"),
            priority=data.get("priority"),
            confidential=data.get("confidential"),
            senders=[(c, None) for c in data["senders"]] if "senders" in data else None,
            copies=data.get("copies", []),
            keywords=data.get("keywords"),
            custom_fields=data.get("custom_fields", {}),
            channel=data.get("channel"),
        )
        qualify_mail(actor=caller(request), mail=mail, qualification=qualification)
        return Response(MailSerializer(Mail.objects.get(pk=mail.pk)).data)

    @extend_schema(
        summary="Actions possibles sur le courrier", responses=ActionSerializer(many=True)
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def actions(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        offered = [
            {"code": a.code, "label": str(a.label), "asks": list(a.asks), "confirm": a.confirm}
            for a in mail_actions(mail, caller(request))
        ]
        return Response(ActionSerializer(offered, many=True).data)

    @extend_schema(
        summary="Exécuter une action du catalogue",
        description="Codes : " + ", ".join(CATALOGUE) + ". Chaque action lit les champs "
        "qu'elle demande (voir /actions/).",
        request=ActionInputSerializer,
        responses=MailSerializer,
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, enum=list(CATALOGUE))],
        examples=[OpenApiExample("Réorienter", value={"entity": "VOIR", "note": "Voirie."})],
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<code>[a-z_]+)")
    def perform_action(self, request: Request, pk: str | None = None, code: str = "") -> Response:
        mail = self.get_object()
        if code not in CATALOGUE:
            raise Http404
        data = _valid(ActionInputSerializer, request)
        other_number = data.get("other")
        other = None
        if other_number:
            other = (
                self.get_queryset().filter(chrono_number=other_number).first()  # type: ignore[attr-defined]
            )
            if other is None:
                raise serializers.ValidationError({"other": _("No such mail.")})
        given = ActionInput(
            entity=data.get("entity"),
            user=data.get("user"),
            note=data.get("note", ""),
            restricted_to=data.get("restricted_to", []),
            folder=data.get("folder"),
            other=other,
            text=data.get("text", ""),
            day=data.get("day"),
        )
        perform(Acting(caller(request)), code, mail, given)
        return Response(MailSerializer(Mail.objects.get(pk=mail.pk)).data)

    @extend_schema(summary="Le document d'origine du courrier", responses=BINARY)
    @action(detail=True, methods=["get"])
    def original(self, request: Request, pk: str | None = None) -> FileResponse:
        mail = self.get_object()
        if not mail.original:
            raise Http404
        return safe_download(mail.original, mail.original_name or "original")

    @extend_schema(summary="Le PDF du courrier (avec sa couche de texte)", responses=BINARY)
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> FileResponse:
        mail = self.get_object()
        field = mail.searchable_pdf or mail.original
        if not field:
            raise Http404
        return safe_download(field, f"{mail.chrono_number or mail.pk}.pdf")

    @extend_schema(
        methods=["GET"],
        summary="Pièces jointes et leurs versions",
        responses=AttachmentSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Joindre un fichier",
        request={"multipart/form-data": NewAttachmentSerializer},
        responses={201: AttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        if request.method == "POST":
            data = _valid(NewAttachmentSerializer, request)
            kind = AttachmentKind.objects.filter(code=data["kind"]).first()
            if kind is None:
                raise serializers.ValidationError({"kind": _("Unknown attachment kind.")})
            upload = data["file"]
            attachment = circulation.add_attachment(
                actor=caller(request),
                mail=mail,
                kind=kind,
                title=data.get("title") or upload.name,
                file=IncomingFile(upload.name, upload.read(), upload.content_type or ""),
                recipient=data.get("recipient"),
                expected_return_date=data.get("expected_return_date"),
            )
            return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
        attachments = mail.attachments.select_related("kind").prefetch_related("versions")
        return Response(AttachmentSerializer(attachments.order_by("pk"), many=True).data)

    @extend_schema(
        summary="Ajouter une version à une pièce jointe",
        request={"multipart/form-data": NewVersionSerializer},
        responses={201: AttachmentSerializer},
        parameters=[OpenApiParameter("attachment", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"attachments/(?P<attachment>\d+)/versions")
    def add_version(
        self, request: Request, pk: str | None = None, attachment: str = ""
    ) -> Response:
        mail = self.get_object()
        target = get_object_or_404(Attachment, pk=attachment, mail=mail)
        upload = _valid(NewVersionSerializer, request)["file"]
        circulation.add_attachment_version(
            actor=caller(request),
            attachment=target,
            file=IncomingFile(upload.name, upload.read(), upload.content_type or ""),
        )
        return Response(AttachmentSerializer(target).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Télécharger une version de pièce jointe",
        responses=BINARY,
        parameters=[
            OpenApiParameter("attachment", int, OpenApiParameter.PATH),
            OpenApiParameter("number", int, OpenApiParameter.PATH),
        ],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment>\d+)/versions/(?P<number>\d+)",
    )
    def version_file(
        self, request: Request, pk: str | None = None, attachment: str = "", number: str = ""
    ) -> FileResponse:
        mail = self.get_object()
        version = get_object_or_404(
            AttachmentVersion, attachment__pk=attachment, attachment__mail=mail, number=number
        )
        return safe_download(version.file, version.file_name)

    @extend_schema(
        methods=["GET"], summary="Liste de diffusion", responses=DiffusionSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Ajouter à la diffusion",
        request=DiffusionSerializer,
        responses={201: DiffusionSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def diffusion(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        if request.method == "POST":
            data = _valid(DiffusionSerializer, request)
            entry = circulation.add_diffusion_entry(
                actor=caller(request),
                mail=mail,
                role=data["role"],
                entity=data.get("entity"),
                user=data.get("user"),
            )
            return Response(DiffusionSerializer(entry).data, status=status.HTTP_201_CREATED)
        entries = mail.diffusion_entries.select_related("entity", "user").order_by("pk")
        return Response(DiffusionSerializer(entries, many=True).data)

    @extend_schema(
        summary="Retirer une copie de la diffusion",
        request=None,
        responses={204: OpenApiResponse(description="Retirée")},
        parameters=[OpenApiParameter("entry", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=r"diffusion/(?P<entry>\d+)")
    def remove_diffusion(
        self, request: Request, pk: str | None = None, entry: str = ""
    ) -> Response:
        mail = self.get_object()
        line = get_object_or_404(DiffusionListEntry, pk=entry, mail=mail)
        remove_diffusion_entry(actor=caller(request), entry=line)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"], summary="Demandes d'avis", responses=OpinionRequestSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Demander des avis",
        request=AskOpinionSerializer,
        responses={201: OpinionRequestSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def opinions(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        if request.method == "POST":
            data = _valid(AskOpinionSerializer, request)
            asked = [*data.get("entities", []), *data.get("users", [])]
            made = request_opinion(
                actor=caller(request),
                mail=mail,
                asked=asked,
                reason=data["reason"],
                deadline=data["deadline"],
                sequential=data["sequential"],
            )
            made = opinion_requests(mail).get(pk=made.pk)
            return Response(OpinionRequestSerializer(made).data, status=status.HTTP_201_CREATED)
        return Response(OpinionRequestSerializer(opinion_requests(mail), many=True).data)

    @extend_schema(
        summary="Donner mon avis", request=TextSerializer, responses=OpinionRequestSerializer
    )
    @action(detail=True, methods=["post"], url_path="opinions/answer")
    def answer_opinion(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        ask = answer_opinion(
            actor=caller(request), mail=mail, text=_valid(TextSerializer, request)["text"]
        )
        return Response(
            OpinionRequestSerializer(opinion_requests(mail).get(pk=ask.request_id)).data
        )

    @extend_schema(
        summary="Modèles proposés pour ce courrier", responses=TemplateSerializer(many=True)
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def templates(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        offered: QuerySet[OfficeTemplate] = templates_for(caller(request), mail)
        return Response(TemplateSerializer(offered.order_by("label"), many=True).data)

    @extend_schema(
        summary="Rédiger un projet de réponse depuis un modèle",
        request=NewReplySerializer,
        responses={201: AttachmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def replies(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        template_id = _valid(NewReplySerializer, request)["template"]
        template = templates_for(caller(request), mail).filter(pk=template_id).first()
        if template is None:
            raise serializers.ValidationError(
                {"template": _("This template is not offered for this mail.")}
            )
        draft = draft_reply(actor=caller(request), mail=mail, template=template)
        return Response(AttachmentSerializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"], summary="Circuit de visa", responses=VisaStepSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Lancer le circuit de visa",
        request=NewCircuitSerializer,
        responses={201: VisaStepSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def visa(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        if request.method == "POST":
            data = _valid(NewCircuitSerializer, request)
            draft = None
            if data.get("draft") is not None:
                draft = mail.attachments.filter(pk=data["draft"]).first()
                if draft is None:
                    raise serializers.ValidationError({"draft": _("No such draft on this mail.")})
            steps = start_visa_circuit(
                actor=caller(request),
                mail=mail,
                steps=[(s["user"], s["role"]) for s in data["steps"]],
                draft=draft,
            )
            return Response(
                VisaStepSerializer(steps, many=True).data, status=status.HTTP_201_CREATED
            )
        return Response(VisaStepSerializer(_circuit(mail), many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Annotations du projet",
        responses=AnnotationSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Annoter une page du projet (sur une copie : le projet ne change pas)",
        request=AnnotationSerializer,
        responses={201: AnnotationSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def annotations(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        if request.method == "POST":
            data = _valid(AnnotationSerializer, request)
            note = annotate(
                actor=caller(request),
                mail=mail,
                page=data["page"],
                text=data["text"],
                place=data.get("place", AnnotationPlace.TOP),
            )
            return Response(AnnotationSerializer(note).data, status=status.HTTP_201_CREATED)
        notes = DraftAnnotation.objects.filter(mail=mail).select_related("author")
        return Response(AnnotationSerializer(notes, many=True).data)

    @extend_schema(
        summary="Viser le projet de réponse",
        request=DecisionSerializer,
        responses=VisaStepSerializer(many=True),
    )
    @action(detail=True, methods=["post"], url_path="visa/approve")
    def approve(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        comment = _valid(DecisionSerializer, request).get("comment", "")
        approve(actor=caller(request), mail=mail, comment=comment)
        steps = _circuit(mail)
        return Response(VisaStepSerializer(steps, many=True).data)

    @extend_schema(
        summary="Refuser le projet de réponse",
        request=RejectionSerializer,
        responses=VisaStepSerializer(many=True),
    )
    @action(detail=True, methods=["post"], url_path="visa/reject")
    def reject(self, request: Request, pk: str | None = None) -> Response:
        mail = self.get_object()
        data = _valid(RejectionSerializer, request)
        reject(actor=caller(request), mail=mail, note=data["note"], to_previous=data["to_previous"])
        steps = _circuit(mail)
        return Response(VisaStepSerializer(steps, many=True).data)
