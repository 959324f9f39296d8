"""/docs: the API reference rendered from the OpenAPI schema by our own template.

FastAPI's built-in Swagger UI and ReDoc pages load their scripts from a CDN,
which this app never does; the machine-readable schema stays at /openapi.json."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kb.i18n import _
from web.templating import render

router = APIRouter(include_in_schema=False)

METHODS = ("get", "post", "patch", "put", "delete")


@router.get("/docs")
def api_docs(request: Request):
    schema = request.app.openapi()
    return render(request, "api_docs.html", schema=schema, operations=operations(schema))


def operations(schema: dict) -> list[dict]:
    """One entry per path and method, in schema order, with what a caller needs to know."""
    out = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op:
                out.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                            "description": op.get("description", ""), "parameters": op.get("parameters", []),
                            "body": _ref(op.get("requestBody", {}).get("content", {})),
                            "response": _ref(op.get("responses", {}).get("200", {}).get("content", {}))})
    return out


def _ref(content: dict) -> str:
    """'SearchResults', 'list[Hit]' or 'multipart form' for a request or response body."""
    for media, spec in content.items():
        if media.startswith("multipart"):
            return _("multipart form")
        schema = spec.get("schema", {})
        if "$ref" in schema:
            return schema["$ref"].rsplit("/", 1)[-1]
        if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
            return f"list[{schema['items']['$ref'].rsplit('/', 1)[-1]}]"
        return schema.get("type", media)
    return ""
