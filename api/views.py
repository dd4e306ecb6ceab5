"""The REST API, version 1: the same selectors as the screens, so the same perimeter."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import caller
from api.desk import MailDesk
from api.intake import CREATE_SCHEMA, create_mail
from api.letters import MailLetters
from api.serializers import (
    BasketSerializer,
    DocumentTypeSerializer,
    EntitySerializer,
    MailSerializer,
    NoteSerializer,
)
from api.work import MailWork
from courrier.baskets import basket_mails, baskets_for
from courrier.models import DocumentType, Entity, Mail
from courrier.selectors import visible_mails, visible_notes
from courrier.services.circulation import add_note


@extend_schema_view(
    list=extend_schema(
        summary="Courriers visibles",
        description="Les courriers que l'utilisateur peut ouvrir, les plus récents d'abord.",
        parameters=[
            OpenApiParameter("status", str, description="Statut, par exemple in_progress"),
            OpenApiParameter("entity", str, description="Code de l'entité destinataire"),
            OpenApiParameter("type", str, description="Code du type de document"),
            OpenApiParameter("chrono", str, description="Numéro chrono exact"),
        ],
    ),
    retrieve=extend_schema(summary="Un courrier"),
    create=CREATE_SCHEMA,
)
class MailViewSet(MailDesk, MailLetters, MailWork, viewsets.ReadOnlyModelViewSet[Mail]):
    serializer_class = MailSerializer
    queryset = Mail.objects.none()  # for the schema; get_queryset gives the caller's perimeter

    @extend_schema(
        methods=["GET"], summary="Annotations du courrier", responses=NoteSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Annoter le courrier",
        request=NoteSerializer,
        responses={201: NoteSerializer},
        examples=[OpenApiExample("Annotation", value={"text": "Appeler le demandeur lundi."})],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def notes(self, request: Request, pk: str | None = None) -> Response:
        """The notes the caller may read; a new one through the same service as the screen
        (perimeter, lock, journal)."""
        mail = self.get_object()
        user = caller(request)
        if request.method == "POST":
            written = NoteSerializer(data=request.data)
            written.is_valid(raise_exception=True)
            note = add_note(actor=user, mail=mail, text=written.validated_data["text"])
            return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        notes = visible_notes(user, mail).select_related("author").order_by("created_at")
        return Response(NoteSerializer(notes, many=True).data)

    def create(self, request: Request) -> Response:
        return create_mail(request)

    def get_queryset(self) -> QuerySet[Mail]:
        mails = visible_mails(caller(self.request)).select_related(
            "document_type", "destination_entity"
        )
        query = self.request.query_params
        filters = {
            "status": query.get("status"),
            "destination_entity__code": query.get("entity"),
            "document_type__code": query.get("type"),
            "chrono_number": query.get("chrono"),
        }
        chosen = {k: v for k, v in filters.items() if v}
        if any("\x00" in value for value in chosen.values()):
            return mails.none()  # no code or number holds one (PostgreSQL refuses it in a query)
        return mails.filter(**chosen).order_by("-arrival_date", "-id")


@extend_schema_view(
    list=extend_schema(summary="Entités"), retrieve=extend_schema(summary="Une entité")
)
class EntityViewSet(viewsets.ReadOnlyModelViewSet[Entity]):
    serializer_class = EntitySerializer
    queryset = Entity.objects.order_by("label")


@extend_schema_view(
    list=extend_schema(summary="Types de document"),
    retrieve=extend_schema(summary="Un type de document"),
)
class DocumentTypeViewSet(viewsets.ReadOnlyModelViewSet[DocumentType]):
    serializer_class = DocumentTypeSerializer
    queryset = DocumentType.objects.order_by("label")


@extend_schema_view(
    list=extend_schema(summary="Mes bannettes", responses=BasketSerializer(many=True)),
    retrieve=extend_schema(
        summary="Les courriers d'une bannette",
        operation_id="baskets_mails",
        responses=MailSerializer(many=True),
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="Code")],
    ),
)
class BasketViewSet(viewsets.ViewSet):
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def list(self, request: Request) -> Response:
        user = caller(request)
        rows = [
            {"code": b.code, "label": b.label, "count": basket_mails(b, user).count()}
            for b in baskets_for(user)
        ]
        return Response(BasketSerializer(rows, many=True).data)  # type: ignore[arg-type]

    def retrieve(self, request: Request, code: str | None = None) -> Response:
        user = caller(request)
        basket = baskets_for(user).filter(code=code).first()
        if basket is None:
            raise exceptions.NotFound()
        mails = basket_mails(basket, user).select_related("document_type", "destination_entity")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(mails.order_by("due_date", "pk"), request, view=self)
        return paginator.get_paginated_response(MailSerializer(page, many=True).data)
