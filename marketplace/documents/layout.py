"""A document in the Vietnamese administrative layout, written as PDF with fpdf2.

The layout follows the model forms of Decree 30/2020/NĐ-CP on administrative documents:
at the top left the governing body, the issuing body (bold, upper case, a short rule
below) and the number and symbol ("Số: …"); at the top right the national title
(Quốc hiệu "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") and motto (Tiêu ngữ "Độc lập - Tự do -
Hạnh phúc", a rule below), then the place and date in italics; the document's kind and
subject centred; the body; the recipients ("Nơi nhận") at the bottom left and the
signature blocks at the right.

The text is set in DejaVu Serif, bundled in `fonts/` under its licence (Bitstream Vera
terms, `fonts/LICENSE`), which has every Vietnamese letter with its diacritics. The
output is a pure function of the `Official` value: the creation date is the document's
own date, so the same value always gives the same bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

FONT_DIR = Path(__file__).with_name("fonts")
FONT = "DejaVuSerif"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class Table:
    """A table of the body: a header row, rows of text, relative column widths."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Signer:
    """A signature block: the capacity (e.g. "ĐẠI DIỆN BÊN A"), the title, the name."""

    capacity: str
    title: str = ""
    name: str = ""
    note: str = "(Ký số)"


@dataclass(frozen=True)
class Official:
    """Everything on the page. `body` holds paragraphs (str), headings (a str starting
    with "## ") and tables; `date` is the local (Asia/Ho_Chi_Minh) calendar date."""

    governing_body: str
    issuing_body: str
    number: str
    place: str
    date: date
    kind: str  # e.g. "QUYẾT ĐỊNH", "HỢP ĐỒNG"
    subject: str
    body: tuple[str | Table, ...]
    signers: tuple[Signer, ...]
    recipients: tuple[str, ...] = ()
    footer: str = ""  # e.g. the SHA-256 of the terms, printed on every page
    title: str = ""  # the PDF's metadata title
    keywords: tuple[str, ...] = field(default_factory=tuple)


def vietnamese_date(place: str, day: date) -> str:
    """"Hà Nội, ngày 05 tháng 11 năm 2026" (day and month below 10 with a leading zero,
    as the model forms write them)."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


PDF_A = "PDFA_2U"  # ISO 19005-2, level U: archivable and with Unicode text


def _xmp(doc: Official, created: datetime, title: str) -> str:
    """The XMP metadata PDF/A requires (fpdf2 writes one too, but dated now: this one
    keeps a document's bytes a function of its data)."""
    from xml.sax.saxutils import escape

    def text(value: str) -> str:
        return escape(value, {'"': "&quot;"})

    stamp = created.isoformat(timespec="seconds")
    return "\n".join((
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">',
        f'  <rdf:Description rdf:about="" xmp:CreatorTool="First Customer Marketplace"'
        f' xmp:CreateDate="{stamp}" xmp:ModifyDate="{stamp}" xmp:MetadataDate="{stamp}"'
        f' pdf:Producer="fpdf2" pdf:Keywords="{text(" ".join(doc.keywords))}">',
        "   <pdfaid:part>2</pdfaid:part><pdfaid:conformance>U</pdfaid:conformance>",
        f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{text(title)}</rdf:li>'
        "</rdf:Alt></dc:title>",
        f"   <dc:creator><rdf:Seq><rdf:li>{text(doc.issuing_body)}</rdf:li></rdf:Seq>"
        "</dc:creator>",
        "  </rdf:Description>", " </rdf:RDF>", "</x:xmpmeta>"))


class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "I", 7.5)
        self.set_text_color(90, 90, 90)
        text = f"{self.footer_text}    Trang {self.page_no()}/{{nb}}".strip()
        self.cell(0, 5, text, align=Align.C)
        self.set_text_color(0, 0, 0)


def render(doc: Official) -> bytes:
    """The PDF bytes of one document (A4, margins of the model forms: 30 mm left,
    20 mm top, right and bottom), PDF/A-2U as fpdf2 enforces it: every font embedded,
    XMP metadata with the pdfaid markers, an sRGB output intent (the ICC profile that
    ships with fpdf2), no Info dictionary, no encryption."""
    pdf = _Pdf(format="A4", unit="mm", enforce_compliance=PDF_A)
    pdf.footer_text = doc.footer
    for style, name in (("", "DejaVuSerif.ttf"), ("B", "DejaVuSerif-Bold.ttf"),
                        ("I", "DejaVuSerif-Italic.ttf")):
        pdf.add_font(FONT, style, str(FONT_DIR / name))
    pdf.set_margins(30, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    created = datetime.combine(doc.date, time(0, 0), tzinfo=UTC)
    pdf.set_creation_date(created)
    pdf.set_lang("vi")
    pdf.set_title(doc.title or f"{doc.kind} {doc.number}")
    pdf.set_xmp_metadata(_xmp(doc, created, doc.title or f"{doc.kind} {doc.number}"))
    pdf.set_author(doc.issuing_body)
    pdf.set_creator("First Customer Marketplace")
    if doc.keywords:
        pdf.set_keywords(" ".join(doc.keywords))
    pdf.add_page()
    _heading(pdf, doc)
    _title(pdf, doc)
    for part in doc.body:
        if isinstance(part, Table):
            _table(pdf, part)
        elif part.startswith("## "):
            pdf.ln(1.5)
            pdf.set_font(FONT, "B", 11)
            pdf.multi_cell(0, 6, part[3:], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.set_font(FONT, "", 11)
            pdf.multi_cell(0, 6, part, align=Align.J, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
    _closing(pdf, doc)
    return bytes(pdf.output())


def _heading(pdf: FPDF, doc: Official) -> None:
    left_w, right_w = 70, pdf.epw - 70
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_font(FONT, "", 10.5)
    pdf.multi_cell(left_w, 5, doc.governing_body.upper(), align=Align.C,
                   new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(left_w, 5, doc.issuing_body.upper(), align=Align.C,
                   new_x=XPos.LEFT, new_y=YPos.NEXT)
    y = pdf.get_y() + 1
    pdf.line(x0 + left_w / 2 - 12, y, x0 + left_w / 2 + 12, y)
    pdf.set_y(y + 2)
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(left_w, 6, f"Số: {doc.number}", align=Align.C,
                   new_x=XPos.LEFT, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()

    pdf.set_xy(x0 + left_w, y0)
    pdf.set_font(FONT, "B", 10.5)
    pdf.cell(right_w, 5, NATIONAL_TITLE, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 11.5)
    pdf.cell(right_w, 6, MOTTO, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    width = pdf.get_string_width(MOTTO)
    middle = x0 + left_w + right_w / 2
    y = pdf.get_y() + 0.5
    pdf.line(middle - width / 2, y, middle + width / 2, y)
    pdf.set_xy(x0 + left_w, y + 4)
    pdf.set_font(FONT, "I", 11)
    pdf.cell(right_w, 6, vietnamese_date(doc.place, doc.date), align=Align.C)
    pdf.set_xy(x0, max(left_bottom, pdf.get_y() + 6) + 6)


def _title(pdf: FPDF, doc: Official) -> None:
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 7, doc.kind, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 11.5)
    pdf.multi_cell(0, 6, doc.subject, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 1
    middle = pdf.l_margin + pdf.epw / 2
    pdf.line(middle - 20, y, middle + 20, y)
    pdf.ln(6)


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(FONT, "", 9.5)
    pdf.ln(1)
    with pdf.table(col_widths=table.widths, text_align="LEFT", line_height=5,
                   first_row_as_headings=True,
                   headings_style=_heading_style()) as grid:
        for values in (table.header, *table.rows):
            line = grid.row()
            for value in values:
                line.cell(value)
    pdf.ln(3)


def _heading_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", fill_color=(235, 235, 235))


def _closing(pdf: FPDF, doc: Official) -> None:
    needed = 45
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    if doc.recipients:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(60, 5, "Nơi nhận:", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        for recipient in doc.recipients:
            pdf.multi_cell(60, 4.5, f"- {recipient};", new_x=XPos.LEFT, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    signers = doc.signers
    if not signers:
        return
    if doc.recipients or len(signers) == 1:
        slots = [(pdf.l_margin + pdf.epw - 85, 85)]
        columns = [(signers[-1], slots[0])]
    else:
        half = pdf.epw / len(signers)
        columns = [(s, (pdf.l_margin + i * half, half)) for i, s in enumerate(signers)]
    for signer, (x, width) in columns:
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(width, 5.5, signer.capacity.upper(), align=Align.C,
                       new_x=XPos.LEFT, new_y=YPos.NEXT)
        if signer.title:
            pdf.set_font(FONT, "B", 11)
            pdf.multi_cell(width, 5.5, signer.title.upper(), align=Align.C,
                           new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "I", 9.5)
        pdf.multi_cell(width, 5, signer.note, align=Align.C, new_x=XPos.LEFT,
                       new_y=YPos.NEXT)
        pdf.ln(16)
        pdf.set_x(x)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(width, 5.5, signer.name, align=Align.C, new_x=XPos.LEFT,
                       new_y=YPos.NEXT)
        bottom = max(bottom, pdf.get_y())
    pdf.set_y(bottom)
