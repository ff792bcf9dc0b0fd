"""Pieces shared by the Persian and English token paths."""

from __future__ import annotations

from typing import NamedTuple

DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٪", "01234567890123456789%")
"""All digits to ASCII (and «٪» to «%»): one form for both languages, the one models and regexes expect."""


class Line(NamedTuple):
    """One line's tokens as parallel lists (cheaper than an object per token on the hot path)."""

    norms: list[str]
    starts: list[int]
    ends: list[int]
