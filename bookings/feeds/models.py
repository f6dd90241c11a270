"""feeds models (filled in by the feeds issue)."""
