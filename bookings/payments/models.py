"""payments models (filled in by the payments issue)."""
