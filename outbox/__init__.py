"""The district office's store-and-forward client: its own SQLite outbox, sent to the center's Open311 POST."""
