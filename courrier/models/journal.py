"""The probative journal: append-only, hash-chained events."""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

_Row = TypeVar("_Row", bound=models.Model)


class JournalTampering(Exception):
    """Raised on any attempt to change or delete a journal event through the ORM."""


class AppendOnlyQuerySet(models.QuerySet[_Row]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise JournalTampering(f"{self.model._meta.verbose_name_plural} cannot be updated")

    def delete(self) -> NoReturn:
        raise JournalTampering(f"{self.model._meta.verbose_name_plural} cannot be deleted")


class AppendOnly(models.Model):
    """Rows written once: the ORM refuses to change or delete them (on PostgreSQL, triggers
    refuse it below the ORM too)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise JournalTampering(f"{self._meta.verbose_name_plural} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise JournalTampering(f"{self._meta.verbose_name_plural} cannot be deleted")


class JournalEvent(AppendOnly):
    """One action on one object. Written only by courrier.services.journal.record_event.

    `hash` covers the event's content; events from before the chain table (migration 0022)
    also carry the previous event's hash in `prev_hash`, the newer ones leave it empty: their
    place in the chain is their JournalLink."""

    seq = models.PositiveBigIntegerField(
        unique=True, editable=False, verbose_name=_("sequence number")
    )
    timestamp = models.DateTimeField(_("time"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    on_behalf_of_name = models.CharField(_("on behalf of"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, verbose_name=_("object type"))
    object_id = models.CharField(max_length=64, verbose_name=_("object id"))
    mail = models.ForeignKey(
        "courrier.Mail",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="journal_events",
        verbose_name=_("mail"),
    )
    details = models.JSONField(default=dict, verbose_name=_("details"))
    prev_hash = models.CharField(max_length=64, verbose_name=_("previous hash"))
    hash = models.CharField(max_length=64, verbose_name=_("hash"))
    # HMAC of seq and hash under the journal key, which is kept outside the database
    # (courrier.chain.event_mac): only events written by Bannette itself are linked.
    mac = models.CharField(
        max_length=64, blank=True, default="", db_default="", verbose_name=_("mark of origin")
    )

    objects = AppendOnlyQuerySet["JournalEvent"].as_manager()

    class Meta:
        verbose_name = _("journal event")
        verbose_name_plural = _("journal")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class JournalPersonal(models.Model):
    """What an event says of a person (a name, an address, free text a citizen wrote), kept
    out of the event's hashed content: the event's `details["personal"]` holds the SHA-256 of
    `salt` followed by this data in canonical JSON. Erasing a person's data deletes this row;
    the event, its hash, its link and its seal still verify, and the digest reveals nothing
    (the random salt goes with the data)."""

    event_seq = models.PositiveBigIntegerField(primary_key=True, verbose_name=_("event"))
    mail = models.ForeignKey(
        "courrier.Mail",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("mail"),
    )
    salt = models.CharField(_("salt"), max_length=64)
    data = models.JSONField(_("personal data"), default=dict)

    class Meta:
        verbose_name = _("personal data of a journal event")
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.event_seq}"


class JournalPending(models.Model):
    """Numbers the events and queues them for the chain: an event's `seq` is the id of its row
    here, written in the change's own transaction without waiting for anyone; the chainer
    deletes the row once the event has its link."""

    id = models.BigAutoField(primary_key=True)

    class Meta:
        verbose_name = _("event awaiting its link")
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.pk}"


class JournalRefusal(models.Model):
    """An event the chainer refused to link: its content does not match its hash, or its mark
    of origin was not made with the journal key (written into the database by someone else)."""

    event_seq = models.PositiveBigIntegerField(unique=True, verbose_name=_("event"))
    refused_at = models.DateTimeField(auto_now_add=True, verbose_name=_("refused at"))

    class Meta:
        verbose_name = _("event refused from the chain")
        verbose_name_plural = _("events refused from the chain")
        ordering = ["event_seq"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"refused #{self.event_seq}"


class JournalLink(AppendOnly):
    """An event's place in the chain. Links are appended in commit order by
    courrier.services.journal.chain_journal, numbered without gaps, each carrying the previous
    link's hash; seals cover ranges of positions."""

    position = models.PositiveBigIntegerField(primary_key=True, verbose_name=_("position"))
    event = models.OneToOneField(
        JournalEvent,
        to_field="seq",
        db_column="event_seq",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="link",
        verbose_name=_("event"),
    )
    prev_hash = models.CharField(max_length=64, verbose_name=_("previous hash"))
    hash = models.CharField(max_length=64, verbose_name=_("hash"))

    objects = AppendOnlyQuerySet["JournalLink"].as_manager()

    class Meta:
        verbose_name = _("journal link")
        verbose_name_plural = _("journal links")
        ordering = ["position"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"link #{self.position} (event #{self.event_id})"


class JournalHead(models.Model):
    """Single row holding the last link's position and hash; locked by the chainer."""

    seq = models.PositiveBigIntegerField(default=0, verbose_name=_("sequence number"))
    hash = models.CharField(max_length=64, default="0" * 64, verbose_name=_("hash"))

    class Meta:
        verbose_name = _("journal head")

    def __str__(self) -> str:
        return f"journal head #{self.seq}"


class JournalSeal(AppendOnly):
    """A Merkle root over the events since the previous seal, chained to it and timestamped by
    an RFC 3161 authority; a copy lives outside the database (BANNETTE_SEAL_DIR)."""

    number = models.PositiveBigIntegerField(primary_key=True, verbose_name=_("number"))
    first_seq = models.PositiveBigIntegerField(verbose_name=_("first event"))
    last_seq = models.PositiveBigIntegerField(verbose_name=_("last event"))
    events = models.PositiveBigIntegerField(verbose_name=_("events"))
    merkle_root = models.CharField(max_length=64, verbose_name=_("merkle root"))
    previous = models.CharField(
        max_length=64, verbose_name=_("previous")
    )  # the previous seal's hash
    sealed_at = models.DateTimeField(verbose_name=_("sealed at"))
    hash = models.CharField(
        max_length=64, verbose_name=_("hash")
    )  # of the fields above: what the authority stamps
    timestamp_token = models.BinaryField(
        blank=True, default=b"", verbose_name=_("timestamp token")
    )  # DER TimeStampToken

    class Meta:
        verbose_name = _("journal seal")
        verbose_name_plural = _("journal seals")
        ordering = ["number"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"seal #{self.number} (events #{self.first_seq}-#{self.last_seq})"
