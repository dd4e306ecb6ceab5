"""What the API says of the core's objects."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from courrier.models import (
    CONTACT_FIELDS,
    Attachment,
    AttachmentKind,
    AttachmentVersion,
    Contact,
    DiffusionListEntry,
    DocumentType,
    Entity,
    Mail,
    Note,
    User,
)


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
    issuing_entity: serializers.SlugRelatedField[Entity] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    recipient_entity: serializers.SlugRelatedField[Entity] = serializers.SlugRelatedField(
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
            "issuing_entity",
            "recipient_entity",
            "arrival_date",
            "due_date",
            "dispatched_at",
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


class ContactSerializer(serializers.ModelSerializer[Contact]):
    class Meta:
        model = Contact
        fields = ["id", *CONTACT_FIELDS]
        read_only_fields = ["id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("last_name") or attrs.get("organisation_name")):
            raise serializers.ValidationError(_("Give a last name or an organisation name."))
        return attrs


class VersionSerializer(serializers.ModelSerializer[AttachmentVersion]):
    class Meta:
        model = AttachmentVersion
        fields = ["number", "file_name", "size", "sha256", "signed", "pdf_status", "created_at"]


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    kind: serializers.SlugRelatedField[AttachmentKind] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    versions = VersionSerializer(many=True, read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "chrono_number", "kind", "title", "created_at", "versions"]


class DiffusionSerializer(serializers.ModelSerializer[DiffusionListEntry]):
    entity: serializers.SlugRelatedField[Entity] = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Entity.objects.filter(active=True),
        required=False,
        allow_null=True,
    )
    user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = DiffusionListEntry
        fields = ["id", "role", "entity", "user", "read_at"]
        read_only_fields = ["id", "read_at"]
