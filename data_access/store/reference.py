"""Mimika's reference data: districts, villages, OPDs, complaint categories and SLA policies.

Names and codes are facts and live in the project (districts.csv and villages.csv beside this file,
from Kepmendagri 300.2.2-2138/2025 and BPS/Disdukcapil); boundary polygons do not (see geo/).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data_access.store.schema import Category, District, Opd, SlaPolicyRow, Village

REFERENCE_DIR = Path(__file__).with_name("reference")
POPULATION_SOURCE = "Disdukcapil Mimika, semester II 2025"
REMOTE_ACCESS = frozenset({"sungai", "laut", "udara"})  # reached by river, sea or air only
# Share of problems that reach the store, by access: remote districts under-report (no signal, long trips).
REPORTING_PROPENSITY_DEFAULT = {"jalan": 1.0, "sungai": 0.45, "laut": 0.4, "udara": 0.3}


@dataclass(frozen=True)
class DistrictInfo:
    code: str
    name: str
    code_pre2022: str
    population: int
    population_2020: int
    label_lat: float
    label_lon: float
    access: str

    @property
    def remote(self) -> bool:
        return self.access in REMOTE_ACCESS


@dataclass(frozen=True)
class VillageInfo:
    code: str
    name: str
    type: str
    district_code: str
    label_lat: float
    label_lon: float


@cache
def districts() -> tuple[DistrictInfo, ...]:
    with open(REFERENCE_DIR / "districts.csv", newline="", encoding="utf-8") as f:
        return tuple(
            DistrictInfo(
                code=r["code"], name=r["name"], code_pre2022=r["code_pre2022"],
                population=int(r["pop_2025_dukcapil"]), population_2020=int(r["pop_2020_census"]),
                label_lat=float(r["label_lat"]), label_lon=float(r["label_lon"]), access=r["access"],
            )
            for r in csv.DictReader(f)
        )


@cache
def villages() -> tuple[VillageInfo, ...]:
    with open(REFERENCE_DIR / "villages.csv", newline="", encoding="utf-8") as f:
        return tuple(
            VillageInfo(
                code=r["code"], name=r["name"], type=r["type"], district_code=r["district_code"],
                label_lat=float(r["label_lat"]), label_lon=float(r["label_lon"]),
            )
            for r in csv.DictReader(f)
        )


# (code, full name, short name). The dinas and badan of Pemerintah Kabupaten Mimika that receive complaints.
OPDS: tuple[tuple[str, str, str], ...] = (
    ("DINKES", "Dinas Kesehatan", "Dinkes"),
    ("RSUD", "Rumah Sakit Umum Daerah Mimika", "RSUD"),
    ("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan", "Disdikbud"),
    ("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "PUPR"),
    ("PERKIM", "Dinas Perumahan dan Kawasan Permukiman", "Perkim"),
    ("DLH", "Dinas Lingkungan Hidup", "DLH"),
    ("DISHUB", "Dinas Perhubungan", "Dishub"),
    ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Dukcapil"),
    ("DINSOS", "Dinas Sosial", "Dinsos"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "BPBD"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "Satpol PP"),
    ("DAMKAR", "Dinas Pemadam Kebakaran dan Penyelamatan", "Damkar"),
    ("KOMINFO", "Dinas Komunikasi dan Informatika", "Kominfo"),
    ("DPMK", "Dinas Pemberdayaan Masyarakat Kampung", "DPMK"),
    ("DP3A", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "DP3A"),
    ("DISNAKER", "Dinas Tenaga Kerja dan Transmigrasi", "Disnakertrans"),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan", "Disperindag"),
    ("DISTAN", "Dinas Tanaman Pangan, Hortikultura dan Peternakan", "Distan"),
    ("DISKAN", "Dinas Perikanan", "Diskan"),
)

# SP4N-LAPOR! asks verification within 3 working days and OPD follow-up within 5 working days; Perpres 76/2013
# caps resolution at 60 days (~40 working days). The regency sets tighter targets per category.
# (code, name, response amount and unit, resolution amount and unit, calendar); the rule book reads them back as
# SlaPolicy objects (data_access/rulebook/sla.py: policies_from_store).
SLA_POLICIES: tuple[tuple[str, str, float, str, float, str, str], ...] = (
    ("darurat", "Darurat 24 jam (112)", 1, "hours", 24, "hours", "24x7"),
    ("prioritas", "Prioritas 24 jam", 4, "hours", 72, "hours", "24x7"),
    ("cepat", "Layanan cepat", 1, "working_days", 5, "working_days", "working"),
    ("standar", "Standar kabupaten", 2, "working_days", 14, "working_days", "working"),
    ("nasional", "Batas SP4N-LAPOR! / Perpres 76/2013", 3, "working_days", 40, "working_days", "working"),
)

# (code, Indonesian name, English name, default OPD, SLA policy)
CATEGORIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("jalan", "Jalan dan jembatan rusak", "Damaged roads and bridges", "PUPR", "standar"),
    ("air_bersih", "Air bersih", "Clean water", "PUPR", "cepat"),
    ("drainase", "Drainase dan genangan", "Drainage and standing water", "PUPR", "standar"),
    ("kesehatan", "Layanan kesehatan", "Health services", "DINKES", "cepat"),
    ("gawat_darurat", "Gawat darurat medis (112)", "Medical emergency (112)", "RSUD", "darurat"),
    ("pendidikan", "Sekolah dan pendidikan", "Schools and education", "DISDIKBUD", "standar"),
    ("sampah", "Sampah dan kebersihan", "Waste and cleanliness", "DLH", "cepat"),
    ("adminduk", "KTP-el, KK dan akta", "ID cards and civil registry", "DUKCAPIL", "cepat"),
    ("ketertiban", "Ketertiban dan keamanan", "Public order and security", "SATPOLPP", "prioritas"),
    ("banjir", "Banjir dan bencana", "Floods and disasters", "BPBD", "darurat"),
    ("kebakaran", "Kebakaran", "Fire", "DAMKAR", "darurat"),
    ("penerangan", "Penerangan jalan umum", "Street lighting", "DISHUB", "standar"),
    ("transportasi", "Transportasi dan lalu lintas", "Transport and traffic", "DISHUB", "standar"),
    ("bansos", "Bantuan sosial", "Social assistance", "DINSOS", "nasional"),
    ("dana_kampung", "Dana kampung", "Village funds", "DPMK", "nasional"),
    ("perumahan", "Rumah layak huni", "Housing", "PERKIM", "nasional"),
    ("perlindungan_anak", "Kekerasan pada perempuan dan anak", "Violence against women and children", "DP3A",
     "prioritas"),
    ("telekomunikasi", "Jaringan telekomunikasi", "Telecommunications", "KOMINFO", "standar"),
    ("ketenagakerjaan", "Ketenagakerjaan", "Employment", "DISNAKER", "nasional"),
    ("harga_pasar", "Pasar dan harga bahan pokok", "Markets and prices", "DISPERINDAG", "standar"),
    ("pertanian", "Pertanian dan peternakan", "Farming and livestock", "DISTAN", "nasional"),
    ("perikanan", "Perikanan dan nelayan", "Fisheries", "DISKAN", "nasional"),
    # Imported reports whose service name maps to nothing of ours land here, to be triaged by the Mimika Center
    # (run by Kominfo) and re-routed; SP4N-LAPOR!'s own clock applies (verification within 3 working days).
    ("lainnya", "Lainnya (belum dipilah)", "Other (not yet triaged)", "KOMINFO", "nasional"),
)


def load_reference(engine: Engine) -> None:
    """Insert or update every reference row; safe to run on every start."""
    with Session(engine) as session, session.begin():
        for d in districts():
            session.merge(District(code=d.code, name=d.name, code_pre2022=d.code_pre2022, population=d.population,
                                   population_source=POPULATION_SOURCE, population_2020=d.population_2020,
                                   label_lat=d.label_lat, label_lon=d.label_lon, access=d.access))
        session.flush()
        for v in villages():
            session.merge(Village(code=v.code, name=v.name, type=v.type, district_code=v.district_code,
                                  label_lat=v.label_lat, label_lon=v.label_lon))
        for code, name, short in OPDS:
            session.merge(Opd(code=code, name=name, short_name=short))
        # Policies and categories are only added when missing: the regency tunes them in the store.
        for code, name, response, response_unit, resolution, resolution_unit, calendar in SLA_POLICIES:
            if session.get(SlaPolicyRow, code) is None:
                session.add(SlaPolicyRow(code=code, name=name, response_amount=response, response_unit=response_unit,
                                         resolution_amount=resolution, resolution_unit=resolution_unit,
                                         calendar=calendar))
        session.flush()
        for code, name, name_en, opd, policy in CATEGORIES:
            if session.get(Category, code) is None:
                session.add(Category(code=code, name=name, name_en=name_en, default_opd_code=opd,
                                     sla_policy_code=policy))

