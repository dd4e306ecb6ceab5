"""What the API says of the core's objects."""

from __future__ import annotations

from rest_framework import serializers

from courrier.models import DocumentType, Entity, Mail


class EntitySerializer(serializers.ModelSerializer[Entity]):
    class Meta:
        model = Entity
        fields = ["id", "code", "label", "parent", "active"]


class DocumentTypeSerializer(serializers.ModelSerializer[DocumentType]):
    class Meta:
        model = DocumentType
        fields = ["id", "code", "label", "delay_days", "delay_unit", "processing_mode", "active"]


class MailSerializer(serializers.ModelSerializer[Mail]):
    document_type: serializers.SlugRelatedField[DocumentType] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    destination_entity: serializers.SlugRelatedField[Entity] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    late = serializers.BooleanField(source="is_late", read_only=True)

    class Meta:
        model = Mail
        fields = [
            "id",
            "chrono_number",
            "category",
            "subject",
            "status",
            "priority",
            "channel",
            "document_type",
            "destination_entity",
            "arrival_date",
            "due_date",
            "closing_date",
            "confidential",
            "late",
        ]
