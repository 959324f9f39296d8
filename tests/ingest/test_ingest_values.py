"""The small readers under the parsers: anchors, dates, money, ratings, tags."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.anchors import Anchors, slugify
from ingest.llis import nasa_phase, split_topics
from ingest.scales import rating, risk_status, score
from ingest.tagging import categories, tag
from ingest.values import clean_text, parse_date, parse_money


def test_slugs_are_deduplicated_like_github():
    anchors = Anchors()
    assert [anchors.add(t) for t in ["Risks", "Risks", "Risks", "What didn't go well?", "***"]] == [
        "risks", "risks-2", "risks-3", "what-didn-t-go-well", "section"]
    assert slugify("3.2 Lessons — learned") == "3-2-lessons-learned"


@pytest.mark.parametrize("text, kwargs, expected", [
    ("2021-03-05", {}, date(2021, 3, 5)),
    ("05/03/2021", {}, date(2021, 3, 5)),
    ("05/03/2021", {"day_first": False}, date(2021, 5, 3)),
    ("07/18/2018", {}, date(2018, 7, 18)),
    ("14 March 2022", {}, date(2022, 3, 14)),
    ("March 14, 2022", {}, date(2022, 3, 14)),
    ("2022-03", {}, date(2022, 3, 1)),
    ("30-Jun-24", {}, date(2024, 6, 30)),  # Excel's d-mmm-yy, as a CSV export writes it: it was no date
    ("Jun-24", {}, date(2024, 6, 1)),  # mmm-yy: June 2024, not 24 June
    ("45200", {}, date(2023, 10, 1)),  # an Excel date exported to CSV as its serial number
    ("sometime", {}, None),
    (44621, {}, date(2022, 3, 1)),
])
def test_dates(text, kwargs, expected):
    assert parse_date(text, **kwargs) == expected


@pytest.mark.parametrize("text, expected", [
    ("£1.2m", (1_200_000, "GBP")), ("$850k", (850_000, "USD")), ("1,200,000 EUR", (1_200_000, "EUR")),
    ("€2.5 million", (2_500_000, "EUR")), ("n/a", (None, None)), ("£2.05m", (2_050_000, "GBP")),
    ("€ 1 200 000", (1_200_000, "EUR")), ("12,345.67", (12_345.67, None)), ("320万元", (3_200_000, "CNY")),
    # Read wrong before (as 1.0, 1.23, 25, 400, 30): now not amounts, which the reader leaves empty with a warning.
    ("1.5e6", (None, None)), ("2,5 Mio €", (None, None)), ("1e400", (None, None)),
    ("¥1e30", (None, None)), ("9" * 20, (None, None)),
])
def test_money(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("1.234.567,89", (1_234_567.89, None)), ("1.350.000 €", (1_350_000, "EUR")), ("EUR 1.250.000", (1_250_000, "EUR")),
    ("1.350,50 EUR", (1_350.5, "EUR")), ("1,350,000 €", (1_350_000, "EUR")), ("1.250", (1.25, None)),
])
def test_amounts_grouped_with_dots_are_read_when_they_say_so(text, expected):
    """'1.350.000 €' was left empty with a warning: two dot groups or a decimal comma say it is a European amount
    ('1.250' alone does not), and a symbol after the amount names its currency."""
    assert parse_money(text) == expected


@pytest.mark.parametrize("value, expected", [
    ("Very high", 5), ("High", 4), ("medium", 3), ("Low", 2), ("rare", 1), ("almost certain", 5),
    (3, 3), ("4 - Major", 4), ("70%", 4), (0.15, 2), (8, 4), ("TBD", None), (None, None),
    ("0,3", 2), ("2,5", 2.5), ("45,5 %", 3),  # decimal commas: '0,3' was unreadable, '2,5' read as 2
])
def test_ratings(value, expected):
    assert rating(value) == expected


def test_score_and_status():
    assert score(None, 4, 5) == 20 and score("12", 4, 5) == 12 and score("High", None, 5) is None
    assert score("12,5", 4, 5) == 12.5  # the register's own score, not P × I (20)
    assert score("12,500", 3, 4) == 12  # a money exposure, not a score of 12.5
    assert risk_status("Occurred - became an issue") == "materialised"
    # Words of materialising, negated: these were all stored as materialised, inflating the materialisation rate.
    for closed in ("Closed - not materialised", "Not realised", "Closed - never occurred", "Has not occurred",
                   "Not triggered", "Materialised: No", "未发生"):
        assert risk_status(closed) == "closed", closed
    assert risk_status("Not yet occurred") == "open"
    for still_open in ("Open - not materialised", "Monitoring - not triggered", "Live, not realised"):
        assert risk_status(still_open) == "open", still_open
    assert risk_status("Triggered? No") == risk_status("Realized: N") == "closed"
    assert risk_status("Closed") == "closed" and risk_status("Monitoring") == "open"


def test_categories_weight_titles_and_keep_technical_weak():
    assert categories("Supplier contract was vague", body="the interface and api design")[0] == "vendor and procurement"
    assert categories("Server architecture review") == ["technical"]
    assert categories("The weather was fine") == []
    tagged = tag("Cutover rehearsal overran", body="The data migration load took 30 hours.",
                 project_type="ERP migration")
    assert tagged.category == "data migration" and tagged.phase == "deployment"
    assert tagged.tags[:3] == ["data migration", "deployment", "ERP migration"]


def test_llis_helpers():
    assert split_topics("Hardware, Parts, Materials, & Processes, Software") == [
        "Hardware", "Parts, Materials, & Processes", "Software"]
    assert split_topics("A, with comma; B") == ["A, with comma", "B"]
    assert nasa_phase("Implementation » Phase C") == "execution" and nasa_phase("Not Specified") is None
    assert clean_text("Avoid quotHotquot mates; IV&amp;V") == 'Avoid "Hot" mates; IV&V'


@pytest.mark.parametrize("title, expected", [
    ("The two business analysts who knew the legacy billing rules resigned in January", "resources and staffing"),
    ("Two full dress rehearsals of the migration weekend", "testing"),
    ("Rehearsals were dropped to recover time", "testing"),
    ("Reconcile prices and tax flags on every trial load", "data migration"),
    ("Write deliverable dates and named team members into agency statements of work", "vendor and procurement"),
    ("Agree a KPI dictionary signed by the business before building anything", "requirements"),
    ("Firewall rules had to be rebuilt by hand", "technical"),
])
def test_lessons_in_everyday_wording_get_a_category(title, expected):
    assert categories(title)[0] == expected


@pytest.mark.parametrize("raw, stored", [
    ("Bob Smith <bob@example.com>", "Bob Smith <bob@example.com>"),  # not a tag
    ("The SLA for List<String> parsing", "The SLA for List<String> parsing"),
    ("<p class='x'>The cutover</p><br/>slipped", "The cutover slipped"),  # an HTML export's tags
    ("Vendor\x1b[2J\x1b]0;PWNED\x07 late", "Vendor late"),  # would clear and retitle a terminal
    ("\x1b[41mHIGH", "HIGH"),
])
def test_text_keeps_angle_brackets_that_are_not_tags_and_drops_terminal_escapes(raw, stored):
    assert clean_text(raw) == stored


def test_a_utf8_file_with_one_stray_byte_keeps_its_accents():
    from ingest.parsers.text import decode

    data = "Title,Owner\nCafé façade late,Zoë Müller\nVendor slipped \x96 twice,Ann\n".encode().replace(b"\xc2\x96", b"\x96")
    text, warnings = decode(data)
    assert "Café façade late,Zoë Müller" in text and "Vendor slipped – twice" in text
    assert warnings == ["1 byte of this file is not UTF-8 (on line 3); it was read as a Windows-1252 character. "
                        "Check it."]
    # A file in a code page throughout is still detected as one.
    assert decode("Café façade,naïve estimates".encode("cp1252"))[0] == "Café façade,naïve estimates"


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read_not_called_binary(order):
    from ingest.parsers.text import decode

    text, warnings = decode("Title,Description\nVendor late,The vendor – slipped\n".encode(order))
    assert text == "Title,Description\nVendor late,The vendor – slipped\n"
    assert warnings == [f"The file is UTF-16 without a byte order mark; it was read as {order.upper()}. Save it as "
                        "UTF-8 if any characters look wrong."]


@pytest.mark.parametrize("raw, stored", [
    ("The <title> placeholder was never filled", "The <title> placeholder was never filled"),
    ("<svg/onload=alert(1)>Late vendor", "Late vendor"),
    ("Vendor\x9b2J late", "Vendor2J late"),  # the 8-bit escape introducer
    ("Vendor \u202elate", "Vendor late"),  # a right-to-left override
])
def test_placeholders_in_angle_brackets_stay_and_hidden_controls_go(raw, stored):
    assert clean_text(raw) == stored


@pytest.mark.parametrize("status", ["Mitigated - no issue", "Closed - no issues", "Closed without issue",
                                    "Did not become an issue", "No issues"])
def test_a_status_saying_no_issue_is_closed_not_materialised(status):
    """'issue' is a word of materialising, so 'Mitigated - no issue' was stored as materialised."""
    assert risk_status(status) == "closed"


@pytest.mark.parametrize("value, expected", [
    ("Rare (0-10%)", 1), ("Unlikely (10-30%)", 2), ("Possible (30-50%)", 3), ("Likely (50-70%)", 4),
    ("Almost certain (70-100%)", 5), ("Likely (>50%)", 4), ("Almost certain (>90%)", 5),
    ("30-50%", 3), ("70–100%", 5), (">50%", 4), ("<10%", 1), ("4 - Major", 4),
])
def test_a_banded_likelihood_reads_by_its_word_or_else_its_band(value, expected):
    """'Unlikely (10-30%)' was read by its first number, 10, as 5 of 5; 'Rare (0-10%)' not at all."""
    assert rating(value) == expected


@pytest.mark.parametrize("value", ["Go-live slips by 6 weeks and costs £40k in extra contractor time",
                                   "UAT cannot start; 2 weeks delay", "£80k", "$5,000", "250k", "GBP 1.2m"])
def test_a_sentence_or_an_amount_is_not_a_rating(value):
    """'6 weeks' in an effect was read as impact 3, '£80k' as impact 5."""
    assert rating(value) is None


@pytest.mark.parametrize("values, expected", [
    ([5, 6, 9, 10], [2.8, 3.2, 4.6, 5]),  # 1-10: 5 was read as 5 of 5 beside 6 read as 3
    ([1, 3, 5], [1, 3, 5]),
    ([0.7, 0.5, 1.0], [4, 3, 5]),  # fractions: 1.0 is 100%, not 1 of 5
    ([5, 20, 70], [1, 2, 4]),  # percentages without the sign
])
def test_one_scale_per_column(values, expected):
    """Each cell was read on a scale of its own: 5 as 5 of 5 beside 6 as 3 of 5, 1.0 as 1 beside 0.7 as 4."""
    from ingest.scales import column_scale

    top = column_scale("Probability", values)
    assert [rating(v, top) for v in values] == expected


def test_a_percent_header_makes_small_numbers_percentages():
    """Under 'Likelihood %', 5 and 10 would read as a 1-10 scale (3 and 5) rather than 5% and 10%."""
    from ingest.scales import column_scale

    assert [rating(v, column_scale("Likelihood %", [5, 10])) for v in (5, 10)] == [1, 1]


def test_problem_words_that_are_negated_do_not_make_a_lesson_go_wrong():
    """'No delays on the data migration' was stored as a lesson that went wrong."""
    from ingest.tagging import polarity_from_words

    for text in ("No delays on the data migration", "Cutover finished without problems", "No issues at go-live"):
        assert polarity_from_words(text) != "went wrong", text
    assert polarity_from_words("Delays on the data migration") == "went wrong"
    assert polarity_from_words("No owner, so the migration was delayed") == "went wrong"
    # Said after the lesson's first sentence, it is a detail of what went wrong (NASA incident reports)
    assert polarity_from_words("The battery exploded in its charger. No damage was done to the rack.") == "went wrong"
