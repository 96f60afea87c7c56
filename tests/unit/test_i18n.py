"""One catalog: every key the code uses exists in both languages, the compiled catalogs match their sources, and
numbers and times are written the way each language writes them."""

from __future__ import annotations

import gettext
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.formatting import fmt_dec, fmt_int, fmt_pct, fmt_when
from core.i18n import DOMAIN, LOCALE_DIR, catalog, t
from tests.support import REPO

LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_][A-Za-z0-9_.\-]*[A-Za-z0-9_])["']""")


def used_keys() -> set[str]:
    keys = set()
    for folder in ("layouts", "callbacks", "dashboard", "core"):
        for path in (REPO / folder).rglob("*.py"):
            keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def has_text(key: str, lang: str) -> bool:
    """Whether ``lang``'s own catalog (no fallback) holds ``key``."""
    own = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    return own.gettext(key) != key


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_key_the_code_uses_is_in_the_catalog(lang):
    """A key used literally in the code is in both catalogs (a typo would otherwise show raw on the wall)."""
    keys = used_keys()
    assert "wall.opd.title" in keys and len(keys) > 100, len(keys)  # the scan finds the keys (else nothing is missing)
    missing = sorted(k for k in keys if not has_text(k, lang))
    assert not missing, missing


@pytest.mark.parametrize("family", ["age.", "bucket.", "channel.", "report_status.", "state.", "access.",
                                    "grid.", "cit."])
def test_key_families_built_at_run_time_are_complete(family):
    """Keys built at run time (t(f"age.{k}")) exist in both languages alike."""
    ids = {m.id for m in read_po((LOCALE_DIR / "id/LC_MESSAGES/messages.po").open("rb")) if m.id}
    ens = {m.id for m in read_po((LOCALE_DIR / "en/LC_MESSAGES/messages.po").open("rb")) if m.id}
    assert {k for k in ids if k.startswith(family)} == {k for k in ens if k.startswith(family)} != set()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_compiled_catalog_matches_its_source(lang):
    """The committed .mo says what the .po says (run `make catalogs` after editing a .po)."""
    source = read_po((LOCALE_DIR / f"{lang}/LC_MESSAGES/messages.po").open("rb"))
    compiled = catalog(lang)
    for message in source:
        if message.id:
            assert compiled.gettext(message.id) == message.string, message.id


@pytest.mark.parametrize(("fn", "value", "lang", "want"), [
    (fmt_int, 1234567, "id", "1.234.567"), (fmt_int, 1234567, "en", "1,234,567"),
    (fmt_dec, 1234.56, "id", "1.234,6"), (fmt_dec, 1234.56, "en", "1,234.6"),
    (fmt_pct, 86.62, "id", "86,6%"), (fmt_pct, 86.62, "en", "86.6%"),
    (fmt_int, None, "id", "–"), (fmt_dec, float("nan"), "en", "–"),
    (fmt_when, datetime(2026, 11, 23, 0, 30, tzinfo=UTC), "id", "23-11-2026 09:30 WIT"),
    (fmt_when, datetime(2026, 11, 23, 0, 30, tzinfo=UTC), "en", "23 Nov 2026, 09:30 WIT"),
])
def test_numbers_and_times_per_language(fn, value, lang, want):
    """Indonesian formats under id, English formats under en; times in WIT."""
    assert fn(value, lang=lang) == want


def test_clashing_keys_are_gone_and_channels_read_as_words():
    """The wall's and the pages' titles are different keys; channel codes never reach a person raw."""
    assert t("wall.opd.title", "id") != t("opd.title", "id")
    assert t("channel.call_center", "id") == "Call center 112/911"
    assert t("grid.page", "id") == "Halaman" and t("grid.page", "en") == "Page"
    assert Path(LOCALE_DIR / "id/LC_MESSAGES/messages.mo").is_file()
