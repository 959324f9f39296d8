"""Realistic content for every PMO template, written over its placeholders (tests only)."""

from __future__ import annotations

from ingest.templates import Filled, Template

CODE = "WMS-2025"

CLOSURE = Filled(
    fields={"project": "Warehouse management system", "code": CODE, "portfolio": "Supply chain",
            "project type": "ERP migration", "industry": "retail", "methodology": "hybrid",
            "sponsor": "Helen Marsh", "manager": "Tom Reyes", "planned start": "2025-01-06",
            "planned end": "2025-09-26", "actual start": "2025-01-13", "actual end": "2025-11-14",
            "planned budget": "£850,000", "actual budget": "£990,000", "outcome": "challenged"},
    sections={
        "Summary": ["The warehouse system went live seven weeks late; picking rates recovered within a month."],
        "What went well": [
            "**Super users in every shift.** Each shift had a trained super user, so go-live questions were "
            "answered on the floor. Recommendation: train one super user per shift.",
            "**Scanner pilot.** Piloting the handheld scanners in one aisle found two firmware faults early."],
        "What went wrong": [
            "**Label printer integration late.** The carrier label interface was tested only in the last sprint. "
            "Cause: the carrier's test system was booked late. Impact: go-live slipped by three weeks.",
            "**Stock counts did not reconcile.** Opening stock differed from the ledger by 2%. "
            "Cause: no cycle count before cutover. Impact: two weekends of recounts."],
        "Lessons learned": [
            "**Book external test systems at kickoff.** Carriers and banks need weeks to provide test access. "
            "Recommendation: list external test systems in the plan and book them in the first month."],
        "Recommendations": ["Run a full cycle count in the fortnight before cutover."],
    })

RETRO = Filled(
    fields={"kind": "retrospective", "code": CODE, "sprint": "Sprint 9", "date": "2025-05-16",
            "team": "Warehouse squad"},
    sections={
        "What went well": ["Pairing developers with warehouse staff made the picking screens right first time."],
        "What didn't go well": ["The test environment was down for two days. Cause: nobody owned its refresh."],
        "Actions": ["Name an owner for the test environment before sprint 10."]})

STATUS = Filled(
    fields={"project": "Warehouse management system", "code": CODE, "period": "2025-06-02 to 2025-06-08",
            "overall rag": "Amber", "schedule rag": "Red", "cost rag": "Amber", "scope rag": "Green",
            "quality rag": "Green", "resources rag": "Amber", "risks rag": "Amber", "percent complete": "55%",
            "planned value": "£480,000", "earned value": "£440,000", "actual cost": "£470,000",
            "budget at completion": "£850,000", "estimate at completion": "£910,000",
            "forecast end": "2025-10-24"},
    sections={
        "Summary": ["Picking and put-away are built; carrier label integration is three weeks behind."],
        "Milestones": [("Design sign-off", "2025-03-07", "", "2025-03-14"),
                       ("User acceptance test", "2025-07-04", "2025-07-25", "")],
        "Top risks": [("Carrier test system may not be available before UAT", "High", "Tom Reyes"),
                      ("Opening stock may not reconcile with the ledger", "Medium", "Ana Silva")],
        "Issues": [("Two handheld scanners have a firmware fault", "Low", "Ana Silva")],
        "Decisions needed": ["Approve a weekend cycle count before cutover."]})

RISK_ROWS = [
    {"external_id": "R-01", "project": CODE, "description": "If the carrier test system is late, label "
     "printing cannot be tested before UAT", "cause": "Carrier books test slots months ahead",
     "effect": "UAT slips", "category": "vendor and procurement", "probability": "4", "impact": "4",
     "owner": "Tom Reyes", "response": "Book the carrier test slot now", "status": "open", "phase": "execution"},
    {"external_id": "R-02", "project": CODE, "description": "Opening stock may not reconcile with the ledger",
     "cause": "No cycle count planned", "effect": "Recounts after go-live", "category": "data migration",
     "probability": "high", "impact": "medium", "owner": "Ana Silva", "response": "Cycle count before cutover",
     "status": "materialised", "phase": "deployment"},
]
LESSON_ROWS = [
    {"external_id": "L-01", "project": CODE, "title": "Book external test systems at kickoff",
     "what_happened": "The carrier's test system was booked late, so label printing was tested in the last sprint",
     "cause": "Nobody listed external test systems", "impact": "Three weeks of delay",
     "recommendation": "List external test systems in the plan and book them in the first month",
     "polarity": "went wrong", "category": "testing", "phase": "planning", "date": "2025-06-20"},
    {"external_id": "L-02", "project": CODE, "title": "Super users on every shift",
     "what_happened": "Each shift had a trained super user at go-live", "cause": "", "impact": "",
     "recommendation": "Train one super user per shift", "polarity": "went well", "category": "training",
     "phase": "deployment", "date": "2025-11-20"},
]
RISKS = Filled(fields={"code": CODE}, rows=RISK_ROWS)
LESSONS = Filled(fields={"code": CODE}, rows=LESSON_ROWS)

FILLS: dict[str, Filled] = {"closure-report": CLOSURE, "retrospective": RETRO, "status-report": STATUS,
                            "risk-register": RISKS, "lessons-register": LESSONS}


def fill_for(template: Template) -> Filled:
    return FILLS[template.name]

