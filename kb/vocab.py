"""The controlled PMO vocabulary, in one place.

Ingestion tags lessons and risks with these values, search detects them in
plain-language questions, and the web app offers them as choices when the PMO
corrects tags. Each value maps to the words that signal it; the first entry of
each tuple is the canonical label shown to users. A phrase ending in `*` is a
stem: "rehears*" matches rehearsal, rehearsed and rehearsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

POLARITIES: dict[str, tuple[str, ...]] = {
    "went well": ("went well", "what went well", "worked well", "successes", "success", "strengths",
                  "liked", "glad", "keep", "continue", "positive", "good practice", "highlights"),
    "went wrong": ("went wrong", "what went wrong", "didn't go well", "did not go well", "went badly",
                   "problems", "issues", "challenges", "failures", "mistakes", "lacked", "mad", "sad",
                   "stop", "pain points", "negative", "root causes", "what hurt"),
    "improvement": ("improvement", "improvements", "recommendations", "recommendation", "actions",
                    "action items", "next time", "start", "longed for", "learned", "lessons learned",
                    "lessons", "do differently", "suggestions"),
}

CATEGORIES: dict[str, tuple[str, ...]] = {
    "scope": ("scope", "scope creep", "out of scope", "descope", "gold plating", "feature creep", "backlog grew",
              "new requests", "every new feature", "trade-off", "scope change*"),
    "schedule": ("schedule", "deadline", "delay", "delayed", "late", "slipped", "slippage", "milestone",
                 "timeline", "critical path", "overrun the schedule", "behind schedule", "on time",
                 "twice the estimate", "lead time*", "release date"),
    "cost": ("cost", "budget", "overspend", "overrun", "spend", "funding", "financial", "invoice", "price",
             "expensive", "contingency"),
    "quality": ("quality", "defect", "defects", "bug", "bugs", "rework", "acceptance criteria", "standards"),
    "requirements": ("requirement", "requirements", "specification", "user story", "user stories",
                     "unclear requirements", "business rules", "sign-off of requirements", "discovery",
                     "kpi dictionary", "definitions", "target operating model", "written down",
                     "interpretation", "interpreted differently", "nobody had written", "workflow was missed"),
    "testing": ("test", "testing", "tests", "tested", "uat", "user acceptance", "regression", "performance test",
                "load test", "test environment", "qa", "rehears*", "dress rehearsal*", "mock cutover*",
                "parallel run", "field trial*", "trial run*"),
    "data migration": ("data migration", "migration of data", "data quality", "data cleansing", "legacy data",
                       "master data", "data conversion", "reconcil*", "data load", "etl", "cutover",
                       "data team", "data owners", "trial load*", "trial migration*", "profile source data",
                       "data profiling", "duplicates", "mapping errors", "cleans*", "migrated", "meter data"),
    "vendor and procurement": ("vendor", "vendors", "supplier", "suppliers", "contractor", "procurement",
                               "contract", "outsourc*", "third party", "third-party", "integrator",
                               "licence", "license", "sla", "statement* of work", "partner payments",
                               "hosting partner", "agency", "carrier*", "consultants"),
    "stakeholders and communication": ("stakeholder", "stakeholders", "communication", "communicate",
                                       "sponsor", "sponsorship", "engagement", "expectations", "reporting",
                                       "executive", "buy-in", "named contact", "brief*", "announcement",
                                       "feedback", "show-and-tell", "sprint review", "board-level"),
    "resources and staffing": ("staff", "staffing", "resource", "resources", "team member", "key person",
                               "attrition", "turnover", "left the project", "contractors left", "skills",
                               "capacity", "hiring", "onboarding", "availability", "burnout", "resign*",
                               "retention", "left the company", "analysts left", "developers left", "engineers left",
                               "people left", "staff left", "successor*",
                               "single point of failure", "key people", "key analysts", "second cloud engineer",
                               "remote delivery", "pair engineers"),
    "governance": ("governance", "steering", "decision", "approval", "change control", "change board",
                   "escalation", "raci", "accountability", "oversight", "gate", "compliance", "audit",
                   "signed off", "sign-off", "go/no-go", "owners were named", "data protection",
                   "personal data", "consent", "impact tolerance", "nobody would decide", "nobody owned"),
    "risk management": ("risk", "risks", "risk register", "mitigation", "contingency plan", "early warning",
                        "assumption", "assumed", "issue log", "standby", "pilot*", "lessons of earlier"),
    "technical": ("technical", "architecture", "integration", "interface", "interfaces", "api", "performance",
                  "infrastructure", "network", "server", "environment", "security", "configuration",
                  "software", "hardware", "design", "code", "system", "firewall*", "circuit*", "telecoms",
                  "ip address*", "dns", "wi-fi", "wifi", "roaming", "tag names", "service maps",
                  "technology behind"),
    "change management": ("change management", "adoption", "resistance", "organisational change",
                          "organizational change", "business readiness", "process change", "culture",
                          "champion*", "floor wardens", "hybrid working", "desk-sharing", "acquired colleagues"),
    "training": ("training", "train", "trained", "user training", "end users", "super user*", "super-user*",
                 "documentation", "knowledge transfer", "handover", "runbook*"),
}

PHASES: dict[str, tuple[str, ...]] = {
    "initiation": ("initiation", "initiating", "business case", "kickoff", "kick-off", "inception", "feasibility"),
    "planning": ("planning", "plan", "estimation", "estimate", "estimates", "requirements gathering", "design phase"),
    "execution": ("execution", "executing", "build", "development", "implementation", "delivery", "configuration"),
    "testing": ("testing phase", "test phase", "uat", "system test", "integration test"),
    "deployment": ("deployment", "go-live", "go live", "cutover", "rollout", "roll-out", "launch", "migration weekend",
                   "hypercare"),
    "closure": ("closure", "closing", "close-out", "handover", "post-implementation", "benefits realisation"),
}

PROJECT_TYPES: dict[str, tuple[str, ...]] = {
    "ERP migration": ("erp", "erp migration", "erp implementation", "sap", "s/4hana", "oracle e-business",
                      "dynamics 365", "netsuite", "enterprise resource planning"),
    "CRM rollout": ("crm", "crm rollout", "salesforce", "customer relationship", "dynamics crm", "hubspot"),
    "cloud migration": ("cloud migration", "data centre", "data center", "datacenter", "cloud", "aws", "azure",
                        "gcp", "lift and shift", "hosting migration"),
    "web or mobile app": ("mobile app", "web app", "app launch", "website", "portal", "mobile", "ios", "android",
                          "e-commerce site", "web application"),
    "regulatory compliance": ("regulatory", "compliance", "gdpr", "sox", "ifrs", "basel", "hipaa", "regulator",
                              "regulation", "mandatory reporting"),
    "office relocation": ("office relocation", "relocation", "office move", "move to new office", "new premises",
                          "fit-out", "workplace move"),
    "data warehouse and BI": ("data warehouse", "bi", "business intelligence", "analytics platform", "reporting platform",
                              "dashboards", "data lake", "data platform"),
    "network upgrade": ("network upgrade", "network", "wan", "lan", "sd-wan", "wifi", "wi-fi", "telephony",
                        "firewall refresh"),
    "M&A integration": ("m&a", "merger", "acquisition", "post-merger", "systems integration after acquisition",
                        "integration of acquired"),
}

OUTCOMES: dict[str, tuple[str, ...]] = {
    "successful": ("successful", "success", "met goals", "delivered", "completed", "on track", "green"),
    "challenged": ("challenged", "partially successful", "partial success", "late", "over budget", "amber",
                   "delivered late", "completed with issues"),
    "failed": ("failed", "failure", "cancelled", "canceled", "abandoned", "terminated", "red", "rolled back"),
}

RISK_STATUSES: dict[str, tuple[str, ...]] = {
    "materialised": ("occurred", "materialised", "materialized", "became an issue", "became issue",
                     "realised", "realized", "triggered", "issue", "happened", "converted to issue"),
    "open": ("open", "active", "live", "monitoring", "ongoing", "new", "identified", "in progress"),
    "closed": ("closed", "retired", "expired", "resolved", "mitigated", "avoided", "did not occur", "not occurred"),
}

DOCUMENT_KINDS = ("closure report", "retrospective", "risk register", "lessons register")


@dataclass(frozen=True)
class Vocabulary:
    """A named facet with its canonical values and their signalling phrases."""

    facet: str
    values: dict[str, tuple[str, ...]]

    def canonical(self, text: str | None) -> str | None:
        """Map free text ("Materialized", "ERP") to a canonical value, or None."""
        if not text:
            return None
        low = text.strip().lower()
        for value, phrases in self.values.items():
            if low == value.lower() or low in phrases:
                return value
        return None

    def detect(self, text: str) -> list[str]:
        """Canonical values whose phrases occur as whole words in `text`, best first."""
        scores = {value: len(matches(phrases, text)) for value, phrases in self.values.items()}
        return [v for v, n in sorted(scores.items(), key=lambda kv: -kv[1]) if n]


def matches(phrases: tuple[str, ...], text: str) -> list[str]:
    """The phrases that occur in `text` on word boundaries (a trailing `*` marks a stem)."""
    low = text.lower()
    return [phrase for phrase in phrases if re.search(phrase_pattern(phrase), low)]


def phrase_pattern(phrase: str) -> str:
    """Regex for one vocabulary phrase: whole words, or a prefix when it ends in `*`."""
    return WORD_START + phrase_body(phrase)


WORD_START = r"(?<![\w-])"


def phrase_body(phrase: str) -> str:
    """The phrase's regex after the word-start check, so many phrases can share one check."""
    if phrase.endswith("*"):
        return re.escape(phrase[:-1]) + r"\w*"
    return re.escape(phrase) + r"(?![\w-])"


POLARITY = Vocabulary("polarity", POLARITIES)
CATEGORY = Vocabulary("category", CATEGORIES)
PHASE = Vocabulary("phase", PHASES)
PROJECT_TYPE = Vocabulary("project_type", PROJECT_TYPES)
OUTCOME = Vocabulary("outcome", OUTCOMES)
RISK_STATUS = Vocabulary("status", RISK_STATUSES)
