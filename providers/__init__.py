"""providers domain package."""
