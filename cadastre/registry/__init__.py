"""The cadastral registry (LADM): parties, BAUnits, RRRs, sources, cases, journal, certificates."""
