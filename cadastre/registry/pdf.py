"""Print a certificate page to PDF with the system's headless Chromium (CLI only).

The PDF is for printing and sending: it shows the same text, map and signature as the
page, but only the HTML page can be checked with ``landgis cadastre verify-certificate``.
"""

from __future__ import annotations

import threading
from pathlib import Path

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


def html_to_pdf(html: str, out: Path) -> None:
    """Render ``html`` (self-contained, no network) to an A4 PDF at ``out``.

    Runs in its own thread, so it also works where an event loop is already running."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: install the chromium package")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            _print(html, out)
        except BaseException as exc:  # handed to the caller's thread below
            errors.append(exc)

    worker = threading.Thread(target=work, name="certificate-pdf")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


def _print(html: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # nothing leaves the machine
            page.set_content(html, wait_until="load")
            page.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                margin={"top": "12mm", "bottom": "12mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            browser.close()
