"""Phone numbers, NIKs and e-mail addresses a citizen typed into free text, masked before the text reaches a viewer
without personal-data rights (the wall, the pages, exports, PDFs, /publik, Open311).

Every scan is linear in the text's length: the text comes from the public (Open311, imported files), so a pattern
that backtracks over a long run of letters or digits would let one report stall every anonymous read.
"""

from __future__ import annotations

import re

MASK = "[disembunyikan]"
# A phone number or NIK has at least nine digits; dates (eight) and house numbers stay readable.
MIN_DIGITS = 9
# Between two digits of one number: up to three of these, as in " - " (spaces of any width, dots, commas, slashes,
# brackets and every dash Unicode has). Groups and separator characters never overlap, so the scan cannot backtrack.
_SEPARATORS = " \t\u00a0\u2007\u202f\u3000.,/()+\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0c\uff0e\uff0f\uff0d"
_SEPARATOR_CLASS = "[" + re.escape(_SEPARATORS) + "]"
# \d matches every decimal digit Unicode knows, so full-width digits (０８１２…) count as digits.
_NUMBER = re.compile(rf"[+(]?\d(?:{_SEPARATOR_CLASS}{{0,3}}\d)*")
_GROUPS = re.compile(r"\d+")
# A date, optionally with a time after it (12-10-2026 14.30, 2026-10-12 08:15): not a contact.
_DATE_SHAPES = ((1, 2), (1, 2), (4, 4)), ((4, 4), (1, 2), (1, 2))
# Money written with thousands dots (Rp 1.500.000.000): not a contact.
_MONEY = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d{1,2})?")

_AT = re.compile(r"[ \t]{0,3}[@\uff20][ \t]{0,3}")
_LOCAL_CHARS = frozenset("._%+-'")
_MAX_LOCAL = 64
_DOMAIN = re.compile(r"[^\W_](?:[\w\-]{0,62})(?:[ \t]?[.\uff0e][ \t]?[^\W_][\w\-]{0,62}){1,8}")


def mask_contacts(text: str | None) -> str | None:
    """The text with every phone number, NIK and e-mail address replaced by ``MASK``; None and "" unchanged."""
    if not text:
        return text
    return _mask_numbers(_mask_emails(text))


def _mask_emails(text: str) -> str:
    spans = []
    for at in _AT.finditer(text):
        start = at.start()
        while start > 0 and at.start() - start < _MAX_LOCAL and _local_char(text[start - 1]):
            start -= 1
        domain = _DOMAIN.match(text, at.end())
        if start < at.start() and domain is not None and (not spans or start >= spans[-1][1]):
            spans.append((start, domain.end()))
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], MASK]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _local_char(ch: str) -> bool:
    return ch.isalnum() or ch in _LOCAL_CHARS


def _mask_numbers(text: str) -> str:
    return _NUMBER.sub(_masked_number, text)


def _masked_number(match: re.Match) -> str:
    run = match.group()
    groups = [len(g) for g in _GROUPS.findall(run)]
    if sum(groups) < MIN_DIGITS or _is_date(groups) or _MONEY.fullmatch(run):
        return run
    return MASK


def _is_date(groups: list[int]) -> bool:
    head, time = groups[:3], groups[3:]
    if len(head) < 3 or len(time) > 3 or any(n > 2 for n in time):
        return False
    return any(all(low <= n <= high for n, (low, high) in zip(head, shape, strict=True)) for shape in _DATE_SHAPES)

