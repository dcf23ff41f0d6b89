"""Shared instance-side helpers."""
