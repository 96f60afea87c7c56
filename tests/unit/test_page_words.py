"""#26 "the small things": bucket labels that share no edge, legend classes that never overlap, English where English
was asked for, one word for the response measure, and the wall's discreet way to the other pages. Pure builders."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
import pytest
from babel.messages.pofile import read_po

from core import measures
from core.i18n import LOCALE_DIR, t
from data_access.queries.sla_breaches import OVERDUE_BUCKETS
from geo.choropleth import class_ranges, fixed_class_edges
from layouts import wall

# Each family of buckets in order, young to old, as the queries define them (workload.AGE_BUCKETS,
# sla_breaches.OVERDUE_BUCKETS, performance.AGE_BUCKETS).
FAMILIES = {"age": ["age.age_0_1", "age.age_1_3", "age.age_3_7", "age.age_7_14", "age.age_14p"],
            "overdue": ["bucket.<1 hari", "bucket.1-3 hari", "bucket.3-7 hari", "bucket.>7 hari"],
            "monthly": ["rep.age_0_7", "rep.age_7_30", "rep.age_30_60", "rep.age_60_plus"]}


def _range(label: str) -> tuple[float, float]:
    """(lowest, highest) whole day a label names: "<1" → (0, 0), "1–2" → (1, 2), "≥14" → (14, inf)."""
    numbers = [int(n) for n in re.findall(r"\d+", label)]
    if "<" in label:
        return 0, numbers[0] - 1
    if "≥" in label or ">" in label:
        return numbers[0] + (">" in label), float("inf")
    return numbers[0], numbers[1]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_age_buckets_share_no_edge(family, lang):
    """Consecutive buckets follow each other without a shared day and without a gap ("1–2", "3–6", not "1–3",
    "3–7")."""
    ranges = [_range(t(key, lang)) for key in FAMILIES[family]]
    for (_, high), (low, _) in zip(ranges, ranges[1:], strict=False):
        assert low == high + 1, (family, lang, ranges)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_walls_age_legends_are_the_pages_buckets(lang):
    """The wall's narrow legends say the same ranges as the pages, bare ("<1", "1–2", "3–6", "≥7"): they once
    kept their own "1–3", "3–7" after the pages' words were mended."""
    overdue = pd.DataFrame({"opd_code": ["PUPR"] * 4, "short_name": ["PUPR"] * 4, "bucket": list(OVERDUE_BUCKETS),
                            "reports": [1, 2, 3, 4]})
    workload = pd.DataFrame([{"opd_code": "PUPR", "short_name": "PUPR", "backlog": 15, "overdue": 3,
                              **dict(zip(wall.AGE_COLUMNS, [1, 2, 3, 4, 5], strict=True))}])
    for figure, keys in ((wall.sla_overdue_figure(overdue, OVERDUE_BUCKETS, lang), FAMILIES["overdue"]),
                         (wall.opd_backlog_figure(workload, lang), FAMILIES["age"])):
        names = [trace["name"] for trace in figure["data"] if trace["type"] == "bar"]
        assert names == [t(key, lang).split(" ")[0] for key in keys]
        ranges = [_range(name) for name in names]
        assert all(low == high + 1 for (_, high), (low, _) in zip(ranges, ranges[1:], strict=False)), names


@pytest.mark.parametrize("values", [[0, 5.2, 11.0, 17.3, 30.1, 40.0, None], [3.3, 3.3, 3.3], [0.0, 120.5, 8.8]])
def test_map_legend_classes_never_overlap(values):
    """The briefing map's classes (rates at one decimal) end one step below where the next begins."""
    ranges = class_ranges(fixed_class_edges([v for v in values if v is not None], k=5, integer=False), 0.1)
    for (_, high), (low, _) in zip(ranges, ranges[1:], strict=False):
        assert high is not None and high < low and round(low - high, 6) == 0.1


def _news(**extra) -> pd.DataFrame:
    return pd.DataFrame([{"id": 7, "created_at": datetime(2026, 11, 23, 1, tzinfo=UTC), "category": "Air bersih",
                          "category_en": "Clean water", "district": "Mimika Baru", "opd": "PUPR",
                          "title": "Air tidak mengalir", **extra}])


def test_ticker_and_map_credit_speak_english_when_asked():
    english = " ".join(str(item.children[0].children[1].children) for item in wall.ticker(_news(), "en"))
    indonesian = " ".join(str(item.children[0].children[1].children) for item in wall.ticker(_news(), "id"))
    assert english == "Clean water" and indonesian == "Air bersih"
    assert t("attribution", "en").startswith("District boundaries") and "dari data" not in t("attribution", "en")


def test_one_word_for_the_response_measure():
    """The measure catalog says "respons"; no user text calls the measure "tanggapan" but the regency's promise."""
    assert "respons" in measures.name("response_compliance_pct", "id").lower()
    ids = read_po((LOCALE_DIR / "id/LC_MESSAGES/messages.po").open("rb"))
    noun = re.compile(r"\btanggapan", re.I)
    found = [m.id for m in ids if m.id and isinstance(m.string, str) and noun.search(m.string)]
    assert sorted(found) == ["equity.promise", "pub.promise"], found  # the promise in its own words
    assert not any(noun.search(d) for _, d in measures.definitions([m.key for m in measures.CATALOG], "id"))


def test_the_wall_has_a_discreet_way_to_the_other_pages():
    """A closed menu beside the name, linking to every other page in the wall's language."""
    menu = wall._menu("en")
    assert menu.id == wall.MENU and not getattr(menu, "open", False)
    links = [(a.children.children, a.children.href) for a in menu.children[1].children]
    assert [href for _, href in links] == ["/briefing?lang=en", "/opd?lang=en", "/sla?lang=en", "/explorer?lang=en"]


def test_long_district_names_may_break_at_every_syllable():
    """A narrow tile breaks "Tembagapura" where a reader expects ("Temba-gapura" or "Tembaga-pura"), never
    "Tembag/apura": every syllable break is offered, the browser takes the last that fits."""
    assert wall.hyphenate("Tembagapura") == "Temba\u00adga\u00adpura"
    assert wall.hyphenate("Mimika Barat Tengah") == "Mimika Barat Tengah"  # short words stay whole
    for name in ("Tembagapura", "Mimika Timur Jauh", "Kwamki Narama"):
        assert wall.hyphenate(name).replace("\u00ad", "") == name


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_oldest_reports_say_why_they_have_no_district(lang):
    """The briefing's oldest reports (page, XLSX, PDF) name a missing district the way the work list does — "tanpa
    lokasi" or "di luar wilayah" — not with a dash."""
    from layouts.briefing import oldest_frame

    oldest = pd.DataFrame({"id": [1, 2, 3], "title": ["a", "b", "c"], "opd": ["PUPR"] * 3,
                           "district": ["Agimuga", None, None], "located": [1, 0, 1],
                           "status": ["baru"] * 3, "sla_state": ["ok"] * 3, "age_days": [1.0, 2.0, 3.0]})
    districts = oldest_frame(oldest, lang)[t("col.district", lang)].tolist()
    assert districts == ["Agimuga", t("location.none", lang), t("location.outside", lang)]
