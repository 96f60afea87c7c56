"""File imports (``python -m dashboard import``): readers → translate → upsert, run by file_import (one path)."""

from data_access.intake.importing.file_import import ImportFailed, ImportOptions, ImportSummary, import_file

__all__ = ["ImportFailed", "ImportOptions", "ImportSummary", "import_file"]
