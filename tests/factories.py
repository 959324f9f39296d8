"""Builders of test data shared by several test modules, so no test module imports another.

- `closure`: a small ERP closure report (two lessons, one materialised risk) to save directly.
- `planted_documents`: ten projects with four planted failure causes, for themes and insights
  (tests/search/test_themes.py explains which repeat failures they hold).
"""

from __future__ import annotations

from datetime import date, timedelta

from kb.drafts import ParsedDocument
from kb.models import DocumentCreate, LessonCreate, ProjectCreate, RiskCreate


# --- a closure report -------------------------------------------------------------------------

def closure(name="erp-closure.md", extra_lesson: str | None = None, budget=1_000_000.0) -> ParsedDocument:
    lessons = [
        LessonCreate(title="Legacy data was dirty", what_happened="Customer records had duplicates.",
                     polarity="went wrong", category="data migration", source_location="What went wrong"),
        LessonCreate(title="Super users helped adoption", polarity="went well", category="training",
                     source_location="What went well"),
    ]
    if extra_lesson:
        lessons.append(LessonCreate(title=extra_lesson, polarity="improvement", source_location="Lessons learned"))
    return ParsedDocument(
        document=DocumentCreate(kind="closure report", source_name=name, sha256="", content="# Closure"),
        project_code="FIN-ERP", projects=[ProjectCreate(code="FIN-ERP", name="Finance ERP",
                                                        project_type="ERP migration", planned_budget=budget)],
        lessons=lessons,
        risks=[RiskCreate(title="Vendor late", description="Vendor delivers the interfaces late",
                          status="materialised", materialised=True)],
    )


# --- the planted portfolio ---------------------------------------------------------------------

CAUSES = {
    "data migration": [
        "Legacy customer records were full of duplicates, so the data migration failed reconciliation twice.",
        "Data conversion from the old system produced thousands of mismatched balances at trial load.",
        "Master data was not cleansed before the load; invoices were posted to the wrong suppliers.",
        "The migrated item master had missing units of measure, which broke order entry after go-live.",
        "We underestimated how dirty the source data was; mapping spreadsheets were out of date.",
        "Reconciliation of migrated ledger balances took three extra weeks because of poor source data quality.",
        "Extract-transform-load scripts silently dropped records with invalid postcodes.",
        "Historical data from the legacy database could not be mapped to the new data model.",
        "Data owners were not named, so nobody signed off the cleansed data before migration.",
        "Trial migrations revealed corrupt records in the old CRM that had to be fixed by hand.",
    ],
    "late vendor": [
        "The supplier delivered the hardware six weeks late, pushing back the whole installation.",
        "Our integrator missed three consecutive delivery dates for the interface build.",
        "Vendor software releases slipped repeatedly, and the contract had no penalty clause.",
        "The third-party contractor did not deliver the configured environment on time.",
        "Licences from the vendor arrived after the planned start of testing.",
        "External supplier's late shipment of network equipment delayed the rollout.",
        "The outsourcing partner kept moving its delivery milestones without warning.",
        "Procurement of the vendor's modules took months longer than the plan assumed.",
        "Components ordered from the manufacturer were back-ordered and arrived late.",
        "The vendor's patch fixing critical defects came two months after the promised date.",
    ],
    "key staff": [
        "Our lead architect resigned mid-project and took most of the design knowledge with her.",
        "Two senior developers left for another company during build, and replacements took months to hire.",
        "The project manager was reassigned halfway through, and continuity suffered.",
        "Key subject matter experts quit, leaving nobody who understood the business rules.",
        "High turnover in the core team meant constant onboarding of new people.",
        "When the only database specialist left, nobody else could maintain the scripts.",
        "Loss of the business analyst in month four stalled requirements work.",
        "Attrition among contractors forced us to re-train the team twice.",
        "The solution lead went on long-term leave with no deputy in place.",
        "Staff departures hollowed out the test team just before acceptance testing.",
    ],
    "cutover": [
        "The go-live cutover had never been rehearsed end to end and overran by two days.",
        "No dress rehearsal of the cutover weekend was run, so the sequence of steps was wrong.",
        "Cutover runbook was written the week before go-live and never tested.",
        "We skipped the mock cutover to save time; the real one hit unexpected dependencies.",
        "Rollback procedures were not practised, and when go-live failed we could not revert cleanly.",
        "The switchover plan was not rehearsed, so the downtime window was blown.",
        "Timings for the production cutover were guessed rather than measured in a rehearsal.",
        "Without a trial run of the go-live sequence, teams did not know their hand-off points.",
        "The migration weekend steps were executed for the first time in production.",
        "The cutover checklist had gaps that a rehearsal would have caught.",
    ],
}
NOISE = [
    "Meeting rooms were hard to book for workshops.",
    "The steering committee met only twice a year, so decisions were slow.",
    "Scope kept growing with unapproved feature requests.",
    "Users were trained too late and adoption was poor.",
    "Budget reporting was done in separate spreadsheets that disagreed.",
]

PROJECTS_OF = {"data migration": [0, 2, 3, 5, 7, 9], "late vendor": [1, 4, 6, 8],
               "key staff": [0, 1, 6, 8], "cutover": [2, 4, 5, 9]}
TYPES = ["ERP migration", "CRM rollout", "cloud migration"]


def project(i: int) -> ProjectCreate:
    start = date(2015, 6, 1) if i == 1 else date(2015 + i, 1, 1)
    return ProjectCreate(code=f"P{i}", name=f"Project {i}", project_type=TYPES[i % 3],
                         planned_start=start, actual_start=start, planned_end=date(2015 + i, 9, 30),
                         actual_end=date(2015 + i, 9, 30), outcome="challenged")


def planted_documents() -> list[ParsedDocument]:
    lessons: dict[int, list[LessonCreate]] = {i: [] for i in range(10)}
    for cause, sentences in CAUSES.items():
        where = PROJECTS_OF[cause]
        for n, sentence in enumerate(sentences):
            i = where[n % len(where)]
            # Cutover lessons carry their own date (a retrospective mid-project); the others fall back
            # to the project's end date.
            own = project(i).actual_start + timedelta(days=90) if cause == "cutover" else None
            lessons[i].append(LessonCreate(title=sentence, polarity="went wrong", lesson_date=own,
                                           source_location=f"{cause} {n}"))
    for n, sentence in enumerate(NOISE):
        lessons[2 * n].append(LessonCreate(title=sentence, polarity="went wrong", source_location=f"noise {n}"))
    lessons[0].append(LessonCreate(title="Daily stand-ups kept the team aligned.", polarity="went well"))
    risks = {
        3: [RiskCreate(title="Cutover dress rehearsal skipped", status="materialised", materialised=True,
                       description="The cutover weekend was not rehearsed, so go-live steps ran in the wrong "
                                   "order and overran."),
            RiskCreate(title="Office move clashes with go-live", status="closed",
                       description="The office relocation might clash with go-live.")],
        9: [RiskCreate(title="Poor legacy data quality", status="materialised", materialised=True,
                       description="Dirty legacy records fail reconciliation during data migration.")],
    }
    docs = []
    for i in range(10):
        docs.append(ParsedDocument(
            document=DocumentCreate(kind="closure report", source_name=f"P{i}_closure.md", sha256="",
                                    content=f"closure report {i}"),
            project_code=f"P{i}", projects=[project(i)], lessons=lessons[i], risks=risks.get(i, [])))
    return docs


# --- a running project whose live risk register echoes past failures ------------------------------

def _past(code: str, name: str, ptype: str, year: int) -> ProjectCreate:
    return ProjectCreate(code=code, name=name, project_type=ptype, planned_start=date(year, 1, 1),
                         planned_end=date(year, 12, 31), actual_end=date(year + 1, 2, 28), outcome="challenged")


def _register(code: str, risks: list[RiskCreate], project: ProjectCreate | None = None) -> ParsedDocument:
    for n, risk in enumerate(risks, 2):
        risk.source_location, risk.source_anchor = f"row {n}", f"row-{n}"
    return ParsedDocument(
        document=DocumentCreate(kind="risk register", source_name=f"{code}_risk_register.csv", sha256="",
                                content=f"risk register of {code}"),
        project_code=code, projects=[project] if project else [], risks=risks)


def warning_documents() -> list[ParsedDocument]:
    """Past projects (closed) with materialised risks and went-wrong lessons, and one active ERP migration,
    LIVE-ERP, whose live register holds: an open risk echoing two past ERP migrations' duplicate master data
    (PAST-ERP-1's materialised risk, PAST-ERP-2's lesson), an unrelated open risk, a closed risk echoing
    PAST-ERP-1's unrehearsed cutover, and an open risk echoing only SECRET-ERP's late interface adapters (the
    test makes SECRET-ERP confidential)."""
    erp1 = _past("PAST-ERP-1", "Ledger consolidation", "ERP migration", 2019)
    erp2 = _past("PAST-ERP-2", "Plant ERP rollout", "ERP migration", 2020)
    secret = _past("SECRET-ERP", "Confidential merger ERP", "ERP migration", 2021)
    crm = _past("PAST-CRM-1", "Sales CRM", "CRM rollout", 2021)
    live = ProjectCreate(code="LIVE-ERP", name="Finance ERP replacement", project_type="ERP migration",
                         planned_start=date(2026, 1, 5), planned_end=date(2026, 12, 18))
    return [
        _register("PAST-ERP-1", [
            RiskCreate(title="Legacy supplier and customer master data may contain duplicates that fail trial loads",
                       description="Legacy supplier and customer master data may contain duplicates and invalid "
                                   "records, causing trial loads to fail",
                       effect="Two extra load cycles and a six-week slip to the first trial migration",
                       response="Divisional teams cleanse their own supplier and customer lists before trial load 1",
                       status="materialised", materialised=True, probability=4, impact=4),
            RiskCreate(title="Cutover may overrun the weekend window", description="The cutover was not rehearsed "
                       "end to end and overran the weekend window by a day", status="materialised",
                       materialised=True, probability=3, impact=5)], erp1),
        ParsedDocument(
            document=DocumentCreate(kind="closure report", source_name="PAST-ERP-2_closure.md", sha256="",
                                    content="closure report"),
            project_code="PAST-ERP-2", projects=[erp2],
            lessons=[LessonCreate(title="Material master data was full of duplicate and obsolete records",
                                  what_happened="Duplicate and obsolete material master records made the first "
                                                "trial loads fail to reconcile.",
                                  recommendation="Cleanse the master data and remove duplicates before the first "
                                                 "trial load.",
                                  polarity="went wrong", source_location="What went wrong",
                                  source_anchor="what-went-wrong")]),
        _register("SECRET-ERP", [
            RiskCreate(title="The systems integrator may deliver the interface adapters late",
                       description="The systems integrator may deliver the interface adapters months late",
                       effect="System testing started eleven weeks late", response="Dated milestones and penalties",
                       status="materialised", materialised=True, probability=4, impact=4)], secret),
        _register("PAST-CRM-1", [
            RiskCreate(title="Sales staff may not adopt the new CRM", description="Sales staff kept their own "
                       "spreadsheets instead of using the CRM", status="materialised", materialised=True)], crm),
        _register("LIVE-ERP", [
            RiskCreate(title="Material master data may contain duplicate and obsolete records that fail trial loads",
                       description="Material master data may contain duplicate and obsolete records that fail "
                                   "trial loads", status="open", probability=4, impact=4),
            RiskCreate(title="The canteen may close for refurbishment in spring",
                       description="The staff canteen may close for refurbishment in spring", status="open",
                       probability=2, impact=1),
            RiskCreate(title="Cutover may overrun the weekend window", description="The cutover may not be "
                       "rehearsed end to end and may overrun the weekend window", status="closed",
                       probability=3, impact=5),
            RiskCreate(title="The systems integrator may deliver the interface adapters late",
                       description="The systems integrator may deliver the interface adapters late",
                       status="open", probability=3, impact=4)], live),
    ]
