"""The fixed parts of the Open311 documents: the discovery file and our service definition (the extensions)."""

from __future__ import annotations

from data_access.store.schema import CHANNELS

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+09:00"  # change when the documents below change
CONTACT = "Mimika Center, Pemerintah Kabupaten Mimika (Papua Tengah)"
KEY_SERVICE = "API keys per intake source from the Mimika Center admin (python -m dashboard apikeys add SOURCE)"
SERVICE_NOTICE = None

_YES_NO = [{"key": "false", "name": "Tidak"}, {"key": "true", "name": "Ya"}]

# Every service takes the same optional extensions, so every service has metadata and this definition.
EXTENSION_ATTRIBUTES = [
    {"variable": True, "code": "nik", "datatype": "string", "required": False,
     "datatype_description": "16 digits", "order": 1,
     "description": "NIK pelapor (Nomor Induk Kependudukan); disimpan sebagai data pribadi, tidak pernah ditampilkan",
     "values": None},
    {"variable": True, "code": "anonymous", "datatype": "singlevaluelist", "required": False,
     "datatype_description": "true or false", "order": 2,
     "description": "Anonim: identitas pelapor hanya terlihat oleh admin", "values": _YES_NO},
    {"variable": True, "code": "confidential", "datatype": "singlevaluelist", "required": False,
     "datatype_description": "true or false", "order": 3,
     "description": "Rahasia: laporan tidak ditampilkan satu per satu di tampilan publik", "values": _YES_NO},
    {"variable": True, "code": "channel", "datatype": "singlevaluelist", "required": False,
     "datatype_description": "default app", "order": 4, "description": "Kanal pengaduan",
     "values": [{"key": c, "name": c} for c in CHANNELS]},
    {"variable": True, "code": "external_id", "datatype": "string", "required": False,
     "datatype_description": "1-64 letters, digits or _ . : -", "order": 5,
     "description": "Nomor laporan di sistem pengirim; sekali per sumber (kiriman ulang tidak menggandakan)",
     "values": None},
    {"variable": True, "code": "requested_datetime", "datatype": "datetime", "required": False,
     "datatype_description": "W3C date-time with its zone, within the last 30 days", "order": 6,
     "description": "Waktu laporan dicatat, bila dicatat luring (kantor distrik tanpa jaringan) dan dikirim kemudian",
     "values": None},
]


def discovery(base_url: str) -> dict:
    return {
        "changeset": CHANGESET, "contact": CONTACT, "key_service": KEY_SERVICE,
        "endpoints": [{"specification": SPECIFICATION, "url": base_url, "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }


def service_item(row: dict) -> dict:
    return {"service_code": row["code"], "service_name": row["name"], "description": row["name_en"],
            "metadata": True, "type": "realtime", "keywords": row["name_en"], "group": row["group"]}


def service_definition(code: str) -> dict:
    return {"service_code": code, "attributes": EXTENSION_ATTRIBUTES}
