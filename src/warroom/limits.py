"""What the database can store, in one place: column lengths, integer ranges, and the
pydantic types that hold API input within them.

The same input must get the same answer on SQLite and PostgreSQL. SQLite stores a string
of any length in a VARCHAR(n) column, any text with NUL characters, and integers up to
2⁶³; PostgreSQL refuses a string longer than n, any NUL character (in text and in JSONB),
integers beyond 2³¹ in an INTEGER column, and JSON with NaN or Infinity. Both refuse
text with lone UTF-16 surrogates, which Python's JSON parser lets through. So input is
checked at the edge against the stricter of the two:

* REST bodies, query and path parameters use the types here (`Storable`, `Int32`,
  `StorableJson`): a 422 naming the field, before any query runs.
* Alert intake normalises instead of refusing where refusing would lose an alert
  (`alerts.formats.normalise`: NUL replaced, an over-long key hashed, a label cut with
  a marker), each choice documented in the format's module.

The models take their column lengths from the constants below, so a column and its
check cannot drift apart.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

# INTEGER is 32-bit on PostgreSQL (SQLite's are all 64-bit); BIGINT is 64-bit on both.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# Column lengths, in characters (VARCHAR(n) counts characters on PostgreSQL).
NAME = 200  # people, services, actors, sources
TITLE = 500  # incident titles, users affected
SEVERITY = 40
ROLE = 60
REF = 40
PHASE = 100
CHECKLIST = 300
SHORT_NAME = 100  # integrations, schedules, health checks
ALERT_SCOPE = 120
DEDUP_KEY = 300
GROUP_KEY = 500
PAGE_METHOD = 300
# A label value as tallied per incident (alerts/tally.py) is part of a primary key, and a
# PostgreSQL index entry holds at most 2,704 bytes: up to 500 characters are kept whole
# (2,000 bytes in UTF-8 at worst), a longer value as its first 500 and a digest of all of it.
TALLY_VALUE = 517

# JSON documents kept in a JSON/JSONB column: deeper nesting than this is refused (REST)
# or cut (intake), well inside PostgreSQL's own limits.
JSON_DEPTH = 32

NUL = "\x00"


def storable_text(value: str) -> str:
    """`value` if both databases can store it: no NUL, no lone surrogate."""
    if NUL in value:
        raise PydanticCustomError("nul_character", "must not contain NUL characters (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "invalid_unicode", "must be valid Unicode (no lone surrogates)"
        ) from None
    return value


# Strings both databases store as given (no NUL, valid Unicode). With a length, put it
# before the check: `Annotated[str, StringConstraints(max_length=NAME), Storable]` (a
# constraint after a validator is checked as a generic length, after stripping too late).
Storable = AfterValidator(storable_text)
StorableStr = Annotated[str, Storable]


def _storable_json(value: Any, depth: int = 0) -> Any:
    if depth > JSON_DEPTH:
        raise PydanticCustomError("json_depth", f"nests deeper than {JSON_DEPTH} levels")
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("json_number", "must not hold NaN or Infinity")
    if isinstance(value, dict):
        for key, item in value.items():
            storable_text(key)
            _storable_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable_json(item, depth + 1)
    return value


def storable_json(value: Any) -> Any:
    """`value` if it can go into a JSON column of both databases."""
    return _storable_json(value)


# Any JSON value a JSON/JSONB column of both databases takes.
StorableJson = Annotated[Any, AfterValidator(storable_json)]

# An integer for an INTEGER column (or compared with one): PostgreSQL's int4.
Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
PositiveInt32 = Annotated[int, Field(ge=1, le=INT32_MAX)]


def storable_instant(value: datetime) -> datetime:
    """`value` in UTC (a naive time is taken as UTC), as every time column stores it; a
    time near year 1 or 9999 may not exist in UTC."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "is out of range in UTC") from None


# A time for a time column; naive is UTC.
StorableInstant = Annotated[datetime, AfterValidator(storable_instant)]
# The same, where the caller must give an offset.
StorableAwareInstant = Annotated[AwareDatetime, AfterValidator(storable_instant)]
