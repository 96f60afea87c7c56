"""File imports (``python -m dashboard import``): readers → translate → upsert, run by file_import in batches with
a rejects file and a summary. One path; README "Ways in" → "File imports"."""

from data_access.intake.importing.file_import import ImportFailed, ImportOptions, ImportSummary, import_file

__all__ = ["ImportFailed", "ImportOptions", "ImportSummary", "import_file"]
