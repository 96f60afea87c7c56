"""The store itself: schema, engine, Alembic migrations, Mimika's reference data, backup and the writers' heartbeat."""
