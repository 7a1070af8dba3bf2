"""Base-map features that belong to no domain: roads."""
