"""Everything that writes reports: the one writer and its sweep, Open311 storage, intake API keys, file imports."""
