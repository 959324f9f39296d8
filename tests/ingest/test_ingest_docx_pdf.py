"""Word and PDF closure reports."""

from __future__ import annotations

from datetime import date

import pytest

from ingest import ParseContext, heading_anchors, item_anchors, parse_bytes
from kb.errors import InvalidDocument


def parse_sample(samples, name):
    return parse_bytes(name, (samples / name).read_bytes(), ParseContext())


def page_ids(content: str) -> set[str]:
    """The ids the document page gives headings and list items."""
    return {a for _, _, a in heading_anchors(content)} | set(item_anchors(content))


def test_docx_closure_report(samples):
    parsed = parse_sample(samples, "CRM-2022_closure_report.docx")
    assert parsed.document.kind == "closure report"
    project = parsed.projects[0]
    assert (project.code, project.name, project.project_type) == ("CRM-2022", "Sales CRM Rollout", "CRM rollout")
    assert (project.planned_budget, project.actual_budget, project.currency) == (850_000, 910_000, "USD")
    assert project.actual_end == date(2022, 11, 7)
    assert project.methodology == "agile"  # from a 'Key: value' paragraph
    lessons = {l.title: l for l in parsed.lessons}
    lead = lessons["Sales managers as product owners"]  # bold run → title
    assert lead.polarity == "went well" and lead.what_happened.startswith("Each region's manager")
    dup = lessons["Duplicate contacts"]
    assert dup.polarity == "went wrong" and dup.source_location == "What did not go well"
    assert dup.cause.startswith("no data-quality rules")  # the paragraph after the bullet
    assert dup.impact.startswith("two extra migration cycles")  # a level-2 bullet
    sub = lessons["Plan data cleansing early"]
    assert sub.polarity == "improvement" and sub.recommendation.startswith("make data-quality rules")
    assert {l.source_anchor for l in parsed.lessons} <= page_ids(parsed.document.content)


def test_pdf_closure_report(samples):
    parsed = parse_sample(samples, "NET-UPG-2020_closure_report.pdf")
    project = parsed.projects[0]
    assert (project.code, project.project_type, project.currency) == ("NET-UPG-2020", "network upgrade", "EUR")
    assert (project.planned_end, project.actual_end) == (date(2020, 9, 30), date(2020, 10, 15))
    lessons = {l.title: l for l in parsed.lessons}
    late = lessons["Late circuit deliveries"]
    assert late.polarity == "went wrong" and late.cause.startswith("the carrier's lead times")
    assert late.source_location == "3. What went wrong" and late.source_anchor == "3-what-went-wrong-item-1"
    assert lessons["Pilot branches first"].polarity == "went well"
    assert [l.polarity for l in parsed.lessons].count("improvement") == 1
    assert {l.source_anchor for l in parsed.lessons} <= page_ids(parsed.document.content)


def test_scanned_pdf_is_rejected(samples):
    with pytest.raises(InvalidDocument, match="no text layer.*OCR"):
        parse_sample(samples, "scanned_closure_report.pdf")


def test_encrypted_pdf_is_rejected(samples, tmp_path):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(samples / "NET-UPG-2020_closure_report.pdf"))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InvalidDocument, match="password-protected"):
        parse_bytes("locked.pdf", out.getvalue(), ParseContext())


def test_a_word_table_of_lessons_under_a_section_is_one_lesson_a_row():
    import io

    import docx

    document = docx.Document()
    document.add_heading("Closure report", 1)
    document.add_paragraph("Project code: TBL-CRM-2023")
    document.add_heading("Lessons learned", 2)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("Lesson", "Root cause", "Action"),
                                       ("Agents were trained a week before go-live", "Training was planned last",
                                        "Train agents a month ahead"),
                                       ("The telephony connector was not in the contract", "Scope was read loosely",
                                        "List every connector in the contract")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    parsed = parse_bytes("TBL-CRM-2023_closure-report.docx", buffer.getvalue(), ParseContext())
    assert [(x.title, x.cause, x.recommendation) for x in parsed.lessons] == [
        ("Agents were trained a week before go-live", "Training was planned last", "Train agents a month ahead"),
        ("The telephony connector was not in the contract", "Scope was read loosely",
         "List every connector in the contract")]


def _word_with(body_xml: str) -> bytes:
    """A .docx whose body is `body_xml` (WordprocessingML, `w:` prefix)."""
    import io
    import zipfile

    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
                    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
                    f'<w:body>{body_xml}</w:body></w:document>').encode()
            target.writestr(item, data)
    return out.getvalue()


def _p(text: str, style: str | None = None, bullet: bool = False) -> str:
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    bullet_xml = '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>' if bullet else ""
    props = f"<w:pPr>{style_xml}{bullet_xml}</w:pPr>"
    return f"<w:p>{props}{text}</w:p>"


def _r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def test_word_text_in_tracked_changes_content_controls_text_boxes_and_nested_tables_is_read():
    body = "".join([
        _p(_r("Closure report"), "Heading1"),
        _p(_r("Project code: TRK-ERP-2024")),
        _p(_r("What went wrong"), "Heading2"),
        # a tracked insertion is read, a tracked deletion is not
        _p(_r("The go-live was ") + f'<w:ins w:id="1" w:author="a">{_r("postponed three times.")}</w:ins>'
           + '<w:del w:id="2" w:author="a"><w:r><w:delText>on time.</w:delText></w:r></w:del>', bullet=True),
        # a whole paragraph inserted with tracked changes on
        f'<w:ins w:id="3" w:author="a">{_p(_r("Cutover rehearsals were skipped to save a weekend."), bullet=True)}</w:ins>',
        # a template's content control around a lesson
        f'<w:sdt><w:sdtPr/><w:sdtContent>{_p(_r("Key users were not released for testing."), bullet=True)}'
        '</w:sdtContent></w:sdt>',
        # an inline content control
        _p('<w:sdt><w:sdtPr/><w:sdtContent>' + _r("Interface specifications arrived late.") + '</w:sdtContent></w:sdt>',
           bullet=True),
        # a text box anchored in a paragraph, written twice (drawing and VML fallback)
        _p('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>'
           + _p(_r("Data cleansing started too late."), bullet=True)
           + '</w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>'
           + _p(_r("Data cleansing started too late."), bullet=True)
           + '</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>'),
    ])
    parsed = parse_bytes("TRK-ERP-2024_closure-report.docx", _word_with(body), ParseContext())
    titles = [x.title for x in parsed.lessons]
    assert titles == ["The go-live was postponed three times", "Cutover rehearsals were skipped to save a weekend",
                      "Key users were not released for testing", "Interface specifications arrived late",
                      "Data cleansing started too late"]
    assert parsed.project_code == "TRK-ERP-2024"


def test_a_pdfs_running_header_and_footer_do_not_cut_its_sections():
    from fpdf import FPDF

    class Report(FPDF):
        def header(self):
            self.set_font("Helvetica", "B", 9)
            self.cell(0, 6, "NORTHWIND FINANCIAL SERVICES", new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-15)
            self.set_font("Helvetica", "", 9)
            self.cell(0, 6, f"CONFIDENTIAL - page {self.page_no()}")

    pdf = Report()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Claims Platform Closure Report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 6, "Project code: PDF-CLD-2023", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, "What went wrong", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for n, text in enumerate(["The claims data was dirtier than sampled.", "Firewall changes took three weeks each.",
                              "The vendor's DBA left mid-migration.", "Batch jobs overran the window."]):
        if n == 2:
            pdf.add_page()  # a page break in the middle of the section
        pdf.multi_cell(0, 6, f"- {text}", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, "What went well", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, "- Weekly cloud spend reports kept the sponsor informed.", new_x="LMARGIN", new_y="NEXT")
    parsed = parse_bytes("PDF-CLD-2023_closure-report.pdf", bytes(pdf.output()), ParseContext())
    assert [(x.title, x.polarity) for x in parsed.lessons] == [
        ("The claims data was dirtier than sampled", "went wrong"), ("Firewall changes took three weeks each", "went wrong"),
        ("The vendor's DBA left mid-migration", "went wrong"), ("Batch jobs overran the window", "went wrong"),
        ("Weekly cloud spend reports kept the sponsor informed", "went well")]
    assert "CONFIDENTIAL" not in parsed.document.content and parsed.document.title != "NORTHWIND FINANCIAL SERVICES"


def test_bullets_and_numbers_typed_by_hand_in_word_are_list_items_without_them():
    import io

    import docx

    document = docx.Document()
    document.add_heading("Closure report", 1)
    document.add_paragraph("Project code: TYP-CRM-2023")
    document.add_heading("What went wrong", 2)
    for text in ("• The telephony connector was missing from the contract.", "2) Agents were trained too late.",
                 "– Data owners signed off late."):
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    parsed = parse_bytes("TYP-CRM-2023_closure-report.docx", buffer.getvalue(), ParseContext())
    assert [x.title for x in parsed.lessons] == ["The telephony connector was missing from the contract",
                                                 "Agents were trained too late", "Data owners signed off late"]


def test_a_heading_or_bullet_repeated_at_the_top_of_every_page_is_content_not_a_running_header():
    from fpdf import FPDF

    pdf = FPDF()
    for page in range(1, 4):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 13)
        if page == 1:
            pdf.cell(0, 10, "Closure report PDF-REP-2024", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 8, "What went wrong", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, f"- Review risk {page} weekly with the sponsor.", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 6, f"- Test environment {page} arrived late.", new_x="LMARGIN", new_y="NEXT")
    parsed = parse_bytes("PDF-REP-2024_closure-report.pdf", bytes(pdf.output()), ParseContext())
    assert len(parsed.lessons) == 6


def test_word_table_rows_in_a_repeating_section_and_moved_text_are_read_once():
    def cell(text: str) -> str:
        return f"<w:tc>{_p(_r(text))}</w:tc>"

    rows = (f"<w:tr>{cell('Issue')}{cell('Recommendation')}</w:tr>"
            f"<w:sdt><w:sdtPr/><w:sdtContent><w:tr>{cell('Vendor missed the test window')}"
            f"{cell('Book test slots in the contract')}</w:tr></w:sdtContent></w:sdt>"
            f"<w:tr><w:sdt><w:sdtPr/><w:sdtContent>{cell('Key user left before UAT')}</w:sdtContent></w:sdt>"
            f"{cell('Name deputies')}</w:tr>")
    body = "".join([
        _p(_r("Closure report"), "Heading1"),
        _p(_r("Project code: SDT-ERP-2024")),
        _p(_r("What went wrong"), "Heading2"),
        f"<w:tbl>{rows}</w:tbl>",
        _p('<w:moveFrom w:id="5" w:author="a">' + _r("Moved text. ") + "</w:moveFrom>" + _r("Data was dirty.")
           + '<w:moveTo w:id="6" w:author="a">' + _r(" Moved text.") + "</w:moveTo>", bullet=True),
    ])
    parsed = parse_bytes("SDT-ERP-2024_closure-report.docx", _word_with(body), ParseContext())
    assert [(x.title, x.recommendation) for x in parsed.lessons] == [
        ("Vendor missed the test window", "Book test slots in the contract"),
        ("Key user left before UAT", "Name deputies"), ("Data was dirty", None)]
    assert parsed.lessons[2].what_happened in (None, "Moved text.")


def test_a_corporate_heading_style_and_a_lessons_table_without_a_title_column_are_read():
    """'PMO Heading 2' (based on Heading 2) was not a heading, so no lesson section was found; a table headed
    'Description | Impact | Recommendation' gave no lesson."""
    import io

    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    corporate = document.styles.add_style("PMO Heading 2", WD_STYLE_TYPE.PARAGRAPH)
    corporate.base_style = document.styles["Heading 2"]
    document.add_heading("Closure report", 1)
    document.add_paragraph("Project code: STY-CRM-2023")
    document.add_paragraph("What went wrong", style="PMO Heading 2")
    document.add_paragraph("The telephony connector was missing from the contract.", style="List Bullet")
    document.add_paragraph("Lessons learned", style="PMO Heading 2")
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Description", "Impact", "Recommendation")):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("Agents were trained a week before go-live", "Calls queued for days",
                                                 "Train agents a month ahead")):
        cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    parsed = parse_bytes("STY-CRM-2023_closure-report.docx", buffer.getvalue(), ParseContext())
    assert [(x.title, x.polarity) for x in parsed.lessons][0] == (
        "The telephony connector was missing from the contract", "went wrong")
    tabled = parsed.lessons[1]
    assert (tabled.title, tabled.impact, tabled.recommendation) == (
        "Agents were trained a week before go-live", "Calls queued for days", "Train agents a month ahead")


def test_numbered_lessons_and_word_symbol_bullets_in_a_pdf_are_items():
    """'1. Vendor slipped the interface dates' ended the section as a heading (7 lessons gave 1), and Word's
    Symbol-font bullet (U+F0B7, often with no space) merged five bullets into two lessons."""
    from ingest.parsers.pdf import blocks_from_lines

    lines = ["Closure report", "Project code: PDF-CRM-2023", "3. What went wrong",
             "1. Vendor slipped the interface dates", "2. Key users left during UAT",
             "\uf0b7Telephony vendor missed the date", "\uf0b7 Knowledge base was late", "4. Lessons learned",
             "1. Train agents earlier", "5. Financials"]
    blocks = [(b.kind, b.text) for b in blocks_from_lines(lines)]
    assert blocks[2:] == [
        ("heading", "3. What went wrong"), ("item", "Vendor slipped the interface dates"),
        ("item", "Key users left during UAT"), ("item", "Telephony vendor missed the date"),
        ("item", "Knowledge base was late"), ("heading", "4. Lessons learned"), ("item", "Train agents earlier"),
        ("heading", "5. Financials")]


def _paged_report(pages: int, *, header: str | None = "NORTHWIND GROUP - INTERNAL", first_page: bool = True,
                  lessons: int = 6, lines: list[str] | None = None) -> bytes:
    """A PDF closure report on `pages` pages, with a running header (also on the first page unless
    `first_page` is false, as Word's "Different first page") and a 'Page N of M' footer on each;
    the 'What went wrong' lessons are spread over the pages (a page break after every few), or, with
    `lines`, that section holds those lines, one a text line, as a producer wrapped them."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self):
            if header and (first_page or self.page_no() > 1):
                self.set_font("Helvetica", "B", 9)
                self.cell(0, 6, header, new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-12)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 6, f"Page {self.page_no()} of {{nb}}")

    pdf = Report()
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    for text in ("Closure Report: Store Network Refresh", "Project code: PDF-PGS-2024", "Project type: Network upgrade",
                 "The refresh replaced switches in 120 stores.", "What went wrong"):
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    per_page = -(-lessons // pages)
    for n in range(lessons if lines is None else 0):
        if n and n % per_page == 0:
            pdf.add_page()
        pdf.multi_cell(0, 6, f"- The survey for wave {n + 1} missed the cabling.", new_x="LMARGIN", new_y="NEXT")
    for text in lines or ():
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    for text in ("What went well", "- Overnight cutovers kept trading disruption to zero."):
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.mark.parametrize(("pages", "first_page"), [(2, True), (3, False)])
def test_a_running_header_on_two_pages_does_not_cut_the_lessons(pages, first_page):
    """A header on only 2 pages ('NORTHWIND GROUP - INTERNAL') was kept: it became the title, and on the next
    page a heading that ended 'What went wrong', so every lesson after the page break was lost without a warning."""
    parsed = parse_bytes("PDF-PGS-2024_closure-report.pdf", _paged_report(pages, first_page=first_page),
                         ParseContext())
    assert [x.title for x in parsed.lessons] == [
        *(f"The survey for wave {n} missed the cabling" for n in range(1, 7)),
        "Overnight cutovers kept trading disruption to zero"]
    assert parsed.document.title == "Closure Report: Store Network Refresh"
    assert "NORTHWIND" not in parsed.document.content


def test_a_one_page_pdf_keeps_its_first_line_as_its_title():
    """A 1-page PDF has no running header to find: its first line, the real title, must stay."""
    parsed = parse_bytes("PDF-PGS-2024_closure-report.pdf", _paged_report(1, header=None), ParseContext())
    assert parsed.document.title == "Closure Report: Store Network Refresh"
    assert len(parsed.lessons) == 7


def test_real_hyphens_at_a_pdf_line_end_are_kept_and_word_breaks_are_joined():
    """'third-' / 'party' was read as 'thirdparty', 'go-' / 'live' as 'golive', 'end-to-' / 'end' as
    'end-toend'; a word broken by the producer ('implemen-' / 'tation') must still join."""
    lines = ["- The survey missed the back-office cabling, so the engineers came back for a second go-",
             "live visit and the third-", "party contractor ran the end-to-", "end tests again, as the back-",
             "office plan was late; the implemen-", "tation took two more weeks and the re-", "port on the report "
             "wall was redone, with the re-", "quirements de-", "livered follow-", "ing the hand-", "ling review and the "
             "post-", "merger follow-", "up."]
    parsed = parse_bytes("PDF-PGS-2024_closure-report.pdf", _paged_report(1, header=None, lines=lines),
                         ParseContext())
    went_wrong = " ".join(filter(None, (parsed.lessons[0].title, parsed.lessons[0].what_happened)))
    for expected in ("second go-live visit", "the third-party contractor", "the end-to-end tests", "the back-office plan",
                     "the implementation took", "the report on the report wall",
                     "the requirements delivered following the handling review",  # a typesetter's breaks join
                     "the post-merger follow-up"):
        assert expected in went_wrong


def _placeholder(body_xml: str) -> str:
    """A content control showing its placeholder text (a template field nobody filled in)."""
    return f"<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>{body_xml}</w:sdtContent></w:sdt>"


def test_an_unfilled_word_content_control_is_empty():
    """A template's unfilled field gave the lesson 'Click or tap here to enter text' and the manager
    'Click or tap here to enter text.'; the filled field beside it must still be read."""
    hint = _r("Click or tap here to enter text.")

    def row(key: str, value: str) -> str:
        return f"<w:tr><w:tc>{_p(_r(key))}</w:tc><w:tc>{value}</w:tc></w:tr>"

    body = "".join([
        _p(_r("Closure report"), "Heading1"),
        "<w:tbl>" + row("Project code", _p(_r("PLC-HR-2024"))) + row("Project manager", _placeholder(_p(hint)))
        + row("Sponsor", _p(_placeholder(hint))) + "</w:tbl>",
        _p(_r("What went wrong"), "Heading2"),
        _placeholder(_p(hint, bullet=True)),
        _p(_placeholder(hint), bullet=True),
        _p('<w:sdt><w:sdtPr><w:showingPlcHdr w:val="0"/></w:sdtPr><w:sdtContent>'
           + _r("The works council was consulted late.") + "</w:sdtContent></w:sdt>", bullet=True),
    ])
    parsed = parse_bytes("PLC-HR-2024_closure-report.docx", _word_with(body), ParseContext())
    assert [x.title for x in parsed.lessons] == ["The works council was consulted late"]
    assert (parsed.projects[0].code, parsed.projects[0].manager, parsed.projects[0].sponsor) == ("PLC-HR-2024", None, None)
    assert "Click or tap" not in parsed.document.content
