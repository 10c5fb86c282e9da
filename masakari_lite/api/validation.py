"""JSON-schema validation with upstream's error messages, and the value parsers.

Messages follow upstream: a nested failure reads ``Invalid input for
field/attribute <field>. Value: <value>. <jsonschema message>``, a top-level
one is the bare jsonschema message, and a bad name gets the fixed "invalid
'name'" sentence.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid

import iso8601
import jsonschema

from masakari_lite.api import schemas
from masakari_lite.db import errors


class InvalidName(Exception):
    def __str__(self) -> str:
        return (
            "An invalid 'name' value was provided. The name must be: printable characters. "
            "Can not start or end with whitespace."
        )


class InvalidText(Exception):
    def __str__(self) -> str:
        return "Only printable characters and new lines are allowed."


def _printable(char: str) -> bool:
    category = unicodedata.category(char)
    return not category.startswith("C") and (not category.startswith("Z") or category == "Zs")


def _edge_ok(char: str) -> bool:
    return _printable(char) and unicodedata.category(char) != "Zs"


def _check_name(value) -> bool:
    if not isinstance(value, str):
        return True
    if value and not (
        _edge_ok(value[0]) and _edge_ok(value[-1]) and all(_printable(c) for c in value)
    ):
        raise InvalidName()
    return True


def _check_text(value) -> bool:
    if isinstance(value, str) and not all(c == "\n" or _printable(c) for c in value):
        raise InvalidText()
    return True


def parse_datetime(value: str) -> dt.datetime:
    """ISO 8601 to naive UTC; naive input is taken as UTC. ValueError if unusable."""
    try:
        parsed = iso8601.parse_date(value, default_timezone=dt.UTC)
        return parsed.astimezone(dt.UTC).replace(tzinfo=None)
    except (iso8601.ParseError, ValueError, OverflowError, TypeError) as exc:
        raise ValueError(str(exc)) from None


def _check_datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parse_datetime(value)
    except ValueError:
        return False
    return True


def is_uuid_like(value) -> bool:
    """A UUID in any of the spellings Python's uuid accepts, as upstream checks it."""
    if not isinstance(value, str):
        return False
    try:
        canonical = str(uuid.UUID(value)).replace("-", "")
    except (TypeError, ValueError, AttributeError):
        return False
    plain = value.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "").lower()
    return canonical == plain


def _check_uuid(value) -> bool:
    return not isinstance(value, str) or is_uuid_like(value)


_formats = jsonschema.FormatChecker(formats=())
_formats.checks("name", raises=InvalidName)(_check_name)
_formats.checks("description", raises=InvalidText)(_check_text)
_formats.checks("date-time")(_check_datetime)
_formats.checks("uuid")(_check_uuid)


class Schema:
    """A compiled validator for one schema; validate() raises BadRequest."""

    def __init__(self, schema: dict):
        self.schema = schema
        self._validator = jsonschema.Draft4Validator(schema, format_checker=_formats)

    def validate(self, instance) -> None:
        try:
            error = next(self._validator.iter_errors(instance), None)
        except (TypeError, RecursionError) as exc:
            raise errors.BadRequest(str(exc)) from None
        if error is None:
            return
        if isinstance(error.cause, InvalidName):
            raise errors.BadRequest(str(error.cause))
        if error.path:
            message = error.message
            if isinstance(error.cause, InvalidText):
                message = str(error.cause)
            raise errors.BadRequest(
                f"Invalid input for field/attribute {error.path[-1]}. "
                f"Value: {error.instance}. {message}"
            )
        raise errors.BadRequest(error.message)


def require_string(body: dict, field: str) -> None:
    """Reject a null where the database needs a value (upstream crashed with a 500)."""
    if field in body and body[field] is None:
        raise errors.BadRequest(
            f"Invalid input for field/attribute {field}. Value: None. None is not of type 'string'"
        )


_TRUE = frozenset(v.lower() for v in schemas.BOOLEAN_TRUE) | {"t", "y"}
_FALSE = frozenset(v.lower() for v in schemas.BOOLEAN_FALSE) | {"f", "n"}


def to_bool(value) -> bool:
    """A schema-valid boolean (JSON boolean or boolean-like string) as a bool."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def query_bool(name: str, value: str) -> bool:
    """A boolean query parameter, strictly: 1/0, t/f, true/false, on/off, y/n, yes/no."""
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise errors.BadRequest(
        f"Invalid value for {name}: Unrecognized value '{value}', acceptable values are: "
        "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"
    )


# Compiled once: validators are reused by every request.
SEGMENT_CREATE = {
    False: Schema(schemas.segment_create),
    True: Schema(schemas.segment_create_v12),
}
SEGMENT_UPDATE = {
    False: Schema(schemas.segment_update),
    True: Schema(schemas.segment_update_v12),
}
HOST_CREATE = Schema(schemas.host_create)
HOST_UPDATE = Schema(schemas.host_update)
NOTIFICATION_CREATE = Schema(schemas.notification_create)
PAYLOADS = {key: Schema(value) for key, value in schemas.PAYLOADS.items()}
