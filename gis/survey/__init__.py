"""Surveyors' data: GNSS points and tracks, boundary-point surveys, accuracy classes."""
