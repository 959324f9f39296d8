"""Who may call each route: the one table of access rules, enforced in one place (web/auth.py).

Each route (method and path template, as FastAPI declares it) needs the least role that may
call it, or OPEN for pages anyone may reach (the sign-in page). A route missing from this
table stops `create_app`, so no new page or API call is ever public by accident.
The roles: a viewer searches and reads; a project manager also makes kickoff packs, gives
feedback and uploads; the PMO admin also reviews, corrects tags, publishes, edits themes,
deletes, restores, and reads the audit log. (Which projects a user may see is a second
check, made by the reads themselves from the user's `kb.access.Audience`.)
"""

from __future__ import annotations

from typing import Final

from kb.access import Audience, Role

OPEN: Final = "open"
VIEWER, PM, ADMIN = Role.VIEWER, Role.PM, Role.ADMIN

RULES: dict[tuple[str, str], Role | str] = {
    # Signing in and out
    ("GET", "/sign-in"): OPEN,
    ("POST", "/sign-in"): OPEN,
    ("POST", "/sign-out"): OPEN,
    ("GET", "/language"): OPEN,  # the language switch: sets a cookie, on the sign-in page too
    # Search and reading
    ("GET", "/"): VIEWER,
    ("GET", "/search"): VIEWER,
    ("GET", "/lessons/{lesson_id}"): VIEWER,
    ("GET", "/risks/{risk_id}"): VIEWER,
    ("GET", "/projects"): VIEWER,
    ("GET", "/projects/{project_id}"): VIEWER,
    ("GET", "/documents"): VIEWER,
    ("GET", "/documents/{document_id}"): VIEWER,
    ("GET", "/documents/{document_id}/original"): VIEWER,
    ("GET", "/documents/{document_id}/versions/{version}/original"): VIEWER,
    ("GET", "/themes"): VIEWER,
    ("GET", "/themes.csv"): VIEWER,
    ("GET", "/themes/{theme_id}"): VIEWER,
    ("GET", "/metrics"): VIEWER,
    ("GET", "/metrics.csv"): VIEWER,
    ("GET", "/portfolio"): VIEWER,  # leadership and the PMO; confidential projects filtered as everywhere
    ("GET", "/portfolio.csv"): VIEWER,
    ("GET", "/templates"): VIEWER,  # the PMO's standard templates: generated, hold no project data
    ("GET", "/templates/{name}.{ext}"): VIEWER,
    ("GET", "/docs"): VIEWER,
    ("GET", "/openapi.json"): VIEWER,
    ("GET", "/api/search"): VIEWER,
    ("GET", "/api/facets"): VIEWER,
    ("GET", "/api/lessons/{lesson_id}"): VIEWER,
    ("GET", "/api/lessons/{lesson_id}/similar"): VIEWER,
    ("GET", "/api/risks/{risk_id}"): VIEWER,
    ("GET", "/api/projects"): VIEWER,
    ("GET", "/api/projects/{project_id}"): VIEWER,
    ("GET", "/api/projects/{project_id}/warnings"): VIEWER,  # as the project page
    ("GET", "/api/portfolio"): VIEWER,  # running projects the audience may see, as their project pages
    ("GET", "/api/projects/{project_id}/status"): VIEWER,  # status reports: the project's own read rule
    ("POST", "/api/projects/similar"): VIEWER,  # a search by project profile; stores nothing
    ("GET", "/api/documents"): VIEWER,
    ("GET", "/api/documents/{document_id}"): VIEWER,
    ("GET", "/api/documents/{document_id}/versions"): VIEWER,
    ("GET", "/api/metrics"): VIEWER,
    ("GET", "/api/themes"): VIEWER,
    # Project managers: kickoff packs, feedback, uploads, registering a project
    ("GET", "/kickoff"): PM,
    ("POST", "/kickoff"): PM,
    ("GET", "/kickoff/{pack_id}"): PM,
    ("GET", "/kickoff/{pack_id}.md"): PM,
    ("GET", "/kickoff/{pack_id}/print"): PM,
    ("POST", "/kickoff/{pack_id}/project"): PM,
    ("POST", "/kickoff/{pack_id}/checklist/{line_id}"): PM,
    ("POST", "/api/kickoff"): PM,
    ("GET", "/api/kickoff"): PM,
    ("GET", "/api/kickoff/{pack_id}"): PM,
    ("GET", "/api/kickoff/{pack_id}/checklist"): PM,
    ("POST", "/api/kickoff/{pack_id}/checklist/{line_id}"): PM,
    ("POST", "/lessons/{lesson_id}/feedback"): PM,
    ("POST", "/api/lessons/{lesson_id}/feedback"): PM,
    ("GET", "/ingest"): PM,
    ("POST", "/ingest"): PM,
    ("GET", "/ingest/jobs/{job_id}"): PM,
    ("POST", "/api/ingest"): PM,
    ("GET", "/projects/new"): PM,
    ("POST", "/projects"): PM,
    ("POST", "/api/projects"): PM,
    # The PMO: review, corrections, publication, themes, deletes, restores, confidentiality, audit
    ("GET", "/documents/{document_id}/review"): ADMIN,
    ("POST", "/lessons/{lesson_id}/tags"): ADMIN,
    ("POST", "/lessons/{lesson_id}/publish"): ADMIN,
    ("POST", "/risks/{risk_id}/tags"): ADMIN,
    ("POST", "/risks/{risk_id}/publish"): ADMIN,
    ("PATCH", "/api/lessons/{lesson_id}"): ADMIN,
    ("PATCH", "/api/risks/{risk_id}"): ADMIN,
    ("POST", "/themes/rename"): ADMIN,
    ("POST", "/themes/merge"): ADMIN,
    ("POST", "/themes/split"): ADMIN,
    ("POST", "/themes/undo"): ADMIN,
    ("GET", "/documents/{document_id}/delete"): ADMIN,
    ("POST", "/documents/{document_id}/delete"): ADMIN,
    ("DELETE", "/api/documents/{document_id}"): ADMIN,
    ("POST", "/documents/{document_id}/versions/{version}/restore"): ADMIN,
    ("POST", "/api/documents/{document_id}/versions/{version}/restore"): ADMIN,
    ("GET", "/projects/{project_id}/delete"): ADMIN,
    ("POST", "/projects/{project_id}/delete"): ADMIN,
    ("DELETE", "/api/projects/{project_id}"): ADMIN,
    ("PATCH", "/api/projects/{project_id}"): ADMIN,  # confidentiality and sharing
    ("POST", "/projects/{project_id}/access"): ADMIN,
    ("GET", "/audit"): ADMIN,
    ("GET", "/audit.csv"): ADMIN,
}


class MissingRule(RuntimeError):
    """A route with no access rule: add it to web/rules.py RULES."""


def rule_for(method: str, path: str) -> Role | str | None:
    """The rule of one route; HEAD is a GET without the body."""
    return RULES.get(("GET" if method == "HEAD" else method, path))


def permits(rule: Role | str, who: Audience | None) -> bool:
    """Whether `rule` lets `who` (None: nobody signed in) through."""
    return rule == OPEN or (who is not None and who.at_least(rule))


def allows(who: Audience | None, method: str, path: str) -> bool:
    """Whether `who` may call the route `method path`, named as in RULES ("/lessons/{lesson_id}/publish").
    Pages ask this before they show a link, button or form, so nobody is offered what the server refuses."""
    rule = rule_for(method, path)
    if rule is None:  # a misspelt route must fail loudly, not quietly hide a control from everyone
        raise MissingRule(f"No access rule for {method} {path}: name the route as RULES in web/rules.py does.")
    return permits(rule, who)


def every_route(routes) -> list:
    """The app's routes in the order they are matched, with included routers flattened
    (FastAPI 0.13x and later keep included routers as one lazy entry each)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI lists every route itself
        return list(routes)
    return list(iter_route_contexts(routes))


def check_every_route_has_a_rule(routes) -> None:
    missing = sorted(f"{method} {route.path}" for route in every_route(routes) if route.methods
                     for method in route.methods if method != "HEAD" and rule_for(method, route.path) is None)
    if missing:
        raise MissingRule("These routes have no access rule; add each to RULES in web/rules.py "
                          f"(OPEN, VIEWER, PM or ADMIN): {', '.join(missing)}")
