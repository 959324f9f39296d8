"""A small, realistic PMO corpus for search tests, written straight through
`KnowledgeBase.save_document` (no parsers involved)."""

from __future__ import annotations

from datetime import date

from kb.drafts import ParsedDocument
from kb.models import DocumentCreate, LessonCreate, ProjectCreate, RiskCreate

PROJECTS = [
    ProjectCreate(code="FIN-ERP-2021", name="Finance ERP replacement", project_type="ERP migration",
                  industry="retail", portfolio="Finance", outcome="challenged", planned_budget=2_400_000,
                  actual_start=date(2021, 2, 1), description="Replace the ageing finance ledger with SAP S/4HANA."),
    ProjectCreate(code="OPS-ERP-2023", name="Operations ERP rollout", project_type="ERP migration",
                  industry="manufacturing", portfolio="Operations", outcome="failed", planned_budget=3_100_000,
                  actual_start=date(2023, 3, 1), description="Move plants onto one ERP for inventory and orders."),
    ProjectCreate(code="SAL-CRM-2022", name="Sales CRM rollout", project_type="CRM rollout", industry="retail",
                  portfolio="Sales", outcome="successful", planned_budget=900_000, actual_start=date(2022, 5, 1),
                  description="Salesforce rollout for 400 field sales staff."),
    ProjectCreate(code="IT-NET-2022", name="Branch network upgrade", project_type="network upgrade",
                  industry="banking", portfolio="IT", outcome="successful", planned_budget=1_200_000,
                  actual_start=date(2022, 1, 10), description="SD-WAN for 120 branches."),
    ProjectCreate(code="HR-MOVE-2020", name="Head office relocation", project_type="office relocation",
                  industry="banking", portfolio="Facilities", outcome="successful", planned_budget=400_000,
                  actual_start=date(2020, 9, 1), description="Move 600 staff to the new head office."),
]


def lesson(title, polarity, category, what="", cause="", recommendation="", phase=None, location=None, **kw):
    return LessonCreate(title=title, polarity=polarity, category=category, what_happened=what, cause=cause,
                        recommendation=recommendation, phase=phase, source_location=location or "Lessons learned",
                        source_anchor=(location or "lessons-learned").lower().replace(" ", "-"), **kw)


DUPLICATE = ("Data migration was underestimated and legacy data quality was poor",
             "Legacy customer and supplier records were full of duplicates, so the trial data loads failed "
             "three times and cutover slipped by four weeks.",
             "Start data cleansing in the first month and run at least three full trial loads before cutover.")

CLOSURE = {
    "FIN-ERP-2021": [
        lesson(DUPLICATE[0], "went wrong", "data migration", DUPLICATE[1], recommendation=DUPLICATE[2],
               location="What went wrong"),
        lesson("User acceptance testing was squeezed into two weeks", "went wrong", "testing",
               "UAT started late because the build overran, so key finance scenarios were never tested "
               "before go-live and month-end close failed in the first period.",
               recommendation="Protect the UAT window in the plan and make it a go-live gate.",
               location="What went wrong"),
        lesson("The system integrator missed three delivery milestones", "went wrong", "vendor and procurement",
               "The integrator's offshore team changed twice and configuration deliveries arrived late.",
               recommendation="Tie vendor payments to accepted deliverables.", location="What went wrong"),
        lesson("A network of super users in every finance team helped adoption", "went well", "training",
               "Twelve super users trained their colleagues and answered questions during hypercare.",
               location="What went well"),
        lesson("Executive sponsorship from the CFO kept decisions moving", "went well",
               "stakeholders and communication", "The CFO chaired the steering committee every fortnight.",
               location="What went well"),
    ],
    "OPS-ERP-2023": [
        lesson(DUPLICATE[0], "went wrong", "data migration",
               DUPLICATE[1].replace("customer and supplier", "supplier and customer"),
               recommendation=DUPLICATE[2], location="What went wrong"),
        lesson("Cutover was never rehearsed end to end", "went wrong", "data migration",
               "The first full rehearsal was the live cutover weekend; inventory balances did not reconcile "
               "and the plants ran on paper for a week.",
               recommendation="Run two full dress rehearsals of cutover with timings.", location="What went wrong"),
        lesson("Scope creep from plant-specific customisations", "went wrong", "scope",
               "Each plant asked for its own reports and workflows; there was no change control board.",
               recommendation="Set up change control before design starts.", location="What went wrong"),
        lesson("Key functional consultants left mid-project", "went wrong", "resources and staffing",
               "Two senior consultants resigned during build and their knowledge left with them.",
               location="What went wrong"),
    ],
    "SAL-CRM-2022": [
        lesson("Sales users were trained too late to adopt the CRM", "went wrong", "training",
               "Training happened the week before go-live, so reps kept their spreadsheets.",
               recommendation="Train users four weeks ahead and coach them in the field.", location="What went wrong"),
        lesson("Phased rollout by region worked well", "went well", "governance",
               "Each region went live a month apart, and lessons from the first were applied to the next.",
               location="What went well"),
        lesson("Integration interfaces to the billing system were undocumented", "went wrong", "technical",
               "Nobody knew the billing API's error codes, so orders silently failed to sync.",
               recommendation="Document every interface and test it with real data.", location="What went wrong"),
    ],
    "IT-NET-2022": [
        lesson("Site surveys before the SD-WAN rollout avoided surprises", "went well", "technical",
               "Surveys found old cabling at 14 branches before the installers arrived.", location="What went well"),
        lesson("The telecom carrier delivered circuits months late", "went wrong", "vendor and procurement",
               "Circuit orders took 90 days instead of 30 and branch cutovers were rescheduled twice.",
               recommendation="Order circuits before the design is final.", location="What went wrong"),
    ],
    "HR-MOVE-2020": [
        lesson("Staff communication about the move started early", "went well", "stakeholders and communication",
               "Monthly town halls and a floor-plan preview reduced anxiety about the new office.",
               location="What went well"),
        lesson("Furniture supplier delivered the wrong desks", "went wrong", "vendor and procurement",
               "A third of the desks did not match the specification and had to be replaced after the move.",
               location="What went wrong"),
    ],
}

RISKS = {
    "FIN-ERP-2021": [
        RiskCreate(external_id="R1", title="Integrator may not staff the project with experienced consultants",
                   description="The system integrator may not provide experienced SAP consultants, delaying the build.",
                   category="vendor and procurement", status="materialised", materialised=True,
                   probability=4, impact=4, score=16, response="Named consultants in the contract.",
                   source_location="row 2"),
        RiskCreate(external_id="R2", title="Finance users unavailable for testing during year-end",
                   description="Finance users may be unavailable for UAT during year-end close.",
                   category="resources and staffing", status="closed", probability=3, impact=3, score=9,
                   source_location="row 3"),
    ],
    "OPS-ERP-2023": [
        RiskCreate(external_id="R1", title="Licence costs rise after the vendor's price change",
                   description="The ERP vendor may raise licence prices at renewal, overrunning the budget.",
                   category="vendor and procurement", status="materialised", materialised=True,
                   probability=3, impact=4, score=12, source_location="row 2"),
        RiskCreate(external_id="R2", title="Legacy data cannot be cleansed in time",
                   description="Legacy inventory data may not be cleansed before the migration window.",
                   category="data migration", status="open", probability=4, impact=5, score=20,
                   source_location="row 3"),
    ],
}


def closure_document(code: str, lessons: list[LessonCreate]) -> ParsedDocument:
    project = next(p for p in PROJECTS if p.code == code)
    doc = DocumentCreate(kind="closure report", source_name=f"{code}_closure_report.md", title=f"{project.name}: closure report",
                         sha256="", content=f"# {project.name}\n" + "\n".join(f"- {l.title}" for l in lessons))
    return ParsedDocument(document=doc, project_code=code, projects=[project], lessons=lessons)


def risk_document(code: str, risks: list[RiskCreate]) -> ParsedDocument:
    doc = DocumentCreate(kind="risk register", source_name=f"{code}_risk_register.csv", sha256="",
                         content="\n".join(r.description for r in risks))
    return ParsedDocument(document=doc, project_code=code, risks=risks)


def load_corpus(kb) -> None:
    for code, lessons in CLOSURE.items():
        parsed = closure_document(code, lessons)
        kb.save_document(parsed, parsed.document.content.encode())
    for code, risks in RISKS.items():
        parsed = risk_document(code, risks)
        kb.save_document(parsed, parsed.document.content.encode())
