"""A small PDF writer for certificates: text in an embedded, subsetted CJK font, lines,
filled rectangles and polygons, and embedded files. No browser, no network.

The font (Noto Sans CJK SC by default, ``settings.certificate_font_file``) is subset with
HarfBuzz (``uharfbuzz``, milliseconds even for a 20 MB CJK collection) to the characters
the page prints, and embedded as a CID-keyed CFF font (``/CIDFontType0C``) with a
ToUnicode map, so the printed text can be copied, searched and checked
(:func:`cadastre.registry.pdf.printed_text`). Coordinates are PDF points (1/72 inch)
from the top-left corner of an A4 page; the writer flips them.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTCollection, TTFont

from gis.settings import get_settings

A4 = (595.28, 841.89)
DEFAULT_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
Colour = tuple[float, float, float]
BLACK: Colour = (0.13, 0.13, 0.13)


def font_path() -> Path:
    return get_settings().certificate_font_file or DEFAULT_FONT


@cache
def _face_index(path: Path) -> int:
    """The face of a collection that holds Simplified Chinese (its name says SC)."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    for i, font in enumerate(TTCollection(str(path), lazy=True).fonts):
        if "SC" in str(font["name"].getDebugName(4) or "").split():
            return i
    return 0


@dataclass
class SubsetFont:
    """The font subset to the characters of one document: CFF bytes, CIDs and widths."""

    cff: bytes
    name: str
    cids: dict[str, int]  # character -> CID
    widths: dict[int, int]  # CID -> advance in 1/1000 em
    ascent: int
    descent: int
    bbox: tuple[int, int, int, int]

    @classmethod
    def of(cls, chars: Iterable[str]) -> SubsetFont:
        path = font_path()
        face = hb.Face(hb.Blob.from_file_path(str(path)), _face_index(path))
        wanted = sorted(set(chars) - {"\n"})
        sub = hb.SubsetInput()
        for ch in wanted:
            sub.unicode_set.add(ord(ch))
        font = TTFont(io.BytesIO(hb.subset(face, sub).blob.data))
        if "CFF " not in font:
            raise ValueError(f"{path} has no CFF outlines: give an OpenType/CFF CJK font")
        scale = 1000 / font["head"].unitsPerEm
        cmap, hmtx = font.getBestCmap(), font["hmtx"]
        cids = {ch: _cid(cmap[ord(ch)]) for ch in wanted if ord(ch) in cmap}
        widths = {_cid(g): round(hmtx[g][0] * scale) for g in font.getGlyphOrder()}
        head, hhea = font["head"], font["hhea"]
        tag = "".join(
            chr(65 + b % 26) for b in hashlib.sha256("".join(wanted).encode()).digest()[:6]
        )
        base = str(font["name"].getDebugName(6) or "NotoSansCJK").replace(" ", "")
        return cls(
            cff=font.reader["CFF "],
            name=f"{tag}+{base}",
            cids=cids,
            widths=widths,
            ascent=round(hhea.ascent * scale),
            descent=round(hhea.descent * scale),
            bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),  # type: ignore[arg-type]
        )

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` at ``size`` points, in points."""
        return sum(self.widths.get(self.cids.get(ch, 0), 1000) for ch in text) * size / 1000

    def encode(self, text: str) -> str:
        """``text`` as the hex string of its 2-byte CIDs (Identity-H)."""
        return "".join(f"{self.cids.get(ch, 0):04X}" for ch in text)


def _cid(glyph_name: str) -> int:
    """CID of a glyph of a CID-keyed CFF font (fontTools names them cidNNNNN)."""
    return int(glyph_name[3:]) if glyph_name.startswith("cid") else 0


@dataclass
class Page:
    ops: list[str] = field(default_factory=list)


class Canvas:
    """Pages of drawing operations, then one PDF (:meth:`pdf`) with one font."""

    def __init__(self, font: SubsetFont) -> None:
        self.font = font
        self.pages: list[Page] = [Page()]
        self.width, self.height = A4

    def new_page(self) -> None:
        self.pages.append(Page())

    def _op(self, op: str) -> None:
        self.pages[-1].ops.append(op)

    def text(
        self, x: float, y: float, s: str, size: float, colour: Colour = BLACK, align: str = "left"
    ) -> None:
        """One line of text with its baseline at ``y`` (from the top)."""
        if not s:
            return
        if align != "left":
            w = self.font.width(s, size)
            x -= w if align == "right" else w / 2
        r, g, b = colour
        self._op(
            f"BT /F1 {size:.2f} Tf {r:.3f} {g:.3f} {b:.3f} rg {x:.2f} {self.height - y:.2f} Td "
            f"<{self.font.encode(s)}> Tj ET"
        )

    def wrap(self, s: str, size: float, width: float) -> list[str]:
        """``s`` cut into lines no wider than ``width`` points (any character may break)."""
        lines, line, used = [], "", 0.0
        for ch in s:
            w = self.font.width(ch, size)
            if line and used + w > width:
                lines.append(line.rstrip())
                line, used = ch.lstrip(), (w if ch.strip() else 0.0)
            else:
                line, used = line + ch, used + w
        return [*lines, line] if line or not lines else lines

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: Colour | None = None,
        stroke: Colour | None = None,
        line: float = 0.6,
    ) -> None:
        """A rectangle with its top-left corner at (x, y)."""
        self._paint(f"{x:.2f} {self.height - y - h:.2f} {w:.2f} {h:.2f} re", fill, stroke, line)

    def polygon(
        self,
        rings: list[list[tuple[float, float]]],
        *,
        fill: Colour | None = None,
        stroke: Colour | None = None,
        line: float = 0.6,
    ) -> None:
        """Closed rings (even-odd filled), points from the top-left corner."""
        path = []
        for ring in rings:
            pts = [f"{x:.2f} {self.height - y:.2f}" for x, y in ring]
            if pts:
                path.append(f"{pts[0]} m " + " ".join(p + " l" for p in pts[1:]) + " h")
        if path:
            self._paint(" ".join(path), fill, stroke, line, even_odd=True)

    def _paint(
        self,
        path: str,
        fill: Colour | None,
        stroke: Colour | None,
        line: float,
        even_odd: bool = False,
    ) -> None:
        ops = [path]
        if fill:
            ops.insert(0, "{:.3f} {:.3f} {:.3f} rg".format(*fill))
        if stroke:
            ops.insert(0, "{:.3f} {:.3f} {:.3f} RG {:.2f} w".format(*stroke, line))
        paint = {(True, True): "B", (True, False): "f", (False, True): "S"}[
            (bool(fill), bool(stroke))
        ]
        self._op("q " + " ".join(ops) + " " + paint + ("*" if even_odd and fill else "") + " Q")

    def clip(self, x: float, y: float, w: float, h: float) -> None:
        """Draw only inside this rectangle until :meth:`unclip`."""
        self._op(f"q {x:.2f} {self.height - y - h:.2f} {w:.2f} {h:.2f} re W n")

    def unclip(self) -> None:
        self._op("Q")

    def modules(self, x: float, y: float, rows: list[list[bool]], module: float) -> None:
        """A 2D code (QR) of dark modules, one rectangle per horizontal run."""
        rects = []
        for j, row in enumerate(rows):
            i = 0
            while i < len(row):
                if not row[i]:
                    i += 1
                    continue
                k = i
                while k < len(row) and row[k]:
                    k += 1
                top = self.height - y - (j + 1) * module
                rects.append(
                    f"{x + i * module:.3f} {top:.3f} {(k - i) * module:.3f} {module:.3f} re"
                )
                i = k
        self._op("q 0 0 0 rg " + " ".join(rects) + " f Q")

    def pdf(self, *, subject: str, attachments: dict[str, bytes]) -> bytes:
        """The PDF: every page, the font, ``attachments`` as embedded files."""
        return _Writer(self).write(subject, attachments)


class _Writer:
    """Serialises a canvas: numbered objects, a cross-reference table, a trailer."""

    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas
        self.objects: list[bytes] = []

    def add(self, body: bytes | str) -> int:
        self.objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(self.objects)

    def stream(self, entries: str, data: bytes, compress: bool = True) -> int:
        packed = zlib.compress(data, 6) if compress else data
        flate = "/Filter /FlateDecode " if compress else ""
        head = f"<< {entries} {flate}/Length {len(packed)} >>\nstream\n"
        return self.add(head.encode("latin-1") + packed + b"\nendstream")

    def write(self, subject: str, attachments: dict[str, bytes]) -> bytes:
        font = self._font()
        pages_id = len(self.objects) + 2 * len(self.c.pages) + 1
        kids = []
        for page in self.c.pages:
            content = self.stream("", "\n".join(page.ops).encode("latin-1"))
            w, h = A4
            kids.append(
                self.add(
                    f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {w} {h}] "
                    f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"
                )
            )
        refs = " ".join(f"{k} 0 R" for k in kids)
        assert self.add(f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>") == pages_id
        names = []
        for name, data in sorted(attachments.items()):
            ef = self.stream("/Type /EmbeddedFile", data, compress=False)  # readable as is
            spec = self.add(
                f"<< /Type /Filespec /F {_text(name)} /UF {_text(name)} /EF << /F {ef} 0 R >> >>"
            )
            names.append(f"{_text(name)} {spec} 0 R")
        catalog = self.add(
            f"<< /Type /Catalog /Pages {pages_id} 0 R "
            f"/Names << /EmbeddedFiles << /Names [{' '.join(names)}] >> >> >>"
        )
        info = self.add(f"<< /Subject {_text(subject)} /Producer (landgis) >>")
        return self._serialise(catalog, info)

    def _font(self) -> int:
        f = self.c.font
        file = self.stream("/Subtype /CIDFontType0C", f.cff)
        bbox = " ".join(str(v) for v in f.bbox)
        desc = self.add(
            f"<< /Type /FontDescriptor /FontName /{f.name} /Flags 4 /FontBBox [{bbox}] "
            f"/ItalicAngle 0 /Ascent {f.ascent} /Descent {f.descent} /CapHeight {f.ascent} "
            f"/StemV 80 /FontFile3 {file} 0 R >>"
        )
        widths = " ".join(f"{cid} [{w}]" for cid, w in sorted(f.widths.items()))
        cid_font = self.add(
            f"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{f.name} "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor {desc} 0 R /DW 1000 /W [{widths}] >>"
        )
        to_unicode = self.stream("", _cmap(f.cids).encode("latin-1"))
        return self.add(
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{f.name} /Encoding /Identity-H "
            f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>"
        )

    def _serialise(self, catalog: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += (
            f"trailer\n<< /Size {len(offsets) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n"
        ).encode()
        return bytes(out)


def _text(s: str) -> str:
    """A PDF text string: UTF-16BE with its byte-order mark, in hex."""
    return "<FEFF" + s.encode("utf-16-be").hex().upper() + ">"


def _cmap(cids: dict[str, int]) -> str:
    """The ToUnicode CMap: each CID back to its character."""
    pairs = sorted({cid: ch for ch, cid in cids.items() if cid}.items())
    blocks = []
    for i in range(0, len(pairs), 100):
        chunk = pairs[i : i + 100]
        lines = "\n".join(
            f"<{cid:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for cid, ch in chunk
        )
        blocks.append(f"{len(chunk)} beginbfchar\n{lines}\nendbfchar")
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap CMapName currentdict /CMap defineresource pop end end\n"
    )
