"""providers models."""
