"""The certificate as a PDF that verifies offline, like the HTML page.

The PDF is the page printed by the system's headless Chromium, with the signed payload
(the same canonical body, signature and key id the page embeds) printed on it as a QR
code and attached to it as the embedded file ``landgis-certificate.json``. Printing needs
Chromium (CLI only); reading a PDF back (:func:`read_payload`, :func:`printed_text`) needs
only pypdf, so ``landgis cadastre verify-certificate`` and the API check PDFs offline.
"""

from __future__ import annotations

import io
import threading
import zlib
from pathlib import Path
from typing import Any

import segno
from pypdf import PdfReader, PdfWriter

from cadastre.registry.certificate_page import payload, render

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ATTACHMENT = "landgis-certificate.json"
QR_PX = 240  # printed width of the QR code in CSS px (about 64 mm)


class NotAPdf(ValueError):
    """The bytes are not a readable PDF (truncated, damaged or another format)."""


def certificate_pdf(body: dict[str, Any], signature: str, key_id: str) -> bytes:
    """The certificate PDF: the printed page with its QR code, and the payload attached."""
    data = payload(body, signature, key_id)
    html = render(body, signature, key_id, qr_svg=qr_svg(data))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(print_pdf(html))))
    writer.add_attachment(ATTACHMENT, data.encode())
    writer.add_metadata({"/Subject": f"landgis certificate {body.get('certificate_number', '')}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def qr_content(data: str) -> bytes:
    """What the QR code holds: the payload's UTF-8 JSON, zlib-compressed (about 40 %) so the
    code stays coarse enough to scan from paper (about version 18 for a 2 kB payload)."""
    return zlib.compress(data.encode(), 9)


def payload_from_qr(content: bytes) -> str:
    """The payload JSON back from a decoded QR code's bytes (inverse of :func:`qr_content`)."""
    return (content if content.startswith(b"{") else zlib.decompress(content)).decode()


def qr_svg(data: str) -> str:
    """An inline SVG QR code of the payload (error level L, quiet zone of 4 modules)."""
    qr = segno.make(qr_content(data), error="L", boost_error=False)
    scale = QR_PX / qr.symbol_size(scale=1)[0]
    return qr.svg_inline(scale=round(scale, 3), title="landgis certificate payload")


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
    if not pdf.startswith(b"%PDF-"):
        raise NotAPdf("not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        _ = len(reader.pages)
    except Exception as exc:  # pypdf signals damage with many exception types
        raise NotAPdf(f"damaged PDF: {exc}") from exc
    return reader


def print_pdf(html: str) -> bytes:
    """``html`` (self-contained, no network) printed to an A4 PDF by headless Chromium.

    Runs in its own thread, so it also works where an event loop is already running."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: install the chromium package")
    result: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            result.append(_print(html))
        except BaseException as exc:  # handed to the caller's thread below
            errors.append(exc)

    worker = threading.Thread(target=work, name="certificate-pdf")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return result[0]


def _print(html: str) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # nothing leaves the machine
            page.set_content(html, wait_until="load")
            return page.pdf(
                format="A4",
                print_background=True,
                margin={"top": "12mm", "bottom": "12mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            browser.close()
