"""The fixed parts of the Open311 documents: the discovery file and our service definition (the extensions)."""

from __future__ import annotations

from data_access.store.schema import CHANNELS

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+09:00"  # change when the documents below change
CONTACT = "Mimika Center, Pemerintah Kabupaten Mimika (Papua Tengah)"
KEY_SERVICE = "API keys per intake source from the Mimika Center admin (python -m dashboard apikeys add SOURCE)"

_YES_NO = [{"key": "false", "name": "Tidak"}, {"key": "true", "name": "Ya"}]


def _extension(order: int, code: str, datatype: str, datatype_description: str, description: str,
               values: list | None = None) -> dict:
    """One optional attribute of the service definition, with its keys in the order the documents list them."""
    return {"variable": True, "code": code, "datatype": datatype, "required": False,
            "datatype_description": datatype_description, "order": order, "description": description,
            "values": values}


# Every service takes the same optional extensions, so every service has metadata and this definition.
EXTENSION_ATTRIBUTES = [
    _extension(1, "nik", "string", "16 digits",
               "NIK pelapor (Nomor Induk Kependudukan); disimpan sebagai data pribadi, tidak pernah ditampilkan"),
    _extension(2, "anonymous", "singlevaluelist", "true or false",
               "Anonim: identitas pelapor hanya terlihat oleh admin", _YES_NO),
    _extension(3, "confidential", "singlevaluelist", "true or false",
               "Rahasia: laporan tidak ditampilkan satu per satu di tampilan publik", _YES_NO),
    _extension(4, "channel", "singlevaluelist", "default app", "Kanal pengaduan",
               [{"key": c, "name": c} for c in CHANNELS]),
    _extension(5, "external_id", "string", "1-64 letters, digits or _ . : -",
               "Nomor laporan di sistem pengirim; sekali per sumber (kiriman ulang tidak menggandakan)"),
    _extension(6, "requested_datetime", "datetime", "W3C date-time with its zone, within the last 30 days",
               "Waktu laporan dicatat, bila dicatat luring (kantor distrik tanpa jaringan) dan dikirim kemudian"),
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
