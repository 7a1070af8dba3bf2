"""Certificate PDF: landgis's direct drawing vs headless Chromium printing the same page.

Until issue 11 the certificate PDF was the HTML page printed by Chromium through
Playwright: a browser start per certificate (7.9 s measured on the shared machine).
It is now drawn directly with a HarfBuzz-subset CJK font. This prints both, on the same
certificate body, in one run: first call in a fresh process (imports, font lookup) and
the median and worst of the next ``--runs`` calls. No database is needed.

    .venv/bin/python -m benchmarks.bench_certificate_pdf --runs 10
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import RESULTS

BODY: dict[str, Any] = {
    "certificate_number": "粤(2026)东莞市不动产权第0000001号",
    "case_type": "first_registration",
    "case_type_name_zh": "首次登记",
    "case_type_name_en": "First registration",
    "unit_code": "441900001001GB00001W00000000",
    "case_number": "DJ2026120200000001",
    "entered_at": "2026-12-02T10:00:00+08:00",
    "issued_at": "2026-12-02T10:00:00+08:00",
    "holders": [
        {"name": "王秀英", "id_number": "44190019900101116X", "share": "1/2"},
        {"name": "李建国", "id_number": "441900198506063454", "share": "1/2"},
    ],
    "restrictions": [],
    "authority": "东莞市自然资源局",
    "verification_url": "http://127.0.0.1:8000/verify/%E7%B2%A4%282026%29%E4%B8%9C%E8%8E%9E"
    "%E5%B8%82%E4%B8%8D%E5%8A%A8%E4%BA%A7%E6%9D%83%E7%AC%AC0000001%E5%8F%B7",
    "right": {
        "type_zh": "国有建设用地使用权",
        "type_en": "state-owned construction-land use right",
        "nature_zh": "出让",
        "nature_en": "granted",
        "term_start": "2006-12-04",
        "term_end": "2076-12-03",
        "sharing_zh": "按份共有",
        "sharing_en": "held in shares",
    },
    "parcel": {
        "area_m2": "1234.56",
        "land_use": "0701",
        "land_use_name_zh": "城镇住宅用地",
        "land_use_name_en": "urban housing",
        "location_zh": "广东省东莞市莞城地籍区第1地籍子区第00001号宗地",
        "outline_4547": {
            "type": "Polygon",
            "coordinates": [[[0, 0], [30, 0], [30, 40], [0, 40], [0, 0]]],
        },
        "neighbours_4547": [
            {"type": "Polygon", "coordinates": [[[30, 0], [60, 0], [60, 40], [30, 40], [30, 0]]]}
        ],
        "extent_m": [30, 40],
    },
}
SIGNATURE, KEY_ID = "A" * 88, "0123456789abcdef"


def landgis_pdf() -> bytes:
    from cadastre.registry.pdf import certificate_pdf

    return certificate_pdf(BODY, SIGNATURE, KEY_ID)


def chromium_pdf() -> bytes:
    """The way it was done before: the HTML page printed by a fresh headless Chromium."""
    from playwright.sync_api import sync_playwright

    from cadastre.registry.certificate_page import render

    html = render(BODY, SIGNATURE, KEY_ID)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True)
        finally:
            browser.close()


MAKERS = {"landgis": landgis_pdf, "chromium": chromium_pdf}


def measure(name: str, runs: int) -> dict[str, float]:
    """First call (in this fresh process) and the median and worst of ``runs`` more, in s."""
    make = MAKERS[name]
    t = time.perf_counter()
    size = len(make())
    first = time.perf_counter() - t
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        make()
        times.append(time.perf_counter() - t)
    return {
        "first_s": round(first, 3),
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--one", choices=sorted(MAKERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # a fresh process per maker, so first calls pay their own imports
        print(json.dumps(measure(args.one, args.runs)))
        return
    out: dict[str, Any] = {"runs": args.runs, "machine": socket.gethostname()}
    for name in MAKERS:
        cmd = [sys.executable, "-m", "benchmarks.bench_certificate_pdf", "--one", name]
        done = subprocess.run([*cmd, "--runs", str(args.runs)], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(done.stderr)
        out[name] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:9s} {out[name]}")
    ratio = out["chromium"]["median_s"] / out["landgis"]["median_s"]
    out["chromium_over_landgis_median"] = round(ratio, 1)
    print(f"landgis is {ratio:.1f}x faster (median)")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"certificate-pdf-{stamp}.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
