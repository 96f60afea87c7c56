"""File imports (``python -m dashboard import``): CSV, XLSX, Open311 JSON and XML into the report store.

readers (one record at a time) → translate (mapping, dates, values: a candidate or a reason) → upsert (writes on
source + external_id through the rule book) → file_import (pre-pass, batches, rejects file, summary). One path;
README "Ways in" → "File imports".
"""

from data_access.intake.importing.file_import import (
    ImportFailed,
    ImportOptions,
    ImportSummary,
    default_rejects_path,
    import_file,
)
from data_access.intake.importing.mapping import Mapping, MappingError, load_mapping, presets
from data_access.intake.importing.readers import FORMATS

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
