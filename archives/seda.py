"""SEDA 2.1 (or 2.2) ArchiveTransfer packages: a manifest.xml and the content files of a batch of
mail to keep, one ArchiveUnit per mail with its documents (original, searchable PDF, reply and
attachment versions), its non-restricted notes and its journal extract, the agencies'
identifiers, and the appraisal and access rules mapped from the document type through the
agreement's rule codes.

The manifest is validated against the official schemas (BANNETTE_SEDA_SCHEMAS_DIR, XSD 1.0 with
xmlschema, which carries local copies of xml.xsd and xlink.xsd) and checked beyond them: the
schema lets an empty title or an unknown description level through, and knows nothing of our
rule codes or of the files' digests.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import xmlschema
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.utils import timezone

from archives.files import read
from archives.formats import FileFormat, identify
from courrier.journal_text import readable_events
from courrier.models import AttachmentVersion, Contact, ContactKind, ContactRole, Mail, Note

NAMESPACES = {
    "2.1": "fr:gouv:culture:archivesdefrance:seda:v2.1",
    "2.2": "fr:gouv:culture:archivesdefrance:seda:v2.2",
}
DESCRIPTION_LEVELS = {"Fonds", "Series", "File", "Item", "RecordGrp", "SubGrp"}
FINAL_ACTIONS = {"Keep", "Destroy"}
DIGEST = "SHA-512"


class ManifestInvalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Agreement:
    """What the archive service and the organisation agreed (rule codes, identifiers)."""

    identifier: str
    archival_agency: str
    transferring_agency: str
    originating_agency: str
    appraisal_rules: dict[str, str]  # document type code (or "*") -> rule code
    access_rule: str = "AR038"  # communicable at once (the usual default code)
    version: str = "2.1"

    def appraisal_rule(self, type_code: str) -> str:
        return self.appraisal_rules.get(type_code) or self.appraisal_rules.get("*", "")


@dataclass
class ContentFile:
    object_id: str
    name: str  # path inside the package
    data: bytes
    filename: str
    version: str = "BinaryMaster_1"
    _format: FileFormat | None = None

    @property
    def sha512(self) -> str:
        return hashlib.sha512(self.data).hexdigest()

    @property
    def format(self) -> FileFormat:
        """Identified from the bytes (PRONOM), whatever the file was declared as."""
        if self._format is None:
            self._format = identify(self.data, self.filename)
        return self._format

    @property
    def mime(self) -> str:
        return self.format.mime


@dataclass
class Built:
    manifest: bytes
    files: list[ContentFile] = field(default_factory=list)

    def zip(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("manifest.xml", self.manifest)
            for item in self.files:
                bundle.writestr(item.name, item.data)
        return buffer.getvalue()


class _Writer:
    def __init__(self, version: str) -> None:
        self.ns = NAMESPACES[version]

    def el(self, parent: ET.Element | None, tag: str, text: Any = None, **attrs: str) -> ET.Element:
        name = f"{{{self.ns}}}{tag}"
        node = ET.Element(name, attrs) if parent is None else ET.SubElement(parent, name, attrs)
        if text is not None:
            node.text = str(text)
        return node


def _iso(day: datetime.date | datetime.datetime | None) -> str | None:
    if day is None:
        return None
    if isinstance(day, datetime.datetime):
        return timezone.localdate(day).isoformat()
    return day.isoformat()


def _moment(value: datetime.date | datetime.datetime) -> str:
    """One form for every date and time of the manifest: local time with its offset, to the
    second (a day alone is its local midnight)."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(
            value, datetime.time(), tzinfo=timezone.get_current_timezone()
        )
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _mail_files(mail: Mail, index: int) -> list[ContentFile]:
    files: list[ContentFile] = []
    stem = f"content/{index:05d}"
    original = read(mail.original)
    if original is not None:
        name = Path(mail.original_name or mail.original.name).name
        files.append(
            ContentFile(
                f"BDO{index}-original",
                f"{stem}-original-{name}",
                original,
                name,
            )
        )
    searchable = read(mail.searchable_pdf)
    if searchable is not None:
        files.append(
            ContentFile(
                f"BDO{index}-pdf",
                f"{stem}-texte.pdf",
                searchable,
                f"{mail.chrono_number or mail.pk}.pdf",
                version="TextContent_1",
            )
        )
    versions = AttachmentVersion.objects.filter(attachment__mail=mail).select_related("attachment")
    for version in versions.order_by("attachment_id", "number"):
        best = version.readable_pdf
        data = read(best)
        if data is None:
            continue
        name = Path(best.name or "").name
        files.append(
            ContentFile(
                f"BDO{index}-att{version.pk}",
                f"{stem}-piece-{version.attachment_id}-v{version.number}-{name}",
                data,
                name if version.pdf else (version.file_name or name),
            )
        )
    return files


def build(mails: list[Mail], agreement: Agreement, identifier: str, comment: str) -> Built:
    """The manifest and its files for these mails (a transfer of one batch)."""
    w = _Writer(agreement.version)
    ET.register_namespace("", w.ns)
    root = w.el(None, "ArchiveTransfer")
    w.el(root, "Comment", comment)
    w.el(root, "Date", _moment(timezone.now()))
    w.el(root, "MessageIdentifier", identifier)
    w.el(root, "ArchivalAgreement", agreement.identifier)
    versions = w.el(root, "CodeListVersions")
    for code in (
        "ReplyCodeListVersion",
        "MessageDigestAlgorithmCodeListVersion",
        "MimeTypeCodeListVersion",
        "EncodingCodeListVersion",
        "FileFormatCodeListVersion",
        "CompressionAlgorithmCodeListVersion",
        "DataObjectVersionCodeListVersion",
        "StorageRuleCodeListVersion",
        "AppraisalRuleCodeListVersion",
        "AccessRuleCodeListVersion",
        "DisseminationRuleCodeListVersion",
        "ReuseRuleCodeListVersion",
        "ClassificationRuleCodeListVersion",
        "AuthorizationReasonCodeListVersion",
        "RelationshipCodeListVersion",
    ):
        w.el(versions, code, f"{code}0")
    package = w.el(root, "DataObjectPackage")
    built = Built(manifest=b"")
    units: list[tuple[Mail, list[ContentFile]]] = []
    for index, mail in enumerate(mails, start=1):
        files = _mail_files(mail, index)
        units.append((mail, files))
        built.files += files
    for item in built.files:
        data_object = w.el(package, "BinaryDataObject", id=item.object_id)
        w.el(data_object, "DataObjectVersion", item.version)
        w.el(data_object, "Uri", item.name)
        w.el(data_object, "MessageDigest", item.sha512, algorithm=DIGEST)
        w.el(data_object, "Size", len(item.data))
        formats = w.el(data_object, "FormatIdentification")
        if item.format.literal:
            w.el(formats, "FormatLitteral", item.format.literal)
        w.el(formats, "MimeType", item.format.mime)
        if item.format.puid:
            w.el(formats, "FormatId", item.format.puid)
        info = w.el(data_object, "FileInfo")
        w.el(info, "Filename", item.filename)
    descriptive = w.el(package, "DescriptiveMetadata")
    for index, (mail, files) in enumerate(units, start=1):
        _archive_unit(w, descriptive, mail, files, index, agreement)
    management = w.el(package, "ManagementMetadata")
    w.el(management, "OriginatingAgencyIdentifier", agreement.originating_agency)
    w.el(management, "SubmissionAgencyIdentifier", agreement.transferring_agency)
    w.el(w.el(root, "ArchivalAgency"), "Identifier", agreement.archival_agency)
    w.el(w.el(root, "TransferringAgency"), "Identifier", agreement.transferring_agency)
    ET.indent(root)
    built.manifest = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return built


def _archive_unit(
    w: _Writer,
    parent: ET.Element,
    mail: Mail,
    files: list[ContentFile],
    index: int,
    agreement: Agreement,
) -> None:
    unit = w.el(parent, "ArchiveUnit", id=f"AU{index}")
    management = w.el(unit, "Management")
    kind = mail.document_type
    start = _iso(mail.closing_date) or mail.arrival_date.isoformat()
    appraisal = w.el(management, "AppraisalRule")
    w.el(appraisal, "Rule", agreement.appraisal_rule(kind.code if kind else ""))
    w.el(appraisal, "StartDate", start)
    w.el(
        appraisal,
        "FinalAction",
        "Destroy" if kind is not None and kind.final_disposition == "destroy" else "Keep",
    )
    access = w.el(management, "AccessRule")
    w.el(access, "Rule", agreement.access_rule)
    w.el(access, "StartDate", start)
    content = w.el(unit, "Content")
    w.el(content, "DescriptionLevel", "File")
    w.el(content, "Title", mail.subject)
    w.el(content, "OriginatingSystemId", mail.chrono_number or str(mail.pk))
    notes = Note.objects.filter(mail=mail, restricted_to__isnull=True).exclude(text="")
    description = "\n".join(
        [str(kind or ""), *(note.text for note in notes.order_by("created_at"))]
    ).strip()
    if description:
        w.el(content, "Description", description)
    events = readable_events(mail.journal_events.order_by("seq"))
    history = w.el(content, "CustodialHistory")
    for entry in events:
        w.el(
            history,
            "CustodialHistoryItem",
            f"{timezone.localtime(entry.event.timestamp):%Y-%m-%d %H:%M} — {entry.actor} — "
            f"{entry.sentence} (n° {entry.event.seq}, {entry.event.hash})",
        )
    if not events:
        w.el(history, "CustodialHistoryItem", "—")
    w.el(content, "DocumentType", str(kind) if kind else "Courrier")
    agency = w.el(content, "OriginatingAgency")  # the organisation, as the agreement names it
    w.el(agency, "Identifier", agreement.originating_agency)
    _agents(w, content, mail)
    if mail.document_date:
        w.el(content, "CreatedDate", _moment(mail.document_date))  # the letter's own date
    w.el(content, "ReceivedDate", _moment(mail.arrival_date))
    w.el(content, "RegisteredDate", _moment(mail.created_at))
    w.el(content, "StartDate", _moment(mail.arrival_date))
    if mail.closing_date:
        w.el(content, "EndDate", _moment(mail.closing_date))
    for item in files:
        child = w.el(unit, "ArchiveUnit", id=f"AU{index}-{item.object_id}")
        child_content = w.el(child, "Content")
        w.el(child_content, "DescriptionLevel", "Item")
        w.el(child_content, "Title", item.filename)
        reference = w.el(child, "DataObjectReference")
        w.el(reference, "DataObjectReferenceId", item.object_id)


def _agents(w: _Writer, content: ET.Element, mail: Mail) -> None:
    """Who wrote to whom: for incoming mail the senders write to the organisation's service,
    for a reply the service writes to its recipients."""
    links = list(mail.mail_contacts.select_related("contact"))
    service = mail.destination_entity.label if mail.destination_entity else ""
    organisation = settings.BANNETTE_ORGANISATION_NAME
    ours = " — ".join(part for part in (organisation, service) if part)
    senders = [link.contact for link in links if link.role == ContactRole.SENDER]
    recipients = [link.contact for link in links if link.role != ContactRole.SENDER]
    incoming = mail.category == "incoming"
    nobody: list[Contact | None] = [None]  # None: the organisation itself
    addressees: list[Contact | None] = nobody if incoming else list(recipients)
    writers: list[Contact | None] = list(senders) if incoming else nobody
    for contact in addressees:
        _agent(w, w.el(content, "Addressee"), contact, ours)
    for contact in writers:
        _agent(w, w.el(content, "Sender"), contact, ours)


def _agent(w: _Writer, node: ET.Element, contact: Any, ours: str) -> None:
    if contact is None:
        w.el(node, "Corpname", ours)
    elif contact.kind == ContactKind.PERSON and (contact.first_name or contact.last_name):
        if contact.first_name:
            w.el(node, "FirstName", contact.first_name)
        if contact.last_name:
            w.el(node, "BirthName", contact.last_name)
    else:
        w.el(node, "Corpname", contact.display_name)


@lru_cache(maxsize=2)
def schema(version: str) -> xmlschema.XMLSchema10:
    folder = Path(settings.BANNETTE_SEDA_SCHEMAS_DIR) / version
    return xmlschema.XMLSchema10(str(folder / f"seda-{version}-main.xsd"))


def check(manifest: bytes, files: dict[str, bytes], agreement: Agreement) -> list[str]:
    """What the official schema says, then what it lets through."""
    problems = [
        f"XSD : {error.reason} ({error.path})"
        for error in schema(agreement.version).iter_errors(manifest)
    ]
    ns = {"s": NAMESPACES[agreement.version]}
    root = SafeET.fromstring(manifest)
    for unit in root.iter(f"{{{ns['s']}}}ArchiveUnit"):
        name = unit.get("id")
        title = unit.find("s:Content/s:Title", ns)
        if title is None or not (title.text or "").strip():
            problems.append(f"{name} : titre vide")
        level = unit.find("s:Content/s:DescriptionLevel", ns)
        if level is None or level.text not in DESCRIPTION_LEVELS:
            problems.append(f"{name} : niveau de description absent ou inconnu")
        rule = unit.find("s:Management/s:AppraisalRule/s:Rule", ns)
        if unit.find("s:Management", ns) is not None:
            if rule is None or not (rule.text or "").strip():
                problems.append(f"{name} : pas de règle de sort final (code de l'accord)")
            action = unit.find("s:Management/s:AppraisalRule/s:FinalAction", ns)
            if action is None or action.text not in FINAL_ACTIONS:
                problems.append(f"{name} : sort final absent ou inconnu")
    for data_object in root.iter(f"{{{ns['s']}}}BinaryDataObject"):
        uri = data_object.findtext("s:Uri", namespaces=ns) or ""
        digest = data_object.find("s:MessageDigest", ns)
        data = files.get(uri)
        if data is None:
            problems.append(f"{data_object.get('id')} : fichier {uri} absent du paquet")
        elif digest is None or digest.get("algorithm") != DIGEST:
            problems.append(f"{data_object.get('id')} : empreinte absente ou pas en {DIGEST}")
        elif hashlib.sha512(data).hexdigest() != (digest.text or "").strip():
            problems.append(f"{data_object.get('id')} : l'empreinte ne correspond pas au fichier")
    return problems


def validated(built: Built, agreement: Agreement) -> Built:
    problems = check(built.manifest, {f.name: f.data for f in built.files}, agreement)
    if problems:
        raise ManifestInvalid(problems)
    return built
