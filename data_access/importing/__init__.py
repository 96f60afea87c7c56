"""File imports (``python -m dashboard import``): CSV, XLSX, Open311 JSON and XML into the report store.

readers (one record at a time) → translate (mapping, dates, values: a candidate or a reason) → upsert (bulk
writes on source + external_id) → run (batches, rejects file, summary). README "Ways in" → "File imports".
"""

from data_access.importing.mapping import Mapping, MappingError, load_mapping, presets
from data_access.importing.readers import FORMATS
from data_access.importing.run import ImportFailed, ImportOptions, ImportSummary, default_rejects_path, import_file

__all__ = [
    "FORMATS",
    "ImportFailed",
    "ImportOptions",
    "ImportSummary",
    "Mapping",
    "MappingError",
    "default_rejects_path",
    "import_file",
    "load_mapping",
    "presets",
]
