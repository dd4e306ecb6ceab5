"""E-mail messages: parsing (RFC 2047/2231, nested multiparts, broken MIME) and rendering the
message to a born-digital PDF. Message content is only ever read as text, never executed."""

from __future__ import annotations

import base64
import io
import mimetypes
import quopri
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from capture.separators import _register_fonts
from courrier.services.mail import IncomingFile

if TYPE_CHECKING:
    from capture.pipeline import CaptureContext

_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote"}


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


@dataclass
class ParsedMessage:
    subject: str = ""
    sender_name: str = ""
    sender_email: str = ""
    to: str = ""
    cc: str = ""
    bcc: str = ""  # present only in a copy the sender kept (a forwarded or saved message)
    date: str = ""
    message_id: str = ""
    body: str = ""
    attachments: list[IncomingFile] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


_ENCODED_WORD = re.compile(r"=\?([\w-]+)\?([qQbB])\?([^?\s]*)(?:\?=)?")


def _repair_encoded_words(value: str) -> str:
    """Decode RFC 2047 words that senders left unterminated, as mail clients do."""

    def decode(match: re.Match[str]) -> str:
        charset, encoding, text = match.groups()
        try:
            raw = (
                quopri.decodestring(text.replace("_", " ").encode(), header=True)
                if encoding in "qQ"
                else base64.b64decode(text + "=" * (-len(text) % 4))
            )
            return raw.decode(charset, "replace")
        except (LookupError, ValueError):
            return match.group(0)

    return _ENCODED_WORD.sub(decode, value)


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = str(message.get(name, ""))
    except (ValueError, IndexError, TypeError):  # undecodable header: keep what is readable
        value = str(message.get_all(name, [""])[0])
    return " ".join(_repair_encoded_words(value).split())


def _body(message: EmailMessage, defects: list[str]) -> tuple[str, MIMEPart | None]:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError):
        part = None
    if part is None:
        return "", None
    try:
        content = part.get_content()
    except (LookupError, ValueError, UnicodeError) as exc:
        defects.append(f"body could not be decoded: {exc}")
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    text = html_to_text(content) if part.get_content_subtype() == "html" else content
    return str(text).strip(), part


def _attachments(message: EmailMessage, body: MIMEPart | None) -> list[IncomingFile]:
    found = []
    for index, part in enumerate(message.walk()):
        if part.is_multipart() or part is body:
            continue
        disposition = part.get_content_disposition()
        if disposition is None and part.get_content_maintype() == "text":
            continue  # the other alternative of the body
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        name = part.get_filename() or ""
        if not name:
            extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
            name = f"piece-{index}{extension}"
        found.append(IncomingFile(Path(name).name, payload, part.get_content_type()))
    return found


def parse(raw: bytes) -> ParsedMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    parsed = ParsedMessage(defects=[str(d) for d in message.defects])
    parsed.subject = _header(message, "Subject")
    addresses = getaddresses([_header(message, "From")])
    if addresses:
        parsed.sender_name, parsed.sender_email = addresses[0]
    parsed.to, parsed.message_id = _header(message, "To"), _header(message, "Message-ID")
    parsed.cc, parsed.bcc = _header(message, "Cc"), _header(message, "Bcc")
    try:
        parsed.date = parsedate_to_datetime(_header(message, "Date")).strftime("%d/%m/%Y %H:%M")
    except (TypeError, ValueError):
        parsed.date = _header(message, "Date")
    parsed.body, body_part = _body(message, parsed.defects)
    parsed.attachments = _attachments(message, body_part)
    return parsed


def render_pdf(parsed: ParsedMessage) -> bytes:
    """The message as a readable, searchable A4 PDF: headers, body, list of attached files."""
    regular, bold = _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(parsed.subject or "Courriel")
    width, height = A4
    margin, line_height, y = 20 * mm, 5.2 * mm, height - 20 * mm

    def line(text: str, font: str = regular, size: float = 10.5) -> None:
        nonlocal y
        for piece in simpleSplit(text, font, size, width - 2 * margin) or [""]:
            if y < margin:
                canvas.showPage()
                y = height - margin
            canvas.setFont(font, size)
            canvas.drawString(margin, y, piece)
            y -= line_height

    sender = (
        f"{parsed.sender_name} <{parsed.sender_email}>"
        if parsed.sender_name
        else parsed.sender_email
    )
    for label, value in (
        ("De", sender),
        ("À", parsed.to),
        ("Cc", parsed.cc),
        ("Cci", parsed.bcc),
        ("Date", parsed.date),
        ("Objet", parsed.subject),
    ):
        if value or label in ("De", "À", "Objet"):
            line(f"{label} : {value}", bold if label == "Objet" else regular)
    y -= line_height
    for paragraph in (parsed.body or "(message sans texte)").splitlines():
        line(paragraph)
    if parsed.attachments:
        y -= line_height
        line("Pièces jointes :", bold)
        for attachment in parsed.attachments:
            line(f"• {attachment.name} ({len(attachment.content) // 1024 + 1} Ko)")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def email_to_pdf(ctx: CaptureContext) -> Path:
    """Pipeline hook: the message becomes a PDF; its files and the .eml become attachments."""
    raw = ctx.source.read_bytes()
    parsed = parse(raw)
    target = ctx.workdir / "message.pdf"
    target.write_bytes(render_pdf(parsed))
    ctx.attachments = [
        *parsed.attachments,
        IncomingFile("message-origine.eml", raw, "message/rfc822"),
    ]
    return target
