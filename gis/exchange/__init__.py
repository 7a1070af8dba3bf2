"""Reading and writing vector files (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, CSV, DXF)."""
