"""Thin callbacks: read inputs, build Filters and the caller's Scope, call one query, hand the result to a builder."""
