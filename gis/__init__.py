"""The spatial platform: settings, database, CRS, errors, auth, imports, tiles, OGC API, maps."""
