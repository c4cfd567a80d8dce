"""A one-page PDF written directly: a title, a table of rows and notes, in Chinese.

The demo needs about a hundred sample files (审批结果样本, 空白表格, 示例样表). WeasyPrint takes a
tenth of a second and embeds a 100–200 KB font subset in each; this writer takes well under a
millisecond and a page is about 2 KB, because it names the standard Adobe-GB1 font ``STSong-Light``
(PDF 1.7, 9.7.5.2: predefined CMaps) instead of embedding one. Every PDF viewer substitutes a
system CJK font for it, and text extraction (pdftotext) reads it back.
"""

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 64
LABEL_WIDTH = 150
TITLE_SIZE, TEXT_SIZE, NOTE_SIZE = 18, 11, 10
ROW_PADDING = 7


def _text_width(text: str, size: float) -> float:
    # STSong-Light: CJK characters are a full em wide, ASCII half an em (the /W entry below).
    return sum(size * (0.5 if ord(c) < 0x80 else 1.0) for c in text)


def _wrap(text: str, size: float, width: float) -> list[str]:
    lines, current = [], ""
    for char in text:
        if _text_width(current + char, size) > width:
            lines.append(current)
            current = ""
        current += char
    return [*lines, current] if current or not lines else lines


def _hex(text: str) -> str:
    """UCS-2 big-endian hex, as the UniGB-UCS2-H CMap reads it (BMP characters only)."""
    return "".join(f"{ord(c):04X}" if ord(c) <= 0xFFFF else "FF1F" for c in text)


def _show(x: float, y: float, size: float, text: str) -> str:
    return f"BT /F1 {size} Tf {x:.1f} {y:.1f} Td <{_hex(text)}> Tj ET"


def simple_pdf(*, title: str, subtitle: str = "", rows: list[tuple[str, str]], notes: list[str]) -> bytes:
    """A4 page: centred title and subtitle, a two-column ruled table, then notes."""
    ops: list[str] = ["0.5 w"]
    y = PAGE_HEIGHT - MARGIN - TITLE_SIZE
    for line in _wrap(title, TITLE_SIZE, PAGE_WIDTH - 2 * MARGIN):
        ops.append(_show((PAGE_WIDTH - _text_width(line, TITLE_SIZE)) / 2, y, TITLE_SIZE, line))
        y -= TITLE_SIZE * 1.5
    if subtitle:
        ops.append(_show((PAGE_WIDTH - _text_width(subtitle, TEXT_SIZE)) / 2, y, TEXT_SIZE, subtitle))
        y -= TEXT_SIZE * 2
    y -= TEXT_SIZE
    value_x = MARGIN + LABEL_WIDTH
    value_width = PAGE_WIDTH - MARGIN - value_x - 2 * ROW_PADDING
    for label, value in rows:
        label_lines = _wrap(label, TEXT_SIZE, LABEL_WIDTH - 2 * ROW_PADDING)
        value_lines = _wrap(value, TEXT_SIZE, value_width) if value else [""]
        height = max(len(label_lines), len(value_lines)) * TEXT_SIZE * 1.5 + 2 * ROW_PADDING
        if y - height < MARGIN:
            break
        ops.append(f"{MARGIN} {y - height:.1f} {LABEL_WIDTH} {height:.1f} re S")
        ops.append(f"{value_x} {y - height:.1f} {PAGE_WIDTH - MARGIN - value_x} {height:.1f} re S")
        for column_x, lines in ((MARGIN, label_lines), (value_x, value_lines)):
            line_y = y - ROW_PADDING - TEXT_SIZE
            for line in lines:
                if line:
                    ops.append(_show(column_x + ROW_PADDING, line_y, TEXT_SIZE, line))
                line_y -= TEXT_SIZE * 1.5
        y -= height
    y -= NOTE_SIZE * 2
    for note in notes:
        for line in _wrap(note, NOTE_SIZE, PAGE_WIDTH - 2 * MARGIN):
            if y < MARGIN:
                break
            ops.append(_show(MARGIN, y, NOTE_SIZE, line))
            y -= NOTE_SIZE * 1.6
    return _assemble("\n".join(ops).encode("ascii"), title)


def _assemble(content: bytes, title: str) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".encode(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UCS2-H /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        f"<< /Title <FEFF{_hex(title)}> /Producer (portal catalog demo) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 8 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
