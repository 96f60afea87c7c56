"""Text from outside (a citizen's description, an imported file's cell) written into a spreadsheet must stay text:
a cell starting with = + - @ (or a tab or carriage return) is run as a formula by Excel and LibreOffice when the
file is opened — the OWASP CSV-injection rule. Every CSV and XLSX this software writes goes through here.
"""

from __future__ import annotations

# The ASCII starts and their full-width forms, which some spreadsheet locales also accept.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def formula_like(value: object) -> bool:
    """A text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: object) -> object:
    """A CSV value that no spreadsheet runs: formula-like text gets a leading apostrophe (a CSV has no cell types,
    so this is the one way to say "text"); everything else is returned as it is."""
    return "'" + value if formula_like(value) else value
