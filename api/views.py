"""The REST API, version 1: the same selectors as the screens, so the same perimeter."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from api.serializers import DocumentTypeSerializer, EntitySerializer, MailSerializer
from courrier.models import DocumentType, Entity, Mail
from courrier.selectors import visible_mails


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
)
class MailViewSet(viewsets.ReadOnlyModelViewSet[Mail]):
    serializer_class = MailSerializer

    def get_queryset(self) -> QuerySet[Mail]:
        mails = visible_mails(self.request.user).select_related(  # type: ignore[arg-type]
            "document_type", "destination_entity"
        )
        query = self.request.query_params
        filters = {
            "status": query.get("status"),
            "destination_entity__code": query.get("entity"),
            "document_type__code": query.get("type"),
            "chrono_number": query.get("chrono"),
        }
        return mails.filter(**{k: v for k, v in filters.items() if v}).order_by(
            "-arrival_date", "-id"
        )


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
