"""The measure catalog: every figure a person reads on a view, defined once — its name in Indonesian and English,
one sentence saying what it counts, and where its SQL is (the rule book's function that decides it).

The wall, the briefing, /opd, /sla, /explorer, /publik, the monthly report and the exports name a figure through
``name`` and explain it through ``definition`` ("Apa arti angka ini" on each page, the notes page of each PDF).
A figure that means something else gets its own entry and its own name, never a second meaning for one name.
tests/unit/test_measures.py checks that each ``rule`` exists and that every figure the queries return has an entry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    key: str  # the column the queries return it under
    id: str  # its name in Indonesian
    en: str
    definition_id: str  # one sentence
    definition_en: str
    rule: str  # module:function of the SQL that decides it (data_access/...)


CATALOG: tuple[Measure, ...] = (
    Measure("reports", "Laporan masuk", "Reports received",
            "Semua laporan yang diterima dalam periode, termasuk yang kemudian ditolak atau diarsipkan.",
            "Every report received in the period, including those later rejected or archived.",
            "data_access.queries.common:in_period"),
    Measure("new_today", "Baru hari ini", "New today",
            "Laporan yang diterima sejak pukul 00.00 WIT hari ini.",
            "Reports received since midnight WIT today.",
            "data_access.queries.common:wit_midnight"),
    Measure("new_24h", "Baru 24 jam", "New in 24 h",
            "Laporan yang diterima dalam 24 jam terakhir.",
            "Reports received in the last 24 hours.",
            "data_access.queries.districts:reports_by_district"),
    Measure("open", "Laporan terbuka", "Open reports",
            "Laporan yang belum selesai, ditutup, ditolak atau diarsipkan, sekarang.",
            "Reports not yet resolved, closed, rejected or archived, now.",
            "data_access.rulebook.rules:is_open"),
    Measure("overdue", "Terlambat", "Overdue",
            "Laporan terbuka yang melewati batas waktu respons atau penyelesaiannya dengan jam SLA berjalan "
            "(atau ditunda setelah batas itu lewat), dihitung sekali per laporan.",
            "Open reports past their response or resolution due time with the SLA clock running (or put on hold "
            "after it passed), each counted once.",
            "data_access.rulebook.rules:overdue"),
    Measure("overdue_response", "Terlambat respons", "Response overdue",
            "Laporan yang masih berstatus baru, belum ditanggapi, dan melewati batas waktu respons.",
            "Reports still new, not yet answered, and past their response due time.",
            "data_access.rulebook.rules:response_overdue"),
    Measure("overdue_resolution", "Terlambat selesai", "Resolution overdue",
            "Laporan terbuka yang belum selesai dan melewati batas waktu penyelesaiannya.",
            "Open reports not yet resolved and past their resolution due time.",
            "data_access.rulebook.rules:resolution_overdue"),
    Measure("at_risk", "Berisiko", "At risk",
            "Laporan dengan jam SLA berjalan, belum terlambat, yang batas waktunya jatuh dalam 24 jam ke depan.",
            "Reports with the SLA clock running, not overdue, whose due time falls within the next 24 hours.",
            "data_access.rulebook.rules:at_risk"),
    Measure("response_compliance_pct", "Respons tepat waktu (%)", "Responded on time (%)",
            "Dari target respons yang batas waktunya jatuh dalam periode, bagian yang ditanggapi sebelum batas itu; "
            "yang masih belum ditanggapi melewati batas dihitung terlambat (n = jumlah target itu).",
            "Of the response targets due in the period, the share answered by the due time; those still "
            "unanswered past it count as late (n = the number of such targets).",
            "data_access.rulebook.rules:compliance_counts"),
    Measure("resolution_compliance_pct", "Selesai tepat waktu (%)", "Resolved on time (%)",
            "Dari target penyelesaian yang batas waktunya jatuh dalam periode, bagian yang selesai sebelum batas itu; "
            "yang masih terbuka melewati batas dihitung terlambat (n = jumlah target itu).",
            "Of the resolution targets due in the period, the share resolved by the due time; those still open "
            "past it count as late (n = the number of such targets).",
            "data_access.rulebook.rules:compliance_counts"),
    Measure("time_unknown", "Waktu tak tercatat", "Time not recorded",
            "Target yang sudah dipenuhi pada waktu yang tidak dicatat sumbernya (riwayat impor): tidak tepat waktu, "
            "tidak terlambat, dihitung terpisah.",
            "Targets met at a time their source never recorded (imported history): neither on time nor late, "
            "counted apart.",
            "data_access.rulebook.rules:unknown"),
    Measure("median_response_hours", "Median respons (jam)", "Median response (h)",
            "Waktu tengah dari diterima sampai respons pertama, atas laporan yang diterima dalam periode dan sudah "
            "ditanggapi.",
            "The middle time from receipt to the first response, over the period's reports that were answered.",
            "data_access.store.schema:RESPONSE_HOURS"),
    Measure("median_resolution_hours", "Median penyelesaian (jam)", "Median resolution (h)",
            "Waktu tengah dari diterima sampai selesai, atas laporan yang diterima dalam periode dan sudah selesai.",
            "The middle time from receipt to resolution, over the period's reports that were resolved.",
            "data_access.store.schema:RESOLUTION_HOURS"),
    Measure("per_10k", "Per 10.000 penduduk (30 hari)", "Per 10,000 residents (30 days)",
            "Laporan masuk dalam periode per 10.000 penduduk distrik.",
            "Reports received in the period per 10,000 residents of the district.",
            "data_access.queries.districts:reports_by_district"),
    Measure("excluded_pct", "Ditolak/diarsipkan (%)", "Rejected/archived (%)",
            "Bagian laporan masuk dalam periode yang ditolak atau diarsipkan; tidak dihitung terhadap OPD, "
            "tetapi ditampilkan agar menolak bukan cara untuk tampak tepat waktu.",
            "The share of the period's reports that were rejected or archived; not held against an agency, but "
            "shown so that rejecting is no way to look punctual.",
            "data_access.rulebook.rules:is_excluded"),
    Measure("surge", "Lonjakan laporan", "Report surge",
            "Distrik dan kategori yang laporannya dalam 24 jam terakhir paling sedikit 5 dan jauh di atas biasanya "
            "(peluang salah satu distrik × kategori yang dipantau naik sejauh itu kurang dari 1 banding 1.000, "
            "menurut pola hari dan jam delapan minggu sebelumnya).",
            "A district and category with at least 5 reports in the last 24 hours, far above its usual rate "
            "(less than a 1 in 1,000 chance that any district × category watched rises that far, by the "
            "weekday-and-hour pattern of the eight weeks before).",
            "data_access.rulebook.surge:is_surge"),

    Measure("equity_gap_pp", "Selisih respons tepat waktu, terpencil − jalan darat (poin)",
            "On-time response gap, remote − road (points)",
            "Respons tepat waktu di distrik terpencil (lewat sungai, laut atau udara) dikurangi yang di distrik "
            "jalan darat (Timika dan sekitarnya), dengan aturan dan n respons tepat waktu; di bawah nol: warga "
            "terpencil lebih jarang ditanggapi tepat waktu; n di bawah 20 ditandai sampel kecil.",
            "On-time response in the remote districts (by river, sea or air) minus that in the road districts "
            "(Timika and around), with the rule and n of responded on time; below zero: remote citizens are "
            "answered on time less often; n under 20 is marked small sample.",
            "data_access.rulebook.rules:equity_area"),
    Measure("equity_trend", "Selisih per minggu (12 minggu)", "Weekly gap (12 weeks)",
            "Selisih respons tepat waktu terpencil − jalan darat atas target respons yang batas waktunya jatuh "
            "dalam tiap minggu WIT (Senin–Minggu) dari 12 minggu terakhir, minggu berjalan yang terakhir.",
            "The remote − road on-time response gap over the response targets due in each WIT week (Monday to "
            "Sunday) of the last 12, the current week last.",
            "data_access.rulebook.rules:equity_area"),
)
BY_KEY = {m.key: m for m in CATALOG}
# Other names a view uses for the same figure (the wall's map measure "median_response").
ALIASES = {"median_response": "median_response_hours"}


def measure(key: str) -> Measure:
    return BY_KEY[ALIASES.get(key, key)]


def name(key: str, lang: str) -> str:
    m = measure(key)
    return m.en if lang == "en" else m.id


def definition(key: str, lang: str) -> str:
    m = measure(key)
    return m.definition_en if lang == "en" else m.definition_id


def definitions(keys, lang: str) -> list[tuple[str, str]]:
    """(name, definition) of each key, in the order given: what a page's "Apa arti angka ini" lists."""
    return [(name(k, lang), definition(k, lang)) for k in keys]


# ---------------------------------------------------------------------------------------------------------------
# Targets: what the regency declares good for a figure (CityScore's "1.0 = on target"). The store keeps the ones
# set with `python -m dashboard targets` (data_access/targets.py); these defaults stand where none is set.

HIGHER, LOWER = "higher", "lower"
# Which way is better, for every figure a target can be set for. A figure missing here (new_today, reports) has
# no good direction: more reports can mean more trust as much as more trouble, so it takes no target.
DIRECTION = {
    "response_compliance_pct": HIGHER,
    "resolution_compliance_pct": HIGHER,
    "median_response_hours": LOWER,
    "median_resolution_hours": LOWER,
    "overdue": LOWER,
    "overdue_response": LOWER,
    "overdue_resolution": LOWER,
    "at_risk": LOWER,
    "open": LOWER,
}
PERCENT_KEYS = ("response_compliance_pct", "resolution_compliance_pct")
HOUR_KEYS = ("median_response_hours", "median_resolution_hours")
# Bounds of a target as typed: a percentage, up to a year of hours, a count up to a million.
TARGET_MAX = {"percent": 100.0, "hours": 8760.0, "count": 1_000_000.0}


@dataclass(frozen=True)
class DefaultTarget:
    value: float
    basis: str  # why this number (English; README "Targets" says the same)


DEFAULT_TARGETS: dict[str, DefaultTarget] = {
    # The promise is a response to every report within its category's SLA (3 working days at most, SP4N-LAPOR!;
    # the regency's own policies are tighter). 90 % is a working bar below the promise's 100 %, for the regency
    # to raise: no regulation names a percentage.
    "response_compliance_pct": DefaultTarget(90.0, "every report answered within its SLA (SP4N-LAPOR! 3 working "
                                                   "days or the regency's tighter policy); 90 % as a working bar"),
    # Resolution is not promised ("tidak harus selesai"), only bounded (Perpres 76/2013: 60 days): a lower bar.
    "resolution_compliance_pct": DefaultTarget(80.0, "resolution within the SLA is not promised, only bounded "
                                                     "(Perpres 76/2013, 60 days); 80 % as a working bar"),
    # The regency's "layanan cepat" and "standar" policies answer within 1–2 working days; a median of one day
    # of clock time keeps half of the reports inside the quicker of the two.
    "median_response_hours": DefaultTarget(24.0, "half of the reports answered within a day (the regency's "
                                                 "1–2 working-day response policies)"),
    # A due time is the promise itself: none should pass unmet.
    "overdue_response": DefaultTarget(0.0, "no report left unanswered past its response due time"),
    "overdue_resolution": DefaultTarget(0.0, "no report left open past its resolution due time"),
}


def target_unit(key: str) -> str:
    return "percent" if key in PERCENT_KEYS else "hours" if key in HOUR_KEYS else "count"


def target_state(key: str, value, target) -> str | None:
    """"on" when ``value`` meets ``target`` in the figure's better direction, "off" when it misses, None when
    either is missing (no sample yet, or no target)."""
    if value is None or target is None or key not in DIRECTION or value != value:  # NaN: no sample
        return None
    on = value >= target if DIRECTION[key] == HIGHER else value <= target
    return "on" if on else "off"


def target_ratio(key: str, value, target) -> float | None:
    """CityScore's score: 1.0 = on target, above 1 better, below worse, whichever way the figure is better.
    None when it cannot be said (no value; a lower-is-better target or value of 0, where the ratio has no size)."""
    if target_state(key, value, target) is None:
        return None
    if DIRECTION[key] == HIGHER:
        return value / target if target else None
    return target / value if value and target else None
