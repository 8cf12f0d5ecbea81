"""Reviews: one candidate's account of one hiring process (DESIGN.md §3-4)."""
