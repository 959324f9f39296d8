"""The README's JSON API table and the app's OpenAPI schema describe the same API:
every route of one is in the other, and the search row names real response fields."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

README = Path(__file__).parents[2] / "README.md"
METHODS = ("get", "post", "patch", "put", "delete")


def readme_api_rows() -> list[str]:
    section = README.read_text(encoding="utf-8").split("## JSON API", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def readme_routes() -> set[tuple[str, str]]:
    return {route for row in readme_api_rows() for route in routes_in(row.split(" | ")[0])}


def routes_in(endpoints: str) -> set[tuple[str, str]]:
    """("GET", "/api/lessons/{}") for every route in a table cell; `GET`/`PATCH /api/x` lists two."""
    routes = set()
    for methods, path in re.findall(r"((?:`?[A-Z]+`?/)*`?[A-Z]+) (/api/[^` ?]*)", endpoints):
        routes |= {(m, normalise(path)) for m in re.findall(r"[A-Z]+", methods)}
    return routes


def normalise(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def schema_routes(schema: dict) -> set[tuple[str, str]]:
    return {(method.upper(), normalise(path)) for path, item in schema["paths"].items() if path.startswith("/api/")
            for method in METHODS if method in item}


def test_readme_lists_every_api_route_and_no_other(client: TestClient):
    documented, served = readme_routes(), schema_routes(client.get("/openapi.json").json())
    assert len(served) >= 18 and len(documented) > 10
    assert served - documented == set(), "routes missing from the README's JSON API table"
    assert documented - served == set(), "the README's JSON API table lists routes the app does not have"


def test_readme_names_the_fields_search_returns(client: TestClient):
    schema = client.get("/openapi.json").json()
    fields = set(schema["components"]["schemas"]["SearchResults"]["properties"])
    row = next(r for r in readme_api_rows() if "/api/search" in r.split(" | ")[0])
    named = set(re.findall(r"`([a-z_]+)`", row.split(" | ")[1]))
    assert {"hits", "summary", "facets", "total"} <= named
    assert named - fields == set(), "the README names fields /api/search does not return"


def test_the_table_reader_sees_every_method_of_a_cell():
    cell = "| `GET`/`PATCH /api/lessons/{id}`, `GET /api/search?q=&limit=`, `POST /api/lessons/{id}/feedback`"
    assert routes_in(cell) == {("GET", "/api/lessons/{}"), ("PATCH", "/api/lessons/{}"), ("GET", "/api/search"),
                               ("POST", "/api/lessons/{}/feedback")}
