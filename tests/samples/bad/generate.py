"""Broken and hostile files for tests/ingest/test_bad_files.py.

`python tests/samples/bad/generate.py` (re)writes the small files committed
next to this script from the good samples one folder up. The big ones (zip
bombs, a 10 MB DOCX of 1 GB XML, registers of 200,000 rows, a CSV over the
upload limit, a PDF built to be slow) are never committed: the tests call the
`make_*` functions below and write them under tmp_path.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).parent
SAMPLES = HERE.parent
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

RETRO = """---
code: BAD-{n}
project: Hostile input {n}
---
# Retrospective

## What went well

- The vendor delivered the data migration scripts two weeks early.

## What went wrong

- User acceptance testing started late because the test environment was not ready.
"""


def repack(source: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip package with some members replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, data in add.items():
            dst.writestr(name, data)
    return out.getvalue()


def laughs(root: str, levels: int = 9) -> bytes:
    """'Billion laughs': ten entities each expanding to ten of the one before."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{"".join(entities)}]>\n' + root.format(f"&lol{levels};")).encode()


def docx() -> bytes:
    return (SAMPLES / "CRM-2022_closure_report.docx").read_bytes()


def xlsx() -> bytes:
    return (SAMPLES / "CRM-2022_risk_register.xlsx").read_bytes()


def pdf() -> bytes:
    return (SAMPLES / "NET-UPG-2020_closure_report.pdf").read_bytes()


def _word_body(text: str) -> str:
    return f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'


def _sheet(cell: str) -> str:
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            f'<row r="1"><c r="A1" t="inlineStr"><is><t>{cell}</t></is></c></row></sheetData></worksheet>')


def small_files() -> dict[str, bytes]:
    """Every committed file, by name (each well under 100 KB)."""
    chinese_simplified = ("---\ncode: BAD-GBK\n---\n## What went wrong\n\n"
                          "- 供应商延迟交付导致项目进度落后两周，我们应该提前签订合同并每周检查进度。\n"
                          "- 测试环境不足，导致用户验收测试推迟了三个星期。\n")
    chinese_traditional = ("---\ncode: BAD-BIG5\n---\n## What went wrong\n\n"
                           "- 供應商延遲交付導致項目進度落後兩週，我們應該提前簽訂合同並每週檢查進度。\n"
                           "- 測試環境不足，導致用戶驗收測試推遲了三個星期。\n")
    latin = ("Title,Description,Recommendation\n"
             "Café façade delayed,The Zürich façade renovation slipped; naïve estimates ignored the señor's "
             "permits.,Ask the régie for permits à l'avance.\n"
             "Müller's crew reassigned,The crew moved to another site mid-phase.,Agree crew dates in the contract.\n")
    register = ("Title\tDescription\tRecommendation\n"
                "Vendor onboarding slow\tAccess requests took three weeks – the vendor idled.\tFile access "
                "requests before the contract starts.\n")
    formulas = ("Title,Description,Recommendation\n"
                "=HYPERLINK(\"http://example.invalid\",\"click\"),Cell that a spreadsheet would run,Quote it\n"
                "+cmd|' /C calc'!A0,Another formula-like cell,Quote it\n"
                "-2+3,Starts with minus,Quote it\n"
                "@SUM(A1:A2),Starts with at,Quote it\n")
    html = ("---\ncode: BAD-HTML\n---\n# <script>alert('title')</script> review\n\n## What went wrong\n\n"
            "- <script>alert('xss')</script> The cutover <img src=x onerror=alert(1)> slipped a week.\n"
            "- <b onmouseover=alert(2)>Bold</b> claims about the vendor were <iframe src=//x></iframe> wrong.\n")
    crm = docx()
    sheet_register = xlsx()
    return {
        "truncated.docx": crm[: len(crm) // 2],
        "truncated.xlsx": sheet_register[: len(sheet_register) // 2],
        "truncated.pdf": pdf()[: len(pdf()) // 3],
        "corrupt_crc.xlsx": _flip_member_bytes(sheet_register, "xl/worksheets/sheet1.xml"),
        "corrupt_xml.docx": repack(crm, {"word/document.xml": b'<w:document xmlns:w="x"><w:body><w:p>'}),
        "billion_laughs.docx": repack(crm, {"word/document.xml": laughs(_word_body("{}"))}),
        "billion_laughs.xlsx": repack(sheet_register, {"xl/worksheets/sheet1.xml": laughs(_sheet("{}"))}),
        "entities_utf16.xlsx": repack(sheet_register, {"xl/worksheets/sheet1.xml": laughs(_sheet("{}")).decode()
                                                       .replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
                                                       .encode("utf-16")}),
        "external_entity.docx": repack(crm, {"word/document.xml": (
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + _word_body("&x;")).encode()}),
        "macro_enabled.docx": repack(crm, {"[Content_Types].xml": zipfile.ZipFile(io.BytesIO(crm)).read(
            "[Content_Types].xml").replace(b"document.main+xml", b"document.macroEnabled.main+xml")}),
        "encrypted_office.xlsx": bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504 + b"EncryptedPackage" * 64,
        "encrypted.pdf": _encrypted_pdf(),
        "yaml_alias_bomb.md": _alias_bomb(6).encode() + RETRO.format(n=2).split("---", 2)[2].encode(),
        "yaml_deep_nesting.md": b"---\ncode: " + b"[" * 5000 + b"\n---\n" + RETRO.format(n=3).split("---", 2)[2].encode(),
        "line_separator_u2028.jsonl": _jsonl("Cutover\u2028rehearsal", "Rehearse the cutover\u2028twice."),
        "next_line_u0085.jsonl": _jsonl("Vendor\u0085exit", "Plan the vendor exit\u0085early."),
        "lone_surrogate.jsonl": b'{"Title": "Broken \\ud800 text", "Lesson": "A lesson with half a character"}\n',
        "deep_nesting.jsonl": b'{"Title": ' + b"[" * 20_000 + b"\n",
        "long_integer.jsonl": b'{"Title": "Budget", "Lesson": ' + b"9" * 5000 + b"}\n",
        "binary_png.md": bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256)) * 4,
        "binary_no_nul.md": bytes((i * 97 + 13) % 128 + 128 for i in range(4096)),
        "nul_inside.csv": b"Title,Description\n" + b"Long lesson,text " * 600 + b"\x00tail\n",
        "zero_bytes.md": b"",
        "zero_bytes.docx": b"",
        "zero_bytes.xlsx": b"",
        "zero_bytes.pdf": b"",
        "zero_bytes.jsonl": b"",
        "whitespace_only.md": b"  \n\t\n\n",
        "bom_only.csv": b"\xef\xbb\xbf",
        "gbk.md": chinese_simplified.encode("gbk"),
        "big5.md": chinese_traditional.encode("big5"),
        "latin1_lessons.csv": latin.encode("latin-1"),
        "utf16_lessons.csv": register.encode("utf-16"),
        "utf8_bom_lessons.csv": b"\xef\xbb\xbf" + latin.encode("utf-8"),
        "formula_cells_lessons.csv": formulas.encode(),
        "html_script_retro.md": html.encode(),
        "dimension_lie.xlsx": _dimension_lie(sheet_register),
        "deep_blockquote.md": (RETRO.format(n=4) + "\n" + ">" * 10_000 + " quoted\n").encode(),
    }


def _flip_member_bytes(package: bytes, member: str) -> bytes:
    """The package with bytes in the middle of one member's compressed data inverted (bad CRC / bad deflate)."""
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        info = zf.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    broken = bytearray(package)
    for i in range(middle, middle + 16):
        broken[i] ^= 0xFF
    return bytes(broken)


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _alias_bomb(levels: int) -> str:
    lines = ["---", "code: BAD-ALIAS", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n---\n"


def _jsonl(title: str, lesson: str) -> bytes:
    record = {"Title": title, "Lesson learned": lesson, "Recommendation": "Keep the separator."}
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()


def _dimension_lie(package: bytes) -> bytes:
    """A register whose sheet claims to span A1:XFD1048576 (17 billion cells)."""
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    start = sheet.index("<dimension ref=\"")
    end = sheet.index("\"", start + len("<dimension ref=\""))
    return repack(package, {"xl/worksheets/sheet1.xml": (sheet[:start] + '<dimension ref="A1:XFD1048576' +
                                                         sheet[end:]).encode()})


# --- generated in the tests, never committed ------------------------------------------------

def make_zip_bomb_xlsx() -> bytes:
    """An XLSX whose sheet unpacks to 300 MB of zeros."""
    return _bomb(xlsx(), "xl/worksheets/sheet1.xml", 300 * 1024 * 1024)


def make_zip_bomb_docx() -> bytes:
    return _bomb(docx(), "word/document.xml", 300 * 1024 * 1024)


def _bomb(package: bytes, member: str, size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open(member, "w", force_zip64=True) as part:
            chunk = b"\0" * (16 * 1024 * 1024)
            for _ in range(size // len(chunk)):
                part.write(chunk)
    return out.getvalue()


def make_ten_mb_docx_of_1gb_xml(path: Path) -> Path:
    """A ~10 MB DOCX whose document.xml unpacks to 1 GiB of XML (ratio about 100, like a heavy real file)."""
    paragraph = f'<w:p><w:r><w:t>{"lesson " * 120}</w:t></w:r></w:p>'.encode()
    chunk = paragraph * (4 * 1024 * 1024 // len(paragraph) + 1)
    chunk = chunk[:4 * 1024 * 1024]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst, \
            zipfile.ZipFile(io.BytesIO(docx())) as src:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open("word/document.xml", "w", force_zip64=True) as part:
            for _ in range(256):
                part.write(chunk)
        dst.writestr(zipfile.ZipInfo("word/media/image1.png"), _incompressible(1024 * 1024),
                     compress_type=zipfile.ZIP_STORED)
    return path


def _incompressible(size: int) -> bytes:
    import random

    return random.Random(9).randbytes(size)


def make_many_parts_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst, zipfile.ZipFile(io.BytesIO(docx())) as src:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        for i in range(20_000):
            dst.writestr(f"customXml/p{i}.xml", b"")
    return out.getvalue()


def make_register(rows: int, columns: int = 3) -> bytes:
    """A lessons register CSV with `rows` data rows and `columns` columns (the first three are known)."""
    known = ["Title", "Description", "Recommendation"]
    header = (known + [f"Extra {i}" for i in range(columns - len(known))])[:columns]
    lines = [",".join(header)]
    filler = ",".join(["x"] * (columns - 3))
    for i in range(rows):
        cells = f"Lesson {i},Description of lesson {i},Do {i} better"
        lines.append(cells + ("," + filler if filler else ""))
    return ("\n".join(lines) + "\n").encode()


def make_stray_cell_xlsx() -> bytes:
    """A three-row lessons register with one stray value typed at XFD4, Excel's last column."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Title", "Description", "Recommendation"])
    for i in range(3):
        sheet.append([f"Lesson {i}", f"Description of lesson {i}", f"Do {i} better"])
    sheet["XFD4"] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_long_quoted_cell_csv(bars: int = 4000) -> bytes:
    """A lessons register whose first lesson is one quoted cell longer than the delimiter sniffer's
    sample, full of | characters (a pasted table)."""
    cell = "Vendor | scope | late " * bars
    return (f'Title,Description,Recommendation\nPasted vendor table,"{cell}",Agree the format\n'
            "Late test data,The test data arrived late,Order it at kickoff\n").encode()


def make_huge_text_node_docx(megabytes: int = 12) -> bytes:
    """A closure report whose one text run is `megabytes` MB of spaces: past the XML parser's
    10 MB limit on one text node."""
    return repack(docx(), {"word/document.xml": _word_body(" " * megabytes * 1024 * 1024 + "x").encode()})


def make_many_bullets(count: int) -> bytes:
    """A retrospective with `count` bullets under one heading."""
    bullets = "".join(f"- Lesson {i}: the vendor slipped again.\n" for i in range(count))
    return ("---\ncode: BIG-RET-2026\n---\n# Retrospective\n\n## What went wrong\n\n" + bullets).encode()


def make_jsonl_register(rows: int) -> bytes:
    line = '{{"Title": "Lesson {0}", "Lesson learned": "Text {0}"}}\n'
    return "".join(line.format(i) for i in range(rows)).encode()


def make_oversized_csv(limit_bytes: int) -> bytes:
    """A valid register just over `limit_bytes`."""
    row = b"Late vendor,The vendor delivered late again,Agree penalties\n"
    return b"Title,Description,Recommendation\n" + row * (limit_bytes // len(row) + 2)


def make_slow_pdf(operations: int = 2_000_000) -> bytes:
    """A one-page PDF whose content stream is millions of tiny text operations (small compressed):
    reading its text layer takes minutes."""
    content = zlib.compress(b"BT /F1 9 Tf 10 10 Td (lesson) Tj ET\n" * operations, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def write_small_files() -> None:
    for name, data in small_files().items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    write_small_files()
