"""The API's reference in French, read from the same OpenAPI schema the programs get: every
operation with its parameters, its body and its answers. Swagger UI stays for trying calls."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(content: dict[str, Any]) -> str:
    """The component a body or an answer refers to (« Mail », « Mail[] »), if any."""
    for media in content.values():
        schema = media.get("schema", {})
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref", "")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            return f"{name}[]" if "items" in schema else name
    return ""


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {})
            found.append(
                {
                    "anchor": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "parameters": [
                        {
                            "name": p.get("name", ""),
                            "where": p.get("in", ""),
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": _schema_name(body),
                    "responses": [
                        {
                            "code": code,
                            "description": answer.get("description", ""),
                            "schema": _schema_name(answer.get("content", {})),
                        }
                        for code, answer in operation.get("responses", {}).items()
                    ],
                }
            )
    return found


@login_required
def reference(request: HttpRequest) -> HttpResponse:
    schema = SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    ops = operations(schema)
    tags = sorted({op["tag"] for op in ops})
    return render(
        request,
        "api/reference.html",
        {"info": schema.get("info", {}), "tags": tags, "operations": ops},
    )
