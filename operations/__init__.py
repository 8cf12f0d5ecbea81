"""Jobs that run several domains in order, behind `flask heardback` commands: the tick (tick.py:
everything time makes due) and backups and restores (backup.py)."""
