"""Labels in Indonesian (the default) and English, and numbers written the Indonesian way (1.234,5).

The catalog is a plain dict: a missing English entry falls back to Indonesian, a missing key shows itself,
so a typo is visible on the wall instead of crashing it.
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
WIT = ZoneInfo("Asia/Jayapura")  # UTC+9, no daylight saving

CATALOG: dict[str, dict[str, str]] = {
    "id": {
        "title": "Mimika Center",
        "subtitle": "Pengaduan masyarakat Kabupaten Mimika",
        "kpi.new_today": "Baru hari ini",
        "kpi.open": "Terbuka",
        "kpi.overdue_response": "Terlambat respons",
        "kpi.overdue_resolution": "Terlambat selesai",
        "kpi.at_risk": "Berisiko (24 jam)",
        "kpi.response_compliance": "Respons tepat waktu (30 hari)",
        "kpi.median_response": "Median respons (jam, 30 hari)",
        "measure.open": "Laporan terbuka",
        "measure.new_24h": "Baru 24 jam",
        "measure.per_10k": "Per 10.000 penduduk (30 hari)",
        "measure.overdue": "Terlambat",
        "measure.median_response": "Median respons (jam)",
        "map.title": "Peta distrik",
        "map.points": "Laporan terbaru",
        "map.no_boundaries": "Tanpa batas wilayah: lingkaran di titik distrik",
        "attribution": "Batas wilayah: cahyadsn/wilayah_boundaries (MIT), dari data Kemendagri/BIG",
        "tiles.title": "Semua distrik, ukuran sama",
        "tiles.no_data": "tidak ada data",
        "tiles.remote": "terpencil",
        "legend.no_data": "tidak ada data",
        "sla.title": "Terlambat per OPD, menurut lama terlambat",
        "sla.trend": "Pelanggaran SLA per hari",
        "sla.last14": "14 hari terakhir",
        "sla.prev14": "14 hari sebelumnya",
        "sla.none": "Tidak ada laporan terlambat",
        "opd.title": "Beban OPD: laporan terbuka menurut umur",
        "opd.flow": "Masuk vs selesai, 7 hari",
        "opd.inflow": "Masuk",
        "opd.closed": "Selesai",
        "age.age_0_1": "<1 hari",
        "age.age_1_3": "1–3 hari",
        "age.age_3_7": "3–7 hari",
        "age.age_7_14": "7–14 hari",
        "age.age_14p": ">14 hari",
        "bucket.<1 hari": "<1 hari",
        "bucket.1-3 hari": "1–3 hari",
        "bucket.3-7 hari": "3–7 hari",
        "bucket.>7 hari": ">7 hari",
        "ticker.title": "Laporan terbaru",
        "ticker.empty": "Belum ada laporan",
        "ticker.no_district": "tanpa lokasi",
        "status.clock": "WIT",
        "status.data": "Data terbaru",
        "status.waiting": "menunggu data…",
        "stale.unavailable": "Data tidak dapat diambil",
        "stale.old": "Tidak ada laporan baru sejak",
        "stale.last_good": "Angka terakhir yang benar",
        "stale.never": "belum ada data",
        "stale.revoked": "Akses dicabut: layar ini tidak lagi menerima data. Hubungi admin Mimika Center.",
        "day": "hari",
        "hours": "jam",
        "n": "n",
    },
    "en": {
        "subtitle": "Citizen complaints, Mimika Regency",
        "kpi.new_today": "New today",
        "kpi.open": "Open",
        "kpi.overdue_response": "Response overdue",
        "kpi.overdue_resolution": "Resolution overdue",
        "kpi.at_risk": "At risk (24 h)",
        "kpi.response_compliance": "Responded on time (30 days)",
        "kpi.median_response": "Median response (h, 30 days)",
        "measure.open": "Open reports",
        "measure.new_24h": "New in 24 h",
        "measure.per_10k": "Per 10,000 residents (30 days)",
        "measure.overdue": "Overdue",
        "measure.median_response": "Median response (h)",
        "map.title": "District map",
        "map.points": "Recent reports",
        "map.no_boundaries": "No boundaries: circles at district points",
        "tiles.title": "Every district, equal size",
        "tiles.no_data": "no data",
        "tiles.remote": "remote",
        "legend.no_data": "no data",
        "sla.title": "Overdue by OPD, by how long",
        "sla.trend": "SLA breaches per day",
        "sla.last14": "last 14 days",
        "sla.prev14": "14 days before",
        "sla.none": "Nothing overdue",
        "opd.title": "OPD workload: open reports by age",
        "opd.flow": "In vs resolved, 7 days",
        "opd.inflow": "In",
        "opd.closed": "Resolved",
        "age.age_0_1": "<1 day",
        "age.age_1_3": "1–3 days",
        "age.age_3_7": "3–7 days",
        "age.age_7_14": "7–14 days",
        "age.age_14p": ">14 days",
        "bucket.<1 hari": "<1 day",
        "bucket.1-3 hari": "1–3 days",
        "bucket.3-7 hari": "3–7 days",
        "bucket.>7 hari": ">7 days",
        "ticker.title": "Newest reports",
        "ticker.empty": "No reports yet",
        "ticker.no_district": "no location",
        "status.data": "Newest data",
        "status.waiting": "waiting for data…",
        "stale.unavailable": "Cannot reach the data",
        "stale.old": "No new reports since",
        "stale.last_good": "Last good numbers",
        "stale.never": "no data yet",
        "stale.revoked": "Access revoked: this screen no longer receives data. Contact the Mimika Center admin.",
        "day": "day",
        "hours": "h",
    },
}


def language(raw: object, default: str = DEFAULT_LANGUAGE) -> str:
    """The language asked for in ``?lang=``, or the default when it is missing, unknown or not text."""
    raw = raw.strip().lower() if isinstance(raw, str) else ""
    return raw if raw in LANGUAGES else (default if default in LANGUAGES else DEFAULT_LANGUAGE)


def t(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return CATALOG.get(lang, {}).get(key) or CATALOG[DEFAULT_LANGUAGE].get(key) or key


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value, missing: str = "–") -> str:
    """1234 → '1.234' (Indonesian thousands separator, in both languages: the wall is Indonesian)."""
    if _missing(value):
        return missing
    return f"{int(round(float(value))):,}".replace(",", ".")


def fmt_dec(value, digits: int = 1, missing: str = "–") -> str:
    """1234.56 → '1.234,6'."""
    if _missing(value):
        return missing
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_pct(value, digits: int = 1, missing: str = "–") -> str:
    return missing if _missing(value) else f"{fmt_dec(value, digits)}%"


def fmt_hhmm(moment: datetime | None, missing: str = "–") -> str:
    """An aware instant as HH:MM in WIT."""
    if moment is None:
        return missing
    return moment.astimezone(WIT).strftime("%H:%M")


def fmt_when(moment: datetime | None, missing: str = "–") -> str:
    """An aware instant as 'DD-MM-YYYY HH:MM WIT'."""
    if moment is None:
        return missing
    return moment.astimezone(WIT).strftime("%d-%m-%Y %H:%M") + " WIT"
