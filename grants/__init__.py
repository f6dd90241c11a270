"""grants domain package."""
