"""/api/docs: the OpenAPI description as a plain server-rendered page.

Swagger UI would need inline scripts (refused by our Content-Security-Policy)
and assets from a CDN; a page built from `app.openapi()` works offline, with
a screen reader, and in both languages. The machine-readable document stays
at /api/openapi.json.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.templating import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def _schema_name(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items'))}"
    if "anyOf" in schema:
        return " | ".join(_schema_name(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    return str(schema.get("type", "object"))


def operations(spec: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Operations grouped by tag, each with its parameters, body and responses."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, entry in spec["paths"].items():
        for method in METHODS:
            op = entry.get(method)
            if op is None:
                continue
            body = (op.get("requestBody") or {}).get("content", {})
            groups.setdefault((op.get("tags") or ["other"])[0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "anchor": op.get("operationId", f"{method}-{path}"),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _schema_name(p.get("schema")),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": [(kind, _schema_name(c.get("schema"))) for kind, c in body.items()],
                    "responses": [(code, r.get("description", "")) for code, r in op.get("responses", {}).items()],
                }
            )
    return sorted(groups.items())


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    spec = request.app.openapi()
    schemas = spec.get("components", {}).get("schemas", {})
    shown = {name: json.dumps(s, indent=2, ensure_ascii=False) for name, s in sorted(schemas.items())}
    return render(request, "api_docs.html", {"spec": spec, "groups": operations(spec), "schemas": shown})
