"""Query-string parsing shared by the list endpoints: limit, marker, sort, filters."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from masakari_lite.db import errors
from masakari_lite.db.listing import ListParams


def _non_negative_int(params: QueryParams, name: str) -> int | None:
    if name not in params:
        return None
    raw = params[name]
    try:
        value = int(raw)
    except ValueError:
        raise errors.invalid_input(f"{name} must be an integer") from None
    if value < 0:
        raise errors.invalid_input(f"{name} must be >= 0")
    return value


def list_params(params: QueryParams, max_limit: int) -> ListParams:
    limit = _non_negative_int(params, "limit")
    _non_negative_int(params, "page_size")  # validated as upstream does, otherwise unused
    sort_keys = [k.strip() for k in params.getlist("sort_key")] or ["created_at"]
    sort_dirs = [d.strip() for d in params.getlist("sort_dir")] or ["desc"]
    return ListParams(
        limit=max_limit if limit is None else min(limit, max_limit),
        marker=params.get("marker"),
        sort_keys=sort_keys,
        sort_dirs=sort_dirs,
    )


def text_filters(params: QueryParams, names: tuple[str, ...]) -> dict:
    """Exact-match string filters. A NUL can match no stored value (and PostgreSQL
    refuses it as a parameter), so it is rejected up front."""
    filters = {}
    for name in names:
        if name in params:
            value = params[name]
            if "\x00" in value:
                raise errors.BadRequest(f"Invalid value for {name}.")
            filters[name] = value
    return filters
