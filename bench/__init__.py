"""The benchmark harness: ``make bench`` (full) and ``make bench-quick`` (smoke-sized). See bench/README.md."""
