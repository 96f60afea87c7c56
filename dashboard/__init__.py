"""Mimika Center command dashboard: app factory, settings, CLI, cache, i18n and assets."""
