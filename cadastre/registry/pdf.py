"""The certificate as a PDF that verifies offline, like the HTML page.

The PDF prints what the page prints (:func:`cadastre.registry.certificate_page.view`),
drawn directly (:mod:`cadastre.registry.pdf_canvas`: no browser, tens of milliseconds),
with two QR codes: the public verification URL (status now) and the whole signed
payload (offline checks), which is also attached as the embedded file
``landgis-certificate.json``. Reading a PDF back (:func:`read_payload`,
:func:`printed_text`) needs only pypdf, so ``landgis cadastre verify-certificate`` and the
API check PDFs offline.
"""

from __future__ import annotations

import io
import zlib
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import segno

from cadastre.registry.certificate_page import map_frame, payload, view
from cadastre.registry.pdf_canvas import Canvas, Colour, SubsetFont

if TYPE_CHECKING:  # pypdf is read only when a PDF is checked, not on every import
    from pypdf import PdfReader

ATTACHMENT = "landgis-certificate.json"
QR_PT = 185.0  # printed width of the payload's QR code (about 65 mm)
URL_QR_PT = 105.0
PAYLOAD_QR_MASK = 4
RED: Colour = (0.70, 0.13, 0.13)
GREY: Colour = (0.33, 0.33, 0.33)
PINK: Colour = (0.965, 0.933, 0.933)
LEFT, RIGHT, TOP, BOTTOM = 48.0, 547.0, 56.0, 800.0
LABEL_W = 150.0
SIZE, LINE = 8.6, 11.5


class NotAPdf(ValueError):
    """The bytes are not a readable PDF (truncated, damaged or another format)."""


def certificate_pdf(body: dict[str, Any], signature: str, key_id: str) -> bytes:
    """The certificate PDF: the page's facts, parcel map, both QR codes, payload attached."""
    data = payload(body, signature, key_id)
    c = view(body, signature, key_id)
    font = SubsetFont.of(_printed_chars(c) + "".join(CAPTIONS))
    canvas = Canvas(font)
    _frame(canvas)
    canvas.text(297.6, TOP + 22, c["title_zh"], 22, RED, align="centre")
    canvas.text(297.6, TOP + 38, c["title_en"], 9, GREY, align="centre")
    y = _table(canvas, TOP + 50, [(k, v) for k, v in c["rows"]])
    y = _holders(canvas, y + 8, c["holders"])
    y = _paragraph(canvas, y + 14, f"权利限制 restrictions: {c['restrictions'] or '无 none'}")
    y = _figures(canvas, y + 8, body.get("parcel") or {}, c["url"], data)
    if c["url"]:
        y = _paragraph(canvas, y + 12, f"查验网址 verify at: {unquote(c['url'])}", 7.5)
    _paragraph(canvas, y + 10, f"Ed25519 key {key_id} · signature {signature}", 6.5, GREY)
    subject = f"landgis certificate {body.get('certificate_number', '')}"
    return canvas.pdf(subject=subject, attachments={ATTACHMENT: data.encode()})


CAPTIONS = (
    "宗地图 parcel map",
    "扫码查验现状 scan: status now",
    "离线验证数据 signed data",
    "N m0123456789.",
)


def _printed_chars(c: dict[str, Any]) -> str:
    parts = [c["title_zh"], c["title_en"], c["restrictions"], unquote(c["url"]), c["signature"]]
    parts += [
        c["key_id"],
        "权利限制 restrictions: 无 none 查验网址 verify at: Ed25519 key · signature",
    ]
    parts += [f"{k}{v}" for k, v in c["rows"]]
    parts += ["权利人 holder证件号 ID number份额 share　└ (共有成员 member)"]
    for h in c["holders"]:
        for m in [h, *h["members"]]:
            parts += [str(m.get("name") or ""), str(m.get("id_number") or ""), str(m["share"])]
    return "".join(parts)


def _frame(canvas: Canvas) -> None:
    canvas.rect(30, 30, 535.3, 781.9, stroke=RED, line=2.2)
    canvas.rect(35, 35, 525.3, 771.9, stroke=RED, line=0.7)


def _ensure(canvas: Canvas, y: float, h: float) -> float:
    """``y``, or the top of a new page when ``h`` points no longer fit."""
    if y + h <= BOTTOM:
        return y
    canvas.new_page()
    _frame(canvas)
    return TOP


def _table(canvas: Canvas, y: float, rows: list[tuple[str, str]]) -> float:
    """Label/value rows; long values wrap. Returns the y below the table."""
    for label, value in rows:
        lines = canvas.wrap(value, SIZE, RIGHT - LEFT - LABEL_W - 10)
        h = LINE * len(lines) + 6
        y = _ensure(canvas, y, h)
        canvas.rect(LEFT, y, LABEL_W, h, fill=PINK, stroke=GREY, line=0.4)
        canvas.rect(LEFT + LABEL_W, y, RIGHT - LEFT - LABEL_W, h, stroke=GREY, line=0.4)
        canvas.text(LEFT + 5, y + 3 + SIZE, label, SIZE)
        for i, line in enumerate(lines):
            canvas.text(LEFT + LABEL_W + 5, y + 3 + SIZE + i * LINE, line, SIZE)
        y += h
    return y


def _holders(canvas: Canvas, y: float, holders: list[dict[str, Any]]) -> float:
    """The holders' table: name, ID number, share; a group's members indented."""
    cols = (LEFT, LEFT + 200, LEFT + 360, RIGHT)
    rows = [("权利人 holder", "证件号 ID number", "份额 share")]
    for h in holders:
        rows.append((str(h.get("name") or ""), str(h.get("id_number") or ""), str(h["share"])))
        for m in h["members"]:
            rows.append(
                (f"　└ {m['name']}", str(m["id_number"]), f"{m['share']} (共有成员 member)")
            )
    for n, row in enumerate(rows):
        y = _ensure(canvas, y, LINE + 6)
        for i, cell in enumerate(row):
            fill = PINK if n == 0 else None
            canvas.rect(
                cols[i], y, cols[i + 1] - cols[i], LINE + 6, fill=fill, stroke=GREY, line=0.4
            )
            canvas.text(cols[i] + 5, y + 3 + SIZE, cell, SIZE)
        y += LINE + 6
    return y


def _paragraph(
    canvas: Canvas, y: float, s: str, size: float = SIZE, colour: Colour = (0.13, 0.13, 0.13)
) -> float:
    lines = canvas.wrap(s, size, RIGHT - LEFT)
    y = _ensure(canvas, y, len(lines) * size * 1.35)
    for i, line in enumerate(lines):
        canvas.text(LEFT, y + size + i * size * 1.35, line, size, colour)
    return y + len(lines) * size * 1.35


def _figures(canvas: Canvas, y: float, parcel: dict[str, Any], url: str, data: str) -> float:
    """The parcel map, the verification URL's QR code and the payload's QR code, in a row."""
    y = _ensure(canvas, y, QR_PT + 16)
    x = LEFT
    if parcel:
        _map(canvas, x, y + (QR_PT - 165) / 2, 165.0, parcel)
        canvas.text(x + 82.5, y + QR_PT + 11, CAPTIONS[0], 7, align="centre")
        x += 175
    if url:
        qr = segno.make(url, error="M", boost_error=False)
        _qr(canvas, x + 5, y + (QR_PT - URL_QR_PT) / 2, qr, URL_QR_PT)
        canvas.text(x + 5 + URL_QR_PT / 2, y + QR_PT + 11, CAPTIONS[1], 7, align="centre")
    # a fixed mask: compressed data is already noise-like, and scoring the eight masks of
    # a version-25 code is most of the PDF's time (pure Python)
    qr = segno.make(qr_content(data), error="L", boost_error=False, mask=PAYLOAD_QR_MASK)
    _qr(canvas, RIGHT - QR_PT, y, qr, QR_PT)
    canvas.text(RIGHT - QR_PT / 2, y + QR_PT + 11, CAPTIONS[2], 7, align="centre")
    return y + QR_PT + 14


def _qr(canvas: Canvas, x: float, y: float, qr: segno.QRCode, width: float) -> None:
    """A QR code ``width`` points wide, quiet zone of 4 modules included."""
    rows = [[bool(v) for v in row] for row in qr.matrix]
    module = width / (len(rows) + 8)
    canvas.modules(x + 4 * module, y + 4 * module, rows, module)


def _map(canvas: Canvas, x: float, y: float, size: float, parcel: dict[str, Any]) -> None:
    """The parcel (red) among its neighbours (grey), north up, with a scale bar."""
    f = map_frame(parcel)
    k = size / 320.0

    def place(rings: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
        return [[(x + px * k, y + py * k) for px, py in r] for r in rings]

    canvas.rect(x, y, size, size, fill=(0.98, 0.98, 0.98))
    canvas.clip(x, y, size, size)
    for n in f["neighbours"]:
        canvas.polygon(place(n), fill=(0.89, 0.89, 0.89), stroke=(0.53, 0.53, 0.53), line=0.4)
    canvas.polygon(place(f["outline"]), fill=(0.96, 0.71, 0.71), stroke=RED, line=1.2)
    canvas.unclip()
    canvas.rect(x, y, size, size, stroke=GREY, line=0.5)
    canvas.text(x + size - 12, y + 14, "N", 9)
    canvas.rect(x + 12 * k * 2, y + size - 10, f["bar_px"] * k, 2.5, fill=(0.13, 0.13, 0.13))
    canvas.text(x + 24 * k + f["bar_px"] * k + 4, y + size - 6, f"{f['bar_m']:g} m", 7)


def qr_content(data: str) -> bytes:
    """What the QR code holds: the payload's UTF-8 JSON, zlib-compressed (about 40 %) so the
    code stays coarse enough to scan from paper."""
    return zlib.compress(data.encode(), 9)


def payload_from_qr(content: bytes) -> str:
    """The payload JSON back from a decoded QR code's bytes (inverse of :func:`qr_content`)."""
    return (content if content.startswith(b"{") else zlib.decompress(content)).decode()


def read_payload(pdf: bytes) -> str | None:
    """The embedded certificate payload of a PDF, None when it carries none.

    Raises :class:`NotAPdf` when the bytes cannot be read as a PDF."""
    reader = _reader(pdf)
    try:
        found = reader.attachments.get(ATTACHMENT)
    except Exception as exc:  # pypdf raises many types on damaged name trees
        raise NotAPdf(f"damaged PDF: {exc}") from exc
    if not found:
        return None
    try:
        return found[0].decode()
    except UnicodeDecodeError:
        return ""  # present but damaged: the caller reports it as such


def printed_text(pdf: bytes) -> str:
    """The text printed on all pages, whitespace removed (for comparing printed facts)."""
    reader = _reader(pdf)
    try:
        text = "".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # damaged content streams
        raise NotAPdf(f"damaged PDF: {exc}") from exc
    return "".join(text.split())


def _reader(pdf: bytes) -> PdfReader:
    from pypdf import PdfReader

    if not pdf.startswith(b"%PDF-"):
        raise NotAPdf("not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        _ = len(reader.pages)
    except Exception as exc:  # pypdf signals damage with many exception types
        raise NotAPdf(f"damaged PDF: {exc}") from exc
    return reader
