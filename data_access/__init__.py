"""The report store and what reads and writes it, a room per job: store/ (the store itself), rulebook/ (the rules
every figure is decided by), queries/ (aggregates and their cache), intake/ (every write), accounts.py (people,
wall screens and the access log).

Nothing here imports Dash; callers get small DataFrames or plain values.
"""
