"""What the API says of the core's objects."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from courrier.models import DocumentType, Entity, Mail, Note


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
        slug_field="code", read_only=True, allow_null=True
    )
    destination_entity: serializers.SlugRelatedField[Entity] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
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


class NoteSerializer(serializers.ModelSerializer[Note]):
    author = serializers.CharField(source="author.get_full_name", read_only=True)
    restricted = serializers.SerializerMethodField()

    class Meta:
        model = Note
        fields = ["id", "author", "text", "created_at", "restricted"]
        read_only_fields = ["id", "author", "created_at", "restricted"]

    def get_restricted(self, note: Note) -> bool:
        return note.restricted_to.exists()


class BasketSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the basket's, not the field's
    count = serializers.IntegerField()
