"""The weekly status reports and live risk registers of Northwind's six active projects.

Each project is a short plan below (budget, weekly RAG by dimension, milestones, risks, issues,
escalations); `weekly_reports()` turns it into one report per week, and `demo/_build.py` writes
them as Markdown, Word or Excel files into `demo/status-reports/` and the live risk registers
into `demo/_src/risk-registers/` (CSV, some then built as XLSX). Earned value follows an
S-curve: PV = budget × s(week / planned weeks) with s(x) = 3x² − 2x³; EV = PV × SPI and
AC = EV / CPI, where SPI and CPI follow the week's schedule and cost RAG. Everything is
deterministic, so rebuilding gives identical files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

DIMENSIONS = ("schedule", "cost", "scope", "quality", "resources", "risks")
# The SPI and CPI a week's RAG stands for, varied a little week by week so curves are not flat.
INDEX = {"G": 1.0, "A": 0.91, "R": 0.82}
SLIP_DAYS = {"G": 0, "A": 2, "R": 4}
"""Days every open milestone slips in a week of that schedule RAG."""
BETTER = {"R": "A", "A": "G", "G": "G"}
"""A dimension a plan does not rate week by week is one step better than the overall RAG."""
WOBBLE = (0.0, 0.012, -0.008, 0.006, -0.014, 0.01, -0.004)


@dataclass
class Item:
    text: str
    severity: str
    first: int
    """First week (1-based) the item is reported."""
    last: int = 99
    """Last week it is reported (closed after)."""


@dataclass
class Plan:
    code: str
    name: str
    project_type: str
    industry: str
    portfolio: str
    sponsor: str
    manager: str
    fmt: str
    """md, docx or xlsx."""
    start: date
    """Monday of week 1."""
    planned_weeks: int
    budget: float
    currency: str
    overall: str
    """One letter per reported week: G, A or R."""
    dims: dict[str, str]
    """Dimension → one letter per week (the others: `BETTER` than the overall RAG)."""
    milestones: list[tuple[str, int]]
    """(name, planned week): due on the Friday of that week."""
    risks: list[Item]
    issues: list[Item]
    escalations: dict[int, str]
    notes: dict[int, str]
    """Week → the summary from that week on, until the next note."""
    spelling: dict[str, str] = field(default_factory=lambda: {"G": "Green", "A": "Amber", "R": "Red"})
    register: list[tuple] = field(default_factory=list)
    """Live risk register rows: (id, category, description, cause, effect, probability, impact, owner, response, status)."""
    register_fmt: str = "csv"


@dataclass
class WeeklyReport:
    plan: Plan
    week: int
    start: date
    end: date
    overall: str
    rag: dict[str, str]
    percent: int
    pv: int
    ev: int
    ac: int
    eac: int
    forecast_end: date
    milestones: list[tuple[str, date, date | None, date | None]]
    """(name, planned, forecast, actual)."""
    risks: list[Item]
    issues: list[Item]
    escalations: list[str]
    summary: str

    @property
    def file_stem(self) -> str:
        return f"{self.plan.code}_status-report_{self.end.isoformat()}"


def s_curve(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return 3 * x * x - 2 * x * x * x


def weekly_reports(plan: Plan) -> list[WeeklyReport]:
    out = []
    slip = 0
    achieved: dict[str, date] = {}
    planned_end = plan.start + timedelta(weeks=plan.planned_weeks) - timedelta(days=3)
    for week in range(1, len(plan.overall) + 1):
        rag = {d: plan.dims[d][week - 1] if d in plan.dims else BETTER[plan.overall[week - 1]] for d in DIMENSIONS}
        wobble = WOBBLE[week % len(WOBBLE)]
        spi, cpi = INDEX[rag["schedule"]] + wobble, INDEX[rag["cost"]] - wobble / 2
        pv = plan.budget * s_curve(week / plan.planned_weeks)
        ev, end = pv * spi, plan.start + timedelta(weeks=week) - timedelta(days=3)
        slip += SLIP_DAYS[rag["schedule"]]
        milestones = []
        for name, due_week in plan.milestones:
            planned = plan.start + timedelta(weeks=due_week) - timedelta(days=3)
            forecast = planned + timedelta(days=slip)
            if name not in achieved and forecast <= end:
                achieved[name] = forecast  # once met, a milestone's date stays put
            milestones.append((name, planned, None if name in achieved else forecast, achieved.get(name)))
        out.append(WeeklyReport(
            plan, week, end - timedelta(days=6), end, plan.overall[week - 1], rag,
            round(100 * ev / plan.budget), round(pv, -3), round(ev, -3), round(ev / cpi, -3),
            round(plan.budget / cpi, -4), planned_end + timedelta(days=7 * round(slip / 7)), milestones,
            [r for r in plan.risks if r.first <= week <= r.last], [i for i in plan.issues if i.first <= week <= i.last],
            [plan.escalations[week]] if week in plan.escalations else [],
            plan.notes[max(k for k in plan.notes if k <= week)]))
    return out


# --- the six active projects ----------------------------------------------------------

PLANS = [
    Plan(
        code="RET-ERP-2026", name="Retail Merchandising ERP Re-implementation", project_type="ERP migration",
        industry="Retail", portfolio="Northwind Retail", sponsor="Helen Marsh (Retail CFO)", manager="Tom Okafor",
        fmt="md", start=date(2026, 8, 10), planned_weeks=40, budget=4_800_000, currency="GBP",
        overall="GGGGAAAAARRRAAAA",
        dims={"schedule": "GGGAAAAARRRRAAAA", "cost": "GGGGGGAAAAAAAAAA", "scope": "GGGAAAAAAAAAGGGG",
              "quality": "GGGGGGGAARRAAAAA", "resources": "GGGGAARRRAAAAAAA", "risks": "GGAAAAARRRRAAAAA"},
        milestones=[("Design sign-off", 6), ("Data migration trial load 1", 12), ("Data migration trial load 2", 20),
                    ("System integration test complete", 28), ("Go-live wave 1 (Home and Garden)", 36)],
        risks=[
            Item("Legacy article and supplier master data may hold duplicates and obsolete records that fail the "
                 "trial loads", "high", 1),
            Item("Kestrel's lead solution architect may be moved to another client before the build ends", "high", 5),
            Item("Buying teams keep adding promotion and markdown requests to the design", "medium", 3, 12),
            Item("A new packaging-tax return may need extra tax codes in the finance design", "low", 8),
        ],
        issues=[
            Item("Trial load 1 rejected 18% of article records (duplicates and missing supplier links)", "high", 12),
            Item("Kestrel architect handed over to a junior colleague with two days' notice", "high", 9, 13),
        ],
        escalations={5: "Decision needed: freeze the design scope; route new buying requests through change control",
                     9: "Help needed: ask Kestrel for a named replacement architect with ERP retail experience",
                     12: "Decision needed: fund two data stewards from Merchandising for twelve weeks to cleanse "
                         "article data before trial load 2",
                     14: "Decision needed: re-baseline go-live wave 1 by three weeks"},
        notes={1: "Mobilisation complete; design workshops under way with the buying and finance teams.",
               4: "Design workshops overrunning: buying teams are asking for promotion functionality not in scope.",
               9: "Kestrel's lead architect left the account; handover to a new architect is in progress.",
               12: "Trial load 1 failed on article master data quality; a cleansing sprint is being planned.",
               14: "Cleansing sprint started with two Merchandising data stewards; trial load 2 re-planned."},
        register=[
            ("RR-01", "Data migration", "Legacy article and supplier master data may hold duplicates and obsolete "
             "records that fail the trial loads", "Fifteen years of manual article creation across three legacy systems",
             "Failed trial loads and a later go-live", "Very high", "High", "Data Lead",
             "Mitigate: profiling and cleansing sprint before trial load 2", "Open"),
            ("RR-02", "Vendor", "Kestrel's lead solution architect may be moved to another client before the build "
             "ends", "One named architect holds the design; no deputy", "Design knowledge lost mid-build",
             "High", "High", "Programme Manager", "Mitigate: named deputy and design walkthroughs", "Open"),
            ("RR-03", "Scope", "Buying teams keep adding promotion and markdown requests to the design",
             "No change control during design workshops", "Build effort and dates grow", "High", "Medium",
             "Design Authority", "Mitigate: scope freeze and change board", "Open"),
            ("RR-04", "Regulatory", "A new packaging-tax return may need extra tax codes in the finance design",
             "Packaging-tax rules published late", "Rework of the tax design", "Low", "Medium", "Finance Lead",
             "Accept: monitor the rules", "Open"),
            ("RR-05", "Technical", "Store tills may not send sales to the new ERP in time for overnight replenishment",
             "Batch window shortened by the new interface", "Late replenishment orders", "Low", "High",
             "Integration Lead", "Mitigate: interface performance test", "Closed"),
        ]),
    Plan(
        code="LOG-ERP-2026", name="Depot Operations ERP Extension", project_type="ERP migration",
        industry="Logistics", portfolio="Northwind Logistics", sponsor="Graham Fell (Logistics COO)",
        manager="Aisha Rahman", fmt="docx", start=date(2026, 9, 7), planned_weeks=30, budget=2_100_000,
        currency="GBP", overall="GGGGGGAAAAAA",
        dims={"schedule": "GGGGGAAAAAAA", "cost": "GGGGGGGGGGAA", "resources": "GGGGGGAAAAAA"},
        milestones=[("Depot process design approved", 4), ("Harbourline rate cards migrated", 10),
                    ("Pilot depot live (Warrington)", 18)],
        risks=[
            Item("Harbourline freight rate-card data may be inaccurate or out of date", "high", 2),
            Item("Former Harbourline IT staff who know the bespoke rating engine may leave", "medium", 6),
            Item("Customs EDI certification with HMRC may take longer than the eight weeks planned", "medium", 3),
        ],
        issues=[Item("Rate-card sample check found 6% of lanes priced from expired tariffs", "medium", 8)],
        escalations={7: "Help needed: retention agreement for the two Harbourline rating engine specialists",
                     10: "Decision needed: accept a two-week slip of the rate-card migration to re-check expired "
                         "tariffs with the commercial team"},
        notes={1: "Project started; depot process design workshops booked at Warrington and Daventry.",
               6: "Rate-card extraction under way; the rating engine specialists are the only source of the rules.",
               8: "Sample checks found expired tariffs in the Harbourline rate cards; commercial review requested."},
        spelling={"G": "G", "A": "A", "R": "R"},
        register=[
            ("LE-01", "Data migration", "Harbourline freight rate-card data may be inaccurate or out of date",
             "Rate cards kept in spreadsheets per customer", "Wrong prices charged after migration", "High", "High",
             "Commercial Data Lead", "Mitigate: sample checks and commercial sign-off per lane", "Open"),
            ("LE-02", "Resources", "Former Harbourline IT staff who know the bespoke rating engine may leave",
             "Retention agreements end in December", "Rating rules cannot be explained", "Medium", "High",
             "Programme Manager", "Mitigate: knowledge capture sessions", "Open"),
            ("LE-03", "Regulatory", "Customs EDI certification with HMRC may take longer than the eight weeks planned",
             "New customs declaration service", "Pilot depot cannot clear imports", "Medium", "Medium",
             "Integration Lead", "Mitigate: book test slots early", "Open"),
            ("LE-04", "Technical", "Depot Wi-Fi may not cover the cold store for handheld scanners",
             "Cold store walls block signal", "Scanning done on paper", "Medium", "Low", "Network Lead",
             "Mitigate: site survey", "Open"),
        ],
        register_fmt="xlsx"),
    Plan(
        code="FIN-CRM-2026", name="Adviser CRM Consolidation", project_type="CRM rollout",
        industry="Financial services", portfolio="Northwind Financial Services", sponsor="Claire Bennett (COO)",
        manager="Priya Shah", fmt="xlsx", start=date(2026, 9, 21), planned_weeks=26, budget=1_350_000,
        currency="GBP", overall="GGAAAAAAAR",
        dims={"scope": "GAAAAARRRR", "schedule": "GGGAAAAAAR", "quality": "GGGGGGGAAA"},
        milestones=[("Relata configuration baseline", 5), ("Adviser pilot (Leeds branch)", 12)],
        risks=[
            Item("Adviser teams may keep adding requests to the first release", "high", 2),
            Item("Adviser contact lists held in spreadsheets may contain duplicates", "medium", 1),
            Item("The Tessera Telecom click-to-dial API release may slip past the pilot", "medium", 4),
        ],
        issues=[Item("Twelve change requests raised by advisers in four weeks; none yet assessed", "high", 6)],
        escalations={6: "Decision needed: sponsor to confirm the first-release scope and the change board",
                     10: "Decision needed: move the Leeds pilot or drop adviser-requested reports from release 1"},
        notes={1: "Relata configuration started; adviser workshops in Leeds and Bristol.",
               3: "Advisers asking for extra reports and workflow in release 1.",
               6: "Change requests outpacing the team's capacity; no change board yet.",
               10: "Scope growth now threatens the Leeds pilot date."},
        spelling={"G": "On track", "A": "At risk", "R": "Off track"},
        register=[
            ("AC-01", "Scope", "Adviser teams may keep adding requests to the first release",
             "Advisers add requests directly to the backlog", "Pilot date and budget slip", "High", "High",
             "Product Owner", "Mitigate: change board from week 7", "Open"),
            ("AC-02", "Data", "Adviser contact lists held in spreadsheets may contain duplicates",
             "Each adviser keeps a separate list", "Duplicate contact with clients", "Medium", "Medium",
             "Data Lead", "Mitigate: de-duplication before load", "Open"),
            ("AC-03", "Supplier", "The Tessera Telecom click-to-dial API release may slip past the pilot",
             "Vendor roadmap not committed", "Pilot without click-to-dial", "Medium", "Low", "Integration Lead",
             "Accept: manual dialling in the pilot", "Open"),
        ]),
    Plan(
        code="ENR-CLD-2026", name="Field Data Platform Cloud Move", project_type="cloud migration",
        industry="Energy", portfolio="Northwind Energy Services", sponsor="Dale Whitaker (VP Field Operations)",
        manager="Maria Gonzales", fmt="md", start=date(2026, 8, 24), planned_weeks=24, budget=2_600_000,
        currency="USD", overall="GGGGGGGGAAGGGG",
        dims={"schedule": "GGGGGGGGAAGGGG", "risks": "GGGGGAAAAAAGGG"},
        milestones=[("Nimbra landing zone approved", 4), ("Wave 1: telemetry ingest", 9),
                    ("Wave 2: maintenance history", 16)],
        risks=[
            Item("Undocumented interfaces of the field telemetry system may break when it moves to Nimbra Cloud",
                 "high", 1, 11),
            Item("Hurricane season may close the Houston field office during cutover weekends", "medium", 2, 12),
            Item("The SCADA historian licence may not allow cloud hosting", "medium", 6),
        ],
        issues=[Item("Wave 1 rehearsal found two undocumented feeds from the Tulsa depot", "medium", 9, 10)],
        escalations={9: "Help needed: Tulsa depot engineers for two days to document the telemetry feeds"},
        notes={1: "Landing zone build with Altostrat under way; interface inventory started.",
               6: "Interface inventory complete for telemetry; historian licence question raised with the vendor.",
               9: "Wave 1 rehearsal found two undocumented feeds; cutover moved one week.",
               11: "Wave 1 live after a second rehearsal; wave 2 planning on track."},
        spelling={"G": "green", "A": "yellow", "R": "red"},
        register=[
            ("FD-01", "Technical", "Undocumented interfaces of the field telemetry system may break when it moves "
             "to Nimbra Cloud", "Interfaces built by depots over ten years", "Lost telemetry after cutover",
             "High", "High", "Technical Architect", "Mitigate: interface inventory and two rehearsals", "Closed"),
            ("FD-02", "Environment", "Hurricane season may close the Houston field office during cutover weekends",
             "Cutover weekends in August to October", "Cutover postponed", "Medium", "Medium", "Programme Manager",
             "Mitigate: standby weekends in November", "Open"),
            ("FD-03", "Commercial", "The SCADA historian licence may not allow cloud hosting",
             "Licence written for on-premises servers", "Extra licence cost or a redesign", "Medium", "High",
             "Commercial Manager", "Mitigate: licence review with the vendor", "Open"),
        ]),
    Plan(
        code="GRP-BI-2026", name="Group Margin Reporting Warehouse", project_type="data warehouse and BI",
        industry="Group functions", portfolio="Group functions", sponsor="Richard Hale (Group CFO)",
        manager="Sophie Laurent", fmt="xlsx", start=date(2026, 9, 7), planned_weeks=28, budget=980_000,
        currency="GBP", overall="GGGAAAAA",
        dims={"scope": "GGAAAAAA", "quality": "GGGGAAAA"},
        milestones=[("Margin definitions agreed", 4), ("First dashboards in UAT", 14)],
        risks=[
            Item("Businesses may not agree a single definition of gross margin", "high", 1),
            Item("Source data from the five business ledgers may be incomplete or inconsistent", "high", 3),
        ],
        issues=[Item("Retail and Logistics margin definitions differ on freight recharges", "medium", 4)],
        escalations={5: "Decision needed: Group CFO to rule on the treatment of freight recharges in gross margin"},
        notes={1: "Requirements workshops with the five finance teams.",
               4: "Margin definition workshops stalled on freight recharges."},
        spelling={"G": "GREEN", "A": "AMBER", "R": "RED"},
        register=[
            ("GM-01", "Requirements", "Businesses may not agree a single definition of gross margin",
             "Each business reports margin its own way", "Dashboards disputed", "High", "High", "Sponsor",
             "Mitigate: CFO rules on disputed items", "Open"),
            ("GM-02", "Data", "Source data from the five business ledgers may be incomplete or inconsistent",
             "Ledgers on three platforms", "Figures that do not reconcile", "High", "High", "Data Lead",
             "Mitigate: reconciliation checks per source", "Open"),
            ("GM-03", "Commercial", "The Quarry Analytics licence renewal may fall before the warehouse is live",
             "Renewal date in March", "Pay for two tools", "Low", "Low", "Finance Business Partner",
             "Accept", "Open"),
        ],
        register_fmt="xlsx"),
    Plan(
        code="MFG-APP-2026", name="Plant Maintenance Mobile App", project_type="web or mobile app",
        industry="Manufacturing", portfolio="Northwind Manufacturing", sponsor="Jürgen Weber (Plant Director)",
        manager="Lena Novak", fmt="docx", start=date(2026, 9, 28), planned_weeks=20, budget=640_000,
        currency="EUR", overall="AARRRAAAG",
        dims={"schedule": "AARRRAAAG", "resources": "ARRRAAGGG", "quality": "GGGAAAGGG"},
        milestones=[("Clickable prototype tested with technicians", 3), ("Offline sync beta (Dortmund)", 10)],
        risks=[
            Item("Rugged tablets may not be certified for the ATEX zones of the paint shop", "high", 1, 6),
            Item("The only mobile developer who knows the offline sync code may leave or fall ill", "high", 2),
        ],
        issues=[Item("Mobile developer on sick leave for two weeks; offline sync work stopped", "high", 3, 5)],
        escalations={3: "Help needed: a second mobile developer from Pixelhaus Studio to pair on offline sync",
                     4: "Decision needed: buy ATEX-certified tablets at EUR 2,300 each instead of standard ones"},
        notes={1: "Prototype built with technicians at Dortmund; tablet certification question open.",
               3: "Offline sync stalled while the only mobile developer is off sick.",
               6: "Pixelhaus developer pairing on offline sync; ATEX tablets ordered.",
               9: "Offline sync beta ready for Dortmund; back on plan."},
        spelling={"G": "g", "A": "a", "R": "r"},
        register=[
            ("PM-01", "Technical", "Rugged tablets may not be certified for the ATEX zones of the paint shop",
             "Standard tablets chosen before the site survey", "No app in the paint shop", "High", "High",
             "Plant Engineer", "Avoid: ATEX-certified tablets", "Closed"),
            ("PM-02", "Resources", "The only mobile developer who knows the offline sync code may leave or fall ill",
             "One developer wrote the sync layer", "Sync work stops", "High", "High", "Product Owner",
             "Mitigate: pairing with a second developer", "Open"),
            ("PM-03", "Adoption", "Technicians may keep paper job cards alongside the app",
             "Paper is trusted and quick", "Double entry, poor data", "Medium", "Medium", "Maintenance Manager",
             "Mitigate: supervisors stop issuing paper in the pilot area", "Open"),
        ]),
]
