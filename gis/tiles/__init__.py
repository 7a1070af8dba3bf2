"""Vector tiles (MVT from PostGIS), OGC API Tiles, TileJSON and the tile cache."""
