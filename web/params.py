"""Integers a request may carry, each with the range the database and the index can hold.

A number from a URL or a header is the client's to choose: without a bound,
2**70 reaches SQLite or PostgreSQL as an integer overflow (a 500) and a page
number or offset as an unbounded scan. Routes declare these types, so
FastAPI answers 422 before any handler runs, and the OpenAPI schema says so.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query

MAX_ROW_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL
MAX_OFFSET = 1_000_000  # deep listing pages of the JSON API: beyond this, filter instead
YEAR_BOUNDS = {"ge": 0, "le": 9999}  # the four-digit years of the metadata schema

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Year = Annotated[int | None, Query(**YEAR_BOUNDS)]

_DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII only: int() would also read "١٢" or "１２"


def parse_count(text: str) -> int | None:
    """A non-negative integer written in ASCII digits that fits 64 bits, else None (headers, form fields)."""
    return int(text) if _DIGITS.fullmatch(text) else None
