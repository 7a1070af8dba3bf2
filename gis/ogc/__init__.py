"""OGC API Features (Parts 1-4) over the registered collections, under /ogc."""
