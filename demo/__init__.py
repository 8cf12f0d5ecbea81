"""Demo data: clearly fictional employers and reviews for trying the site and for benchmarks."""
