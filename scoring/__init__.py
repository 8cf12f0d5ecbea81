"""The responsiveness score of DESIGN.md §6 as pure functions (no database, no Flask)."""
