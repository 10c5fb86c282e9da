"""OpenAPI fragments for routes that parse their own query and body.

The routes read the raw query string and the body the middleware parsed, so
FastAPI never validates (or 422s) them; these fragments only document them.
"""

from __future__ import annotations

_COMMON = [
    ("limit", {"type": "integer", "minimum": 0}),
    ("marker", {"type": "string"}),
    ("sort_key", {"type": "array", "items": {"type": "string"}}),
    ("sort_dir", {"type": "array", "items": {"type": "string", "enum": ["asc", "desc"]}}),
]


def listing(**filters: dict) -> dict:
    params = [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in [*_COMMON, *filters.items()]
    ]
    return {"parameters": params}


def json_body(schema: dict) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }


STRING = {"type": "string"}
BOOLEAN = {"type": "string", "enum": ["True", "False", "true", "false", "1", "0"]}
