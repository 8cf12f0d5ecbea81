"""Operators' tasks behind `flask heardback` commands: backups and restores (backup.py)."""
