"""Cadastral registration: parcels (spatial units), parties, rights, cases, history, journal."""
