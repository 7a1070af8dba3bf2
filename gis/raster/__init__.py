"""Remote sensing: raster import to COG, the catalogue, raster tiles, change detection."""
