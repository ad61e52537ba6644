"""Lowest layer: settings, errors, error classification and small shared types."""
