"""Numbers, percentages and times for people, per language with Babel: 1.234,5 and 86,6% under ``id``,
1,234.5 and 86.6% under ``en``. Times are always shown in WIT.

Locale data is parsed once per language (Babel's parsing dominates a format call otherwise; the wall formats
a few hundred numbers per refresh).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from functools import cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from core.i18n import DEFAULT_LANGUAGE, WIT, language

MISSING = "–"


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(language(lang, DEFAULT_LANGUAGE))


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def fmt_int(value, missing: str = MISSING, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """1234 → '1.234' (id) / '1,234' (en)."""
    if _missing(value):
        return missing
    return format_decimal(int(round(float(value))), format="#,##0", locale=_locale(lang))


def fmt_dec(value, digits: int = 1, missing: str = MISSING, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """1234.56 → '1.234,6' (id) / '1,234.6' (en), with exactly ``digits`` decimals."""
    if _missing(value):
        return missing
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(float(value), format=pattern, locale=_locale(lang), decimal_quantization=True)


def fmt_pct(value, digits: int = 1, missing: str = MISSING, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """86.62 (already a percentage) → '86,6%' (id) / '86.6%' (en)."""
    return missing if _missing(value) else f"{fmt_dec(value, digits, lang=lang)}%"


def fmt_hhmm(moment: datetime | None, missing: str = MISSING) -> str:
    """An aware instant as HH:MM in WIT (the same in both languages)."""
    if moment is None:
        return missing
    return moment.astimezone(WIT).strftime("%H:%M")


def fmt_when(moment: datetime | None, missing: str = MISSING, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """An aware instant in WIT: '23-11-2026 09:30 WIT' (id) / '23 Nov 2026, 09:30 WIT' (en)."""
    if moment is None:
        return missing
    local = moment.astimezone(WIT)
    if language(lang) == "en":
        return format_datetime(local, "d MMM y, HH:mm", locale=_locale("en")) + " WIT"
    return local.strftime("%d-%m-%Y %H:%M") + " WIT"


def fmt_week(monday: date, lang: str = DEFAULT_LANGUAGE) -> str:
    """A Monday-to-Sunday week as people say it: '7–13 Sep', '28 Sep–4 Okt', '29 Des–4 Jan' (not '2026-W37')."""
    sunday = monday + timedelta(days=6)
    locale = _locale(lang)
    if monday.month == sunday.month:
        return f"{monday.day}–{format_date(sunday, 'd MMM', locale=locale)}"
    return f"{format_date(monday, 'd MMM', locale=locale)}–{format_date(sunday, 'd MMM', locale=locale)}"


def fmt_day(day: date, lang: str = DEFAULT_LANGUAGE) -> str:
    """A day as the briefing writes it: '15 Nov', '1 Des' (id) / '1 Dec' (en), for date ticks."""
    return format_date(day, "d MMM", locale=_locale(lang))


def fmt_month(year: int, month: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """'November 2026' (id and en alike for most months; 'Agustus 2026' / 'August 2026')."""
    return format_date(date(year, month, 1), "MMMM y", locale=_locale(lang))
