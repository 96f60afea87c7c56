"""Translations: one gettext catalog per language (core/locale/<lang>/LC_MESSAGES/messages.po, compiled to .mo).

Message ids are symbolic keys ("kpi.open", "filter.err.date") rather than source sentences: call sites stay
stable when a text is reworded, and Indonesian — the language people read — is itself a translation to edit in
a .po file, not a string buried in code. Add a key to both .po files and run `make catalogs` (Babel extracts
the keys used in the code and compiles the catalogs; tests fail on a key used but missing).

A key missing from English falls back to Indonesian; a key missing everywhere shows itself, so a typo is visible
on the wall instead of crashing it.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
WIT = ZoneInfo("Asia/Jayapura")  # UTC+9, no daylight saving
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"


def language(raw: object, default: str = DEFAULT_LANGUAGE) -> str:
    """The language asked for in ``?lang=``, or the default when it is missing, unknown or not text."""
    raw = raw.strip().lower() if isinstance(raw, str) else ""
    return raw if raw in LANGUAGES else (default if default in LANGUAGES else DEFAULT_LANGUAGE)


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang``, with Indonesian behind it for keys English lacks."""
    translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    if lang != DEFAULT_LANGUAGE:
        translations.add_fallback(catalog(DEFAULT_LANGUAGE))
    return translations


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for ``key`` in ``lang``; ``values`` fill its {placeholders}."""
    text = catalog(language(lang)).gettext(key)
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


class Message:
    """A catalog key with its values, said in whichever language the page is in; ``str()`` is Indonesian."""

    def __init__(self, key: str, **values) -> None:
        self.key, self.values = key, values

    def __str__(self) -> str:
        return self.text(DEFAULT_LANGUAGE)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.values)


def channel_label(code: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """A channel as people call it ("call_center" → "Call center 112/911"); an unknown code shows as itself."""
    return _label("channel", code, lang)


def status_label(code: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """A status in words ("didisposisikan" → "Didisposisikan" / "Assigned")."""
    return _label("report_status", code, lang)


def _label(family: str, code: object, lang: str) -> str:
    if not isinstance(code, str) or not code:
        return "–"
    label = t(f"{family}.{code}", lang)
    return code if label == f"{family}.{code}" else label
