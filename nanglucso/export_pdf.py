"""PDF reports laid out as a Vietnamese administrative document (thể thức văn bản hành chính,
Nghị định 30/2020/NĐ-CP): national motto header, document kind and subject, body, recipients and signature.

The body is a list of blocks (Heading, Paragraph, Table, Image, PageBreak). Text is set in DejaVu Serif,
which ships inside matplotlib and has every Vietnamese letter, so the PDF needs no internet and no system
font; the font is embedded in the file.
"""

from __future__ import annotations

import datetime as dt
import io
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
import numpy as np
import pandas as pd
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import flowables, tables
from reportlab.platypus.doctemplate import SimpleDocTemplate
from reportlab.platypus.paragraph import Paragraph as RLParagraph

from nanglucso.errors import KitError
from nanglucso.export_xlsx import atomic_output
from nanglucso.text import nfc

FONT = "NanglucsoSerif"
_FONT_FILES = {FONT: "DejaVuSerif.ttf", f"{FONT}-Bold": "DejaVuSerif-Bold.ttf",
               f"{FONT}-Italic": "DejaVuSerif-Italic.ttf", f"{FONT}-BoldItalic": "DejaVuSerif-BoldItalic.ttf"}
# Margins of Nghị định 30/2020, Phụ lục I: top and bottom 2 cm, left 3 cm, right 1.5–2 cm.
MARGINS = {"topMargin": 2 * cm, "bottomMargin": 2 * cm, "leftMargin": 3 * cm, "rightMargin": 2 * cm}
TEXT_WIDTH = A4[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"]
TEXT_HEIGHT = A4[1] - MARGINS["topMargin"] - MARGINS["bottomMargin"]
# DejaVu Serif is larger on the page than Times New Roman at the same size: 12 pt here reads like the
# decree's 13–14 pt body text, 11 pt like its 12–13 pt header lines.
BODY_PT = 12
HEADER_PT = 11
TABLE_PT = 9.5
LEFT_COL = 6.2 * cm  # issuing body; the rest of the width is for the national motto and the date


@dataclass
class Heading:
    """A section heading ("I. KẾT QUẢ CHUNG"), bold, kept on the page of the text that follows."""

    text: str


@dataclass
class Paragraph:
    """Body text: justified, first line indented. ``text`` is plain text unless ``markup`` is True, then
    reportlab's inline tags (<b>, <i>) are honoured."""

    text: str
    markup: bool = False


@dataclass
class Table:
    """A grid table; its header row repeats on every page it spans. Shares 0..1 in ``percent_columns``
    are shown as "75%"; missing values as empty cells."""

    df: pd.DataFrame
    percent_columns: list[str] = field(default_factory=list)
    caption: str = ""


@dataclass
class Image:
    """A picture (PNG bytes, e.g. a matplotlib chart, or a file path), ``width_cm`` wide, centred."""

    source: bytes | Path
    width_cm: float = 15.0
    caption: str = ""


@dataclass
class PageBreak:
    """Start a new page."""


Block = Heading | Paragraph | Table | Image | PageBreak


@dataclass
class AdminDoc:
    """The parts of an administrative document, top to bottom."""

    authority: str  # cơ quan chủ quản, e.g. "UBND XÃ DIỄN CHÂU"
    issuer: str  # cơ quan ban hành, e.g. "TRƯỜNG THCS DIỄN CHÂU"
    number: str  # "Số: 12/BC-THCSDC"
    place: str  # "Diễn Châu"
    date: dt.date
    kind: str  # "BÁO CÁO"
    subject: str  # trích yếu nội dung
    blocks: list[Block]
    recipients: list[str]  # "Sở GDĐT" or "- Sở GDĐT;": dashes, semicolons and "- Lưu: VT." are added
    signer_title: str  # "HIỆU TRƯỞNG" or "KT. HIỆU TRƯỞNG\nPHÓ HIỆU TRƯỞNG"
    signer_name: str


def date_line(place: str, date: dt.date) -> str:
    """The date line, e.g. "Diễn Châu, ngày 05 tháng 12 năm 2026": days below 10 and months 1 and 2 take a
    leading zero (Nghị định 30/2020)."""
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    place = nfc(place).strip() or "……………"  # no place configured: a gap to fill in by hand
    return f"{place}, ngày {date.day:02d} tháng {month} năm {date.year}"


def recipient_lines(recipients: list[str]) -> list[str]:
    """Recipients as the decree writes them: "- Sở GDĐT;" on each line and "- Lưu: VT." last."""
    names = [re.sub(r"^[\s\-–]+|[\s;.,]+$", "", nfc(r)) for r in recipients]
    names = [n for n in names if n]
    if not any(n.startswith("Lưu") for n in names):
        names.append("Lưu: VT")
    names.sort(key=lambda n: n.startswith("Lưu"))  # the archive line closes the list
    return [f"- {n}{'.' if k == len(names) - 1 else ';'}" for k, n in enumerate(names)]


def write_admin_pdf(path: Path, doc: AdminDoc) -> Path:
    """Write ``doc`` as an A4 PDF to ``path`` atomically and return ``path``."""
    path = Path(path)
    register_fonts()
    with atomic_output(path) as tmp:
        story = [*_header(doc), *_title(doc)]
        for block in doc.blocks:
            story += _block(block)
        closing: list[flowables.Flowable] = [flowables.Spacer(1, 0.4 * cm), _signature(doc)]
        if isinstance(story[-1], RLParagraph):  # the signature never stands alone on the last page
            closing.insert(0, story.pop())
        story.append(flowables.KeepTogether(closing))
        template = SimpleDocTemplate(str(tmp), pagesize=A4, title=nfc(f"{doc.kind} {doc.subject}"),
                                     author=nfc(doc.issuer), subject=nfc(doc.subject), **MARGINS)
        template.build(story, onFirstPage=lambda _c, _d: None, onLaterPages=_number_page)
    return path


def register_fonts() -> None:
    """Register DejaVu Serif (from matplotlib's data folder) as a family, so <b> and <i> work."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for filename in _FONT_FILES.values():
        if not (folder / filename).exists():
            raise KitError(f"Không tìm thấy phông chữ {folder / filename} (đi kèm matplotlib); hãy cài lại matplotlib.")
    for name, filename in reversed(_FONT_FILES.items()):  # the plain face last: it marks the family as done
        pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=f"{FONT}-Bold", italic=f"{FONT}-Italic",
                                  boldItalic=f"{FONT}-BoldItalic")


def _style(size: float = BODY_PT, align: int = TA_CENTER, face: str = "", **extra: Any) -> ParagraphStyle:
    # Vietnamese capitals carry two marks (Ễ, Ộ): lines need a little more room than Latin text.
    options: dict[str, Any] = {"leading": size * 1.35, **extra}
    return ParagraphStyle(f"nls{size}{align}{face}", fontName=FONT + face, fontSize=size, alignment=align, **options)


def _text(text: str, style: ParagraphStyle) -> RLParagraph:
    """A paragraph of plain text: NFC (the font has no combining-mark shaping), markup escaped, lines kept."""
    return RLParagraph(escape(nfc(str(text))).replace("\n", "<br/>"), style)


class _Rule(flowables.Flowable):
    """A short horizontal line centred in its column (under the issuer, the motto and the subject)."""

    def __init__(self, width: float, thickness: float = 0.6):
        super().__init__()
        self.line_width = width
        self.thickness = thickness

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return avail_width, 6

    def draw(self) -> None:
        # 5 pt below the text above, clear of the descenders of g, p, y and the dot of ạ, ọ.
        x0 = (self.avail - min(self.line_width, self.avail)) / 2
        self.canv.setLineWidth(self.thickness)
        self.canv.line(x0, 1, x0 + min(self.line_width, self.avail), 1)


def _header(doc: AdminDoc) -> list[flowables.Flowable]:
    issuer = nfc(doc.issuer).upper()
    issuer_width = max(pdfmetrics.stringWidth(line, f"{FONT}-Bold", HEADER_PT) for line in issuer.split("\n"))
    motto = "Độc lập - Tự do - Hạnh phúc"
    left = [_text(nfc(doc.authority).upper(), _style(HEADER_PT))] if doc.authority.strip() else []
    left += [_text(issuer, _style(HEADER_PT, face="-Bold")), _Rule(0.4 * min(issuer_width, LEFT_COL))]
    # "Số:      /BC-…" before a number is given: the gap for the handwritten number must survive.
    number = RLParagraph(escape(nfc(doc.number)).replace(" ", "&nbsp;"), _style(HEADER_PT + 1))
    right = [_text("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", _style(HEADER_PT, face="-Bold")),
             _text(motto, _style(HEADER_PT + 1, face="-Bold")),
             _Rule(pdfmetrics.stringWidth(motto, f"{FONT}-Bold", HEADER_PT + 1))]
    rows = [[left, right],
            [number, _text(date_line(doc.place, doc.date), _style(HEADER_PT + 1, face="-Italic"))]]
    table = tables.Table(rows, colWidths=[LEFT_COL, TEXT_WIDTH - LEFT_COL])
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 1), ("RIGHTPADDING", (0, 0), (-1, -1), 1),
                    ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (0, 1), (-1, 1), 6)])
    return [table]


def _title(doc: AdminDoc) -> list[flowables.Flowable]:
    subject = nfc(doc.subject)
    width = min(pdfmetrics.stringWidth(subject, f"{FONT}-Bold", BODY_PT), TEXT_WIDTH)
    return [flowables.Spacer(1, 0.8 * cm),
            _text(nfc(doc.kind).upper(), _style(BODY_PT + 2, face="-Bold")),
            _text(subject, _style(BODY_PT, face="-Bold", spaceBefore=2)),
            flowables.Spacer(1, 2), _Rule(width / 3),
            flowables.Spacer(1, 0.5 * cm)]


_BODY = _style(BODY_PT, TA_JUSTIFY, firstLineIndent=1 * cm, spaceAfter=6)
_HEADING = _style(BODY_PT, TA_JUSTIFY, face="-Bold", firstLineIndent=1 * cm, spaceBefore=6, spaceAfter=6,
                  keepWithNext=True)
_CAPTION = _style(BODY_PT - 1, face="-Bold", spaceBefore=4, spaceAfter=4)
_IMAGE_CAPTION = _style(BODY_PT - 1, face="-Italic", spaceBefore=2, spaceAfter=6)


def _block(block: Block) -> list[flowables.Flowable]:
    if isinstance(block, Heading):
        # Room for the heading and the start of what follows (a table's caption, header and first rows:
        # see _table), so a heading never ends a page alone. keepWithNext alone would push a table longer
        # than a page to a new page whole, leaving the rest of this one blank.
        return [flowables.CondPageBreak(5 * cm), _text(block.text, _HEADING)]
    if isinstance(block, Paragraph):
        if block.markup:
            return [RLParagraph(nfc(block.text), _BODY)]
        return [_text(block.text, _BODY)]
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Image):
        return [_image(block)]
    if isinstance(block, PageBreak):
        return [flowables.PageBreak()]
    raise TypeError(f"not a report block: {block!r}")


def _table(block: Table) -> list[flowables.Flowable]:
    df = block.df
    columns = [str(c) for c in df.columns]
    percent = {str(c) for c in block.percent_columns}
    head_style = _style(TABLE_PT, face="-Bold")
    rows = [[_text(c, head_style) for c in columns]]
    places = [_decimals(df.iloc[:, j]) for j in range(len(columns))]
    texts = [[_cell_text(v, c in percent, d) for c, v, d in zip(columns, values, places, strict=True)]
             for values in df.itertuples(index=False, name=None)]
    numeric = [pd.api.types.is_numeric_dtype(df.iloc[:, j]) or columns[j] in percent for j in range(len(columns))]
    cell_styles = [_style(TABLE_PT, TA_RIGHT if num else TA_LEFT) for num in numeric]
    rows += [[_text(t, cell_styles[j]) for j, t in enumerate(line)] for line in texts]
    table = tables.Table(rows, colWidths=_column_widths(columns, texts), repeatRows=1, hAlign="CENTER")
    table.setStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4)])
    out: list[flowables.Flowable] = [flowables.CondPageBreak(3.5 * cm)]
    if block.caption:
        out.append(_text(block.caption, _CAPTION))
    return [*out, table, flowables.Spacer(1, 8)]


def _column_widths(columns: list[str], texts: list[list[str]]) -> list[float]:
    """Each column as wide as its longest cell when the page allows; otherwise columns shrink in
    proportion to how much they could wrap, never below their longest word."""
    pad = 8 + 1

    def width(text: str, face: str = "") -> float:
        return pdfmetrics.stringWidth(text, FONT + face, TABLE_PT)

    natural, least = [], []
    for j, name in enumerate(columns):
        cells = [line[j] for line in texts]
        natural.append(max([width(name, "-Bold")] + [width(t) for t in cells]) + pad)
        words = [(w, "-Bold") for w in name.split()] + [(w, "") for t in cells for w in t.split()]
        least.append(max([width(w, face) for w, face in words] or [0]) + pad)
    if sum(natural) <= TEXT_WIDTH:
        return natural
    if sum(least) >= TEXT_WIDTH:
        return [w * TEXT_WIDTH / sum(least) for w in least]
    share = (TEXT_WIDTH - sum(least)) / (sum(natural) - sum(least))
    return [lo + (hi - lo) * share for lo, hi in zip(least, natural, strict=True)]


def _decimals(column: pd.Series) -> int:
    """Decimal places a column of numbers needs (0–2), the same for every row so the commas line up."""
    if not pd.api.types.is_float_dtype(column):
        return 0
    values = column.dropna()
    return next((d for d in (0, 1) if ((values * 10**d).round(6) % 1 == 0).all()), 2)


def _cell_text(value: Any, percent: bool = False, decimals: int = 2) -> str:
    """How a value reads in a Vietnamese table: 75%, 7,50 (decimal comma), 05/12/2026, empty when missing."""
    if value is None or (not isinstance(value, str | bytes | list | tuple | dict) and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "Có" if value else "Không"
    if percent and isinstance(value, numbers.Real):
        return f"{float(value):.0%}"
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return f"{float(value):.{decimals}f}".replace(".", ",")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def _image(block: Image) -> flowables.Flowable:
    source = io.BytesIO(block.source) if isinstance(block.source, bytes) else str(block.source)
    width_px, height_px = ImageReader(source).getSize()
    width = min(block.width_cm * cm, TEXT_WIDTH)
    height = width * height_px / width_px
    if height > TEXT_HEIGHT * 0.9:  # a tall picture still fits one page
        width, height = width * TEXT_HEIGHT * 0.9 / height, TEXT_HEIGHT * 0.9
    if isinstance(source, io.BytesIO):
        source.seek(0)
    picture = flowables.Image(source, width=width, height=height)
    picture.hAlign = "CENTER"
    parts: list[flowables.Flowable] = [flowables.Spacer(1, 4), picture]
    if block.caption:
        parts.append(_text(block.caption, _IMAGE_CAPTION))
    return flowables.KeepTogether(parts)


def _signature(doc: AdminDoc) -> flowables.Flowable:
    """Recipients bottom left, signer bottom right with room for the signature and the seal."""
    left = [RLParagraph("<b><i>Nơi nhận:</i></b>", _style(HEADER_PT, TA_LEFT))]
    left += [_text(line, _style(HEADER_PT - 1, TA_LEFT, leading=(HEADER_PT - 1) * 1.2))
             for line in recipient_lines(doc.recipients)]
    right = [_text(nfc(doc.signer_title).upper(), _style(BODY_PT, face="-Bold")),
             flowables.Spacer(1, 2.6 * cm),
             _text(doc.signer_name, _style(BODY_PT, face="-Bold"))]
    table = tables.Table([[left, right]], colWidths=[TEXT_WIDTH * 0.45, TEXT_WIDTH * 0.55])
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    return table


def _number_page(canvas: Canvas, template: SimpleDocTemplate) -> None:
    """Page numbers centred in the top margin from page 2 on (the first page has none)."""
    canvas.saveState()
    canvas.setFont(FONT, HEADER_PT)
    canvas.drawCentredString(MARGINS["leftMargin"] + TEXT_WIDTH / 2, A4[1] - 1.3 * cm, str(canvas.getPageNumber()))
    canvas.restoreState()
