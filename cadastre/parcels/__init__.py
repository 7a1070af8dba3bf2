"""Parcel reads and edits (split, merge, boundary adjustment) under PostGIS topology rules."""
