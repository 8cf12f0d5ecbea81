"""The responsiveness score of DESIGN.md §6.

A pure core of plain functions, with no database and no Flask (engine, figures, rules, params,
vocabulary, bias: tests/unit/test_architecture.py keeps it so), and the site's side of it: the
stored statistics rows (stats, models), the presumed-ghosted rule on a review (ghosting) and the
methodology page (methodology).
"""
