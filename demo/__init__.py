"""Demo data and the live simulator: a believable Mimika, written only through data_access.intake."""
