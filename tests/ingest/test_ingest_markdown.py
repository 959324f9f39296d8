"""Markdown closure reports and retrospectives."""

from __future__ import annotations

from datetime import date

import pytest

from ingest import ParseContext, heading_anchors, item_anchors, parse_bytes
from kb.errors import InvalidDocument


def parse_sample(samples, name, **context):
    return parse_bytes(name, (samples / name).read_bytes(), ParseContext(**context))


def by_title(parsed):
    return {lesson.title: lesson for lesson in parsed.lessons}


def test_closure_report_metadata(samples):
    parsed = parse_sample(samples, "FIN-ERP-2021_closure_report.md")
    assert parsed.document.kind == "closure report"
    assert parsed.project_code == "FIN-ERP-2021"
    project = parsed.projects[0]
    assert project.name == "Finance ERP Replacement"
    assert project.project_type == "ERP migration"
    assert project.methodology == "hybrid"
    assert (project.planned_budget, project.actual_budget, project.currency) == (1_200_000, 1_450_000, "GBP")
    assert project.actual_end == date(2022, 3, 14)
    assert project.outcome == "challenged"
    assert project.description is None  # a wide objectives table is content, not metadata
    assert not parsed.document.content.startswith("---")
    assert parsed.document.sha256 and parsed.document.size_bytes > 0


def test_closure_report_lessons_follow_their_sections(samples):
    lessons = by_title(parse_sample(samples, "FIN-ERP-2021_closure_report.md"))
    well = lessons["Executive sponsorship was strong"]
    assert (well.polarity, well.source_location) == ("went well", "What went well")
    assert well.source_anchor == "what-went-well-item-1"  # the bullet itself, under its section's heading
    assert well.what_happened.startswith("The CFO chaired")
    assert well.category == "stakeholders and communication"
    assert "ERP migration" in well.tags

    wrong = lessons["Data migration was underestimated"]
    assert wrong.polarity == "went wrong"
    assert wrong.cause.startswith("legacy supplier master data")
    assert wrong.impact.startswith("go-live slipped")
    assert wrong.recommendation.startswith("appoint data owners")
    assert wrong.category == "data migration"
    assert wrong.lesson_date == date(2022, 3, 14)

    nested = lessons["Integration interfaces were undocumented"]
    assert nested.cause.startswith("the old system's interfaces") and nested.impact.startswith("two unplanned")

    root = lessons["No single owner for master data across the legal entities"]
    assert (root.polarity, root.cause) == ("went wrong", "No single owner for master data across the legal entities.")

    rec = lessons["Budget a data-quality workstream from day one of every ERP project"]
    assert rec.polarity == "improvement" and rec.recommendation


def test_sub_headings_are_lessons_cited_to_themselves(samples):
    lessons = by_title(parse_sample(samples, "FIN-ERP-2021_closure_report.md"))
    cutover = lessons["Rehearse the cutover"]
    assert cutover.source_location == "1. Rehearse the cutover"
    assert cutover.source_anchor == "1-rehearse-the-cutover"
    assert cutover.recommendation.startswith("plan at least two")
    assert "Keep change control tight" in lessons


def page_ids(content: str) -> set[str]:
    """The ids the document page gives headings and list items."""
    return {anchor for _, _, anchor in heading_anchors(content)} | set(item_anchors(content))


def test_anchors_match_the_headings_and_bullets_of_the_page(samples):
    parsed = parse_sample(samples, "FIN-ERP-2021_closure_report.md")
    assert {lesson.source_anchor for lesson in parsed.lessons} <= page_ids(parsed.document.content)
    # The second "Lessons learned" heading gets a de-duplicated anchor, and its bullets are numbered under it.
    assert "lessons-learned-2-item-1" in {lesson.source_anchor for lesson in parsed.lessons}


@pytest.mark.parametrize("name, expected", [
    ("FIN-ERP-2021_retro_sprint_14.md", {"went well": 2, "went wrong": 2, "improvement": 2}),
    ("CRM-2022_retro_start_stop_continue.md", {"improvement": 1, "went wrong": 1, "went well": 1}),
    ("retro_4ls.md", {"went well": 1, "improvement": 2, "went wrong": 1}),
    ("retro_mad_sad_glad.md", {"went wrong": 2, "went well": 1}),
])
def test_retrospective_formats(samples, name, expected):
    parsed = parse_sample(samples, name)
    assert parsed.document.kind == "retrospective"
    counts = {}
    for lesson in parsed.lessons:
        counts[lesson.polarity] = counts.get(lesson.polarity, 0) + 1
    assert counts == expected
    assert parsed.project_code


def test_retrospective_details(samples):
    sprint = parse_sample(samples, "FIN-ERP-2021_retro_sprint_14.md", project_types={"FIN-ERP-2021": "ERP migration"})
    lesson = sprint.lessons[0]
    assert (lesson.lesson_date, lesson.organization) == (date(2021, 9, 24), "Finance build team")
    assert "ERP migration" in lesson.tags
    actions = [l for l in sprint.lessons if l.source_location == "Actions"]
    assert all(l.recommendation for l in actions)
    four = parse_sample(samples, "retro_4ls.md")
    assert four.lessons[0].lesson_date is None
    assert any("not a date" in w for w in four.warnings)
    mad = parse_sample(samples, "retro_mad_sad_glad.md")
    # Bold 'Mad' paragraphs have no anchor of their own: their bullets are numbered under the page heading.
    assert mad.lessons[0].source_location == "Mad"
    assert mad.lessons[0].source_anchor == "data-centre-move-retrospective-item-1"


def test_file_name_links_to_a_known_project(samples):
    data = b"## What went well\n\n- Weekly demos kept the sales managers engaged.\n"
    parsed = parse_bytes("crm-2022_retro.md", data, ParseContext(known_project_codes=frozenset({"CRM-2022"})))
    assert parsed.project_code == "CRM-2022"
    assert parsed.document.kind == "retrospective"


def test_pseudo_heading_with_colon_and_paragraph_lessons():
    text = ("# Retro\n\nWent well:\n\n- Pairing on the release.\n\n## What went wrong\n\n"
            "The test environment was down for three days in the second week.\n\n"
            "Nobody owned the release checklist, so steps were skipped.\n")
    parsed = parse_bytes("team_retro.md", text.encode(), ParseContext())
    assert [l.polarity for l in parsed.lessons] == ["went well", "went wrong", "went wrong"]


def test_front_matter_must_be_a_mapping():
    with pytest.raises(InvalidDocument, match="key: value"):
        parse_bytes("x_closure.md", b"---\n- a\n- b\n---\n# X\n", ParseContext())
    with pytest.raises(InvalidDocument, match="not valid YAML at line"):
        parse_bytes("x_closure.md", b"---\ncode: [unclosed\n---\n# X\n", ParseContext())


def test_register_kind_in_markdown_is_refused():
    with pytest.raises(InvalidDocument, match="CSV, XLSX or JSONL"):
        parse_bytes("x.md", b"---\nkind: risk register\n---\n# Risks\n", ParseContext())


def test_no_lessons_and_no_metadata_is_rejected(samples):
    with pytest.raises(InvalidDocument, match="No lessons found"):
        parse_sample(samples, "notes_without_lessons.md")


def test_closure_report_without_lessons_keeps_the_project():
    parsed = parse_bytes("P1_closure.md", b"---\ncode: P-1\nproject: Pilot\n---\n# Pilot\n\nDone.\n", ParseContext())
    assert parsed.lessons == [] and parsed.projects[0].code == "P-1"
    assert any("No lesson sections" in w for w in parsed.warnings)


def test_windows_1252_text_is_read_with_a_warning():
    text = "---\ncode: P-2\n---\n## What went well\n\n- The caf\u00e9 budget was \u00a35k under plan.\n"
    data = text.encode("cp1252")
    parsed = parse_bytes("P-2_retro.md", data, ParseContext())
    assert "café" in parsed.lessons[0].title
    assert any("Windows-1252" in w for w in parsed.warnings)


def test_earned_value_keys_are_not_mistaken_for_the_budget():
    text = ("---\ncode: EV-1\nproject: EV pilot\nplanned_budget: 1000000\nactual_budget: 1100000\n"
            "planned_value: 800000\nearned_value: 700000\nactual_cost: 900000\n---\n# EV pilot\n")
    project = parse_bytes("EV-1_closure.md", text.encode(), ParseContext()).projects[0]
    assert (project.actual_budget, project.actual_cost, project.earned_value) == (1_100_000, 900_000, 700_000)


def test_a_sentence_is_not_taken_for_a_project_code():
    text = ("# Notes\n\nProject code: see the title cell of the register, which names the project for everyone\n\n"
            "## What went wrong\n\n- The register had no owner.\n")
    parsed = parse_bytes("notes_closure.md", text.encode(), ParseContext())
    assert parsed.lessons and all(len(p.code) <= 64 and " " not in p.code for p in parsed.projects)
    assert any("not a project code" in w for w in parsed.warnings)


def test_the_date_a_report_was_written_is_kept():
    text = "---\ncode: D-1\nproject: Dated\nactual_end: 2023-01-31\nreport_date: 2023-03-14\n---\n# Dated\n"
    parsed = parse_bytes("D-1_closure.md", text.encode(), ParseContext())
    assert parsed.document.report_date == date(2023, 3, 14)
    assert parsed.projects[0].actual_end == date(2023, 1, 31)


@pytest.mark.parametrize("outcome, stored", [("Failed", "failed"), ("partially successful", "challenged"),
                                             ("banana split", None), ("3", None)])
def test_an_outcome_is_read_or_left_empty_with_a_warning(outcome, stored):
    text = (f"---\ncode: OUT-ERP-2024\nproject_type: ERP migration\noutcome: {outcome}\n---\n"
            "# Closure report\n\n## What went wrong\n\n- The vendor slipped twice.\n")
    parsed = parse_bytes("OUT-ERP-2024_closure-report.md", text.encode(), ParseContext())
    assert parsed.projects[0].outcome == stored
    assert any(f"Outcome '{outcome}' is not successful" in w for w in parsed.warnings) == (stored is None)


LESSON_TABLE = """---
code: TBL-ERP-2024
project_type: ERP migration
---
# Closure report

## What went wrong

| # | Issue | Impact | Recommendation | Owner |
|---|---|---|---|---|
| 1 | Test environments arrived six weeks late | UAT was cut to two weeks | Book environments at kickoff | Ann |
| 2 | The vendor changed its lead architect twice | Design decisions were reopened | Name key vendor staff in the contract | Bo |

## What went well

- Daily cutover calls kept everyone informed.
"""


def test_lessons_written_as_a_table_under_a_section_are_one_lesson_a_row():
    parsed = parse_bytes("TBL-ERP-2024_closure-report.md", LESSON_TABLE.encode(), ParseContext())
    assert [(x.title, x.impact, x.recommendation, x.polarity) for x in parsed.lessons] == [
        ("Test environments arrived six weeks late", "UAT was cut to two weeks", "Book environments at kickoff",
         "went wrong"),
        ("The vendor changed its lead architect twice", "Design decisions were reopened",
         "Name key vendor staff in the contract", "went wrong"),
        ("Daily cutover calls kept everyone informed", None, None, "went well")]
    assert all("Ann" not in (x.what_happened or "") for x in parsed.lessons)  # the owner column is not the lesson


def test_front_matter_that_is_not_text_or_a_placeholder_date_is_left_out_with_a_warning():
    text = ("---\ncode: FM-ERP-2024\nproject: {name: Dict project, x: 1}\nproject_type: [ERP migration]\n"
            "sponsor: !!binary aGVsbG8=\nplanned_start: 0001-01-01\nplanned_end: 9999-12-31\nactual_start: 2024-02-01\n"
            "---\n# Closure report\n\n## What went wrong\n\n- The vendor slipped.\n")
    parsed = parse_bytes("FM-ERP-2024_closure-report.md", text.encode(), ParseContext())
    project = parsed.projects[0]
    assert (project.name, project.project_type, project.sponsor) == ("FM-ERP-2024", "ERP migration", None)
    assert (project.planned_start, project.planned_end, project.actual_start) == (None, None, date(2024, 2, 1))
    assert sum("holds a mapping" in w or "holds a binary value" in w for w in parsed.warnings) == 2
    assert sum("is not a date a project has" in w for w in parsed.warnings) == 2


def test_a_code_or_an_amount_in_front_matter_is_read_as_written():
    """YAML read the code 00123 as octal (project 83) and 2024.10 as 2024.1; CHF 1'250'000 was stored as 1."""
    text = ("---\ncode: 00123\nproject: Plant MES upgrade\nplanned_budget: CHF 1'250'000\nactual_budget: 1’300’000\n"
            "---\n# Closure report\n\n## What went wrong\n\n- The vendor slipped.\n")
    project = parse_bytes("closure-report.md", text.encode(), ParseContext()).projects[0]
    assert (project.code, project.planned_budget, project.actual_budget, project.currency) == (
        "00123", 1_250_000, 1_300_000, "CHF")
    versioned = parse_bytes("closure-report.md", text.replace("00123", "2024.10").encode(), ParseContext())
    assert versioned.projects[0].code == "2024.10"


def test_us_dates_are_read_month_first_when_one_of_them_shows_it():
    """04/01/2023 beside 06/30/2024 was read as 4 January; the report date 10/02/2024 fell before the end."""
    text = ("---\ncode: US-CRM-2023\nplanned_start: 04/01/2023\nplanned_end: 06/30/2024\nactual_start: 04/03/2023\n"
            "date: 10/02/2024\n---\n# Closure report\n\n## What went wrong\n\n- The vendor slipped.\n")
    parsed = parse_bytes("US-CRM-2023_closure-report.md", text.encode(), ParseContext())
    project = parsed.projects[0]
    assert (project.planned_start, project.planned_end, project.actual_start) == (
        date(2023, 4, 1), date(2024, 6, 30), date(2023, 4, 3))
    assert parsed.document.report_date == date(2024, 10, 2)
    european = parse_bytes("EU-CRM-2023_closure-report.md", text.replace("06/30/2024", "30/06/2024")
                           .replace("US-CRM", "EU-CRM").encode(), ParseContext())
    assert european.projects[0].planned_start == date(2023, 1, 4)  # day first, as before


def _closure(body: str, name: str = "SC-CRM-2024_closure-report.md"):
    text = f"---\ncode: SC-CRM-2024\nproject: Service CRM\n---\n# Closure report\n\n{body}"
    return parse_bytes(name, text.encode(), ParseContext())


def test_a_section_of_successes_and_challenges_gives_each_lesson_its_own_polarity():
    """Every item of "Successes and challenges" was stored as went wrong, the praise included."""
    parsed = _closure("## Successes and challenges\n\n"
                      "- Challenge: the integration vendor delivered the interfaces six weeks late.\n"
                      "- **Success.** Daily stand-ups with the business kept scope stable.\n"
                      "- The training programme worked well and was praised by the call-centre leads.\n"
                      "- Data cleansing was underestimated and the cutover slipped a week.\n")
    got = {lesson.title: lesson.polarity for lesson in parsed.lessons}
    assert got == {"The integration vendor delivered the interfaces six weeks late": "went wrong",
                   "Daily stand-ups with the business kept scope stable": "went well",
                   "The training programme worked well and was praised by the call-centre leads": "went well",
                   "Data cleansing was underestimated and the cutover slipped a week": "went wrong"}
    assert not any("section" in w and "went" in w for w in parsed.warnings)  # both kinds are there


def test_a_closure_reports_next_steps_and_open_issues_are_not_lessons():
    """"Next steps" (decommission, archive) and "Open issues handed over" rows were stored as lessons."""
    parsed = _closure("## What went wrong\n\n- The vendor slipped by a month on the interfaces.\n\n"
                      "## Open issues handed over to support\n\n- Ticket 4411: duplicate invoices for two customers.\n\n"
                      "## Next steps\n\n- Decommission the legacy CRM by 31 March.\n- Archive the project files.\n\n"
                      "## Recommendations\n\n- Contract interface dates with penalties.\n")
    assert [lesson.title for lesson in parsed.lessons] == ["The vendor slipped by a month on the interfaces",
                                                           "Contract interface dates with penalties"]
    retro = parse_bytes("SC-CRM-2024_retro.md", b"---\nkind: retrospective\ncode: SC-CRM-2024\n---\n# Sprint 4\n\n"
                        b"## Went well\n\n- Pairing on the API.\n\n## Next steps\n\n- Book the UAT room a sprint ahead.\n",
                        ParseContext())
    assert ("Book the UAT room a sprint ahead", "improvement") in [(x.title, x.polarity) for x in retro.lessons]


def test_knowledge_area_sub_headings_list_their_lessons_one_by_one():
    """"### Schedule management" over three bullets was one lesson titled "Schedule management"."""
    parsed = _closure("## Lessons learned\n\n### Schedule management\n\n"
                      "- Baseline the plan only after the vendor confirms resource availability.\n"
                      "- Hold contingency for the data migration rehearsals.\n\n"
                      "### Procurement management\n\n- Put acceptance criteria into the statement of work.\n"
                      "- Check the vendor's references on projects of our size.\n\n"
                      "### Data migration was underestimated\n\n- Legacy data had 40% duplicates.\n"
                      "- Cleansing took six weeks longer than planned.\n")
    lessons = by_title(parsed)
    assert len(parsed.lessons) == 5
    first = lessons["Baseline the plan only after the vendor confirms resource availability"]
    assert (first.category, first.source_location, first.source_anchor) == (
        "schedule", "Schedule management", "schedule-management-item-1")
    assert lessons["Put acceptance criteria into the statement of work"].category == "vendor and procurement"
    story = lessons["Data migration was underestimated"]  # a lesson's title over its details stays one lesson
    assert "40% duplicates" in story.what_happened and "six weeks" in story.what_happened


def test_a_task_list_box_is_not_part_of_a_lessons_title():
    parsed = _closure("## Recommendations\n\n- [ ] Book the UAT room a sprint ahead.\n- [x] Name a data owner per entity.\n"
                      "- ☐ Agree the cutover window with finance.\n")
    assert [lesson.title for lesson in parsed.lessons] == [
        "Book the UAT room a sprint ahead", "Name a data owner per entity", "Agree the cutover window with finance"]


def test_an_html_table_in_markdown_is_read_one_lesson_a_row_and_shown_as_a_table():
    """Confluence exports write tables as HTML: every cell ran together into one lesson, shown as raw tags."""
    from web.rendering import render_document_html

    parsed = _closure("## Lessons learned\n\n<table>\n<tr><th>Issue</th><th>Impact</th><th>Recommendation</th></tr>\n"
                      "<tr><td>Vendor delivered late</td><td>Go-live slipped<br>two weeks</td><td>Add penalty clauses"
                      "</td></tr>\n<tr><td>Users &amp; <b>super users</b> were not trained</td><td>Helpdesk calls "
                      "tripled</td><td>Train super users first</td></tr>\n</table>\n")
    assert [(x.title, x.impact, x.recommendation) for x in parsed.lessons] == [
        ("Vendor delivered late", "Go-live slipped two weeks", "Add penalty clauses"),
        ("Users & super users were not trained", "Helpdesk calls tripled", "Train super users first")]
    html, _headings = render_document_html(parsed.document.content)
    assert "<td>Vendor delivered late</td>" in html and "&lt;table" not in html
    hostile, _headings = render_document_html("<table><tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td></tr></table>")
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


def test_a_story_label_is_no_title_and_why_is_the_cause():
    """Both lessons were titled "What happened", and "Why:" was not read as the cause."""
    parsed = _closure("## Challenges\n\n**What happened:** The data centre move clashed with go-live.\n"
                      "**Why:** Nobody owned the integrated release calendar.\n"
                      "**Recommendation:** Keep one integrated release calendar owned by the PMO.\n\n"
                      "**What happened:** Super users went back to BAU two weeks before go-live.\n"
                      "**Recommendation:** Keep super users until hypercare ends.\n")
    first, second = parsed.lessons
    assert (first.title, first.cause, first.recommendation) == (
        "The data centre move clashed with go-live", "Nobody owned the integrated release calendar.",
        "Keep one integrated release calendar owned by the PMO.")
    assert second.title == "Super users went back to BAU two weeks before go-live"


def test_what_a_notion_or_confluence_export_leaves_around_lessons_is_not_a_lesson():
    """A toggle's lesson was dropped; a placeholder bullet, a callout and a template comment became lessons; an
    image's alt text ended a title."""
    parsed = _closure("## What went well\n<!-- List 3-5 things that went well. Delete this comment. -->\n"
                      "- Cutover rehearsal ran twice before go-live.\n\n<aside>\n💡 Tip: keep each lesson to one "
                      "sentence.\n</aside>\n\n<details>\n<summary>Vendor onboarding was fast</summary>\nThe vendor had "
                      "badges and laptops on day one.\n</details>\n\n## What went wrong\n\n- *Add items here*\n"
                      "- Nightly load failed twice ![chart](img/chart.png)\n\n## Lessons learned\n\n> **Note**\n"
                      "> This page was exported from Confluence.\n\nAlways rehearse the nightly load with full volumes.\n")
    assert [(x.title, x.polarity) for x in parsed.lessons] == [
        ("Cutover rehearsal ran twice before go-live", "went well"), ("Vendor onboarding was fast", "went well"),
        ("Nightly load failed twice", "went wrong"), ("Always rehearse the nightly load with full volumes",
                                                     "improvement")]
    assert parsed.lessons[1].what_happened == "The vendor had badges and laptops on day one."


def test_an_items_own_detail_lines_are_not_part_of_its_title():
    """"Engage identity architects at design Owner: PMO Due: Q1 2025" was the title."""
    parsed = _closure("## What went well\n\n- Sponsor engagement was strong\n  - Weekly steering committee chaired "
                      "by the CFO\n\n## Recommendations\n\n- Engage identity architects at design\n  - Owner: PMO\n"
                      "  - Due: Q1 2025\n- Run accessibility audits\n  every sprint\n")
    assert [x.title for x in parsed.lessons] == ["Sponsor engagement was strong", "Engage identity architects at design",
                                                 "Run accessibility audits every sprint"]
    assert parsed.lessons[0].what_happened == "Weekly steering committee chaired by the CFO"


def test_a_report_named_final_status_with_lesson_sections_is_a_closure_report_and_its_title_names_the_project():
    """'final status and lessons learned.md' was refused as a status report with no period; a report titled
    'Closure Report: Store Network Refresh' named its project by its code."""
    text = ("---\ncode: FS-CRM-2024\n---\n# Closure Report: Store Network Refresh\n\n## What went wrong\n\n"
            "- Sales reps were not trained before go-live.\n")
    parsed = parse_bytes("FS-CRM-2024 final status and lessons learned.md", text.encode(), ParseContext())
    assert parsed.document.kind == "closure report" and len(parsed.lessons) == 1
    assert parsed.projects[0].name == "Store Network Refresh"


@pytest.mark.parametrize("heading, polarity", [("Lessons learned and next steps", "improvement"),
                                               ("经验教训与下一步工作", "improvement"),
                                               ("What went wrong with the handover", "went wrong"),
                                               ("Challenges during transition to BAU", "went wrong")])
def test_a_lesson_heading_that_also_names_next_steps_or_a_handover_keeps_its_lessons(heading, polarity):
    """These headings gave no lesson at all once 'next steps' and 'handover' sections were set aside."""
    parsed = _closure(f"## {heading}\n\n- Knowledge transfer to support took two days and 40 tickets followed.\n")
    assert [(x.title, x.polarity) for x in parsed.lessons] == [
        ("Knowledge transfer to support took two days and 40 tickets followed", polarity)]


def test_real_lessons_that_start_like_a_callout_or_wrap_onto_a_name_are_kept_whole():
    """'Note: the rehearsal caught...' and '👉 Daily syncs...' were dropped as callouts; 'signed off by' /
    'Sarah Jones on Friday' was cut at the line break."""
    parsed = _closure("## What went well\n\n- Note: the cutover rehearsal caught three data mapping errors.\n"
                      "- 👉 Daily syncs with the vendor kept the integration on track.\n"
                      "- The migration was signed off by\n  Sarah Jones on Friday.\n")
    assert [x.title for x in parsed.lessons] == [
        "Note: the cutover rehearsal caught three data mapping errors",
        "👉 Daily syncs with the vendor kept the integration on track",
        "The migration was signed off by Sarah Jones on Friday"]


def test_a_short_lesson_title_over_its_details_stays_one_lesson_and_a_mixed_label_is_read_before_it_goes():
    """'### Vendor delays' over two detail bullets became two lessons without their subject; in a section of both
    kinds 'Issue: ...' became an improvement titled in lower case."""
    parsed = _closure("## Lessons learned\n\n### Vendor delays\n\n- The integrator delivered the build three weeks "
                      "late.\n- Their test environment was not ready until SIT week 2.\n\n"
                      "## Successes and challenges\n\n- Issue: the steering committee met only twice.\n")
    first, second = parsed.lessons
    assert first.title == "Vendor delays" and "three weeks late" in first.what_happened
    assert (second.title, second.polarity) == ("The steering committee met only twice", "went wrong")


def test_a_status_report_named_so_stays_one_and_a_closure_report_final_names_no_project():
    """A weekly status report with 'Key issues' and 'Next steps' sections became a closure report; 'Project Closure
    Report - Final' made a project called Final."""
    status = ("# Warehouse Scanner Rollout: weekly status report\n\nProject code: WSR-2024\nDate: 7 June 2024\n"
              "Overall status: Amber\n\n## Key issues\n\n- Handset delivery slipped by two weeks.\n\n## Next steps\n\n"
              "- Survey site 3.\n")
    parsed = parse_bytes("WSR-2024_status-report_2024-06-07.md", status.encode(), ParseContext())
    assert parsed.document.kind == "status report"
    final = parse_bytes("closure report crm.md", b"---\ncode: CRM-FIN-2024\n---\n# Project Closure Report - Final\n\n"
                        b"## What went wrong\n\n- The vendor slipped.\n", ParseContext())
    assert final.projects[0].name == "CRM-FIN-2024"
    named = parse_bytes("closure report.md", b"---\ncode: MDP-2024\n---\n# Closure Report - May Day Portal\n\n"
                        b"## What went wrong\n\n- The vendor slipped.\n", ParseContext())
    assert named.projects[0].name == "May Day Portal"  # a month's name inside a name is no date


def test_drop_add_keep_improve_and_sailboat_retrospectives_are_read():
    """Drop / Add / Puzzles and a sailboat's Wind / Anchors gave no lessons; 'code: ON' made project True."""
    text = ("---\nkind: retrospective\ncode: ON\n---\n# Sprint 9\n\n## Keep\n\n- Pairing on the API.\n\n## Drop\n\n"
            "- Friday releases.\n\n## Add\n\n- A test data refresh each sprint.\n\n## Wind\n\n- The new CI runners.\n\n"
            "## Anchors\n\n- Waiting for environment tickets.\n\n## Puzzles\n\n- Who owns the staging database?\n")
    parsed = parse_bytes("sprint-9_retro.md", text.encode(), ParseContext())
    assert parsed.project_code == "ON"
    assert [(x.title, x.polarity) for x in parsed.lessons] == [
        ("Pairing on the API", "went well"), ("Friday releases", "went wrong"),
        ("A test data refresh each sprint", "improvement"), ("The new CI runners", "went well"),
        ("Waiting for environment tickets", "went wrong"), ("Who owns the staging database?", "improvement")]
