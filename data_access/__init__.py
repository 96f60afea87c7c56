"""The report store: schema, engine, reference data, SLA clock, ingestion and aggregated queries.

Nothing here imports Dash; callers get small DataFrames or plain values.
"""
