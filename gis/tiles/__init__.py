"""Vector tiles (MVT from PostGIS), OGC API Tiles, TileJSON and the tile cache.

- ``api``: ``/ogc/tileMatrixSets[/WebMercatorQuad]``, ``/ogc/collections/{id}/tiles
  [/WebMercatorQuad[/tilejson.json|/{tileMatrix}/{tileRow}/{tileCol}]]`` (one layer per registered
  collection), ``/ogc/tiles[...]`` (the base map: every public collection, or those
  named in ``?collections=a,b``) and the preview page ``/maps/tiles``.
- ``repository``: the one-statement MVT query (EPSG:4490 -> 3857, simplified below z13,
  feature limit and undrawable features reported in ``X-Tile-Truncated`` /
  ``X-Tile-Too-Small``) and the change-log reads.
- ``cache`` + ``freshness``: memory LRU and optional disk cache (``LANDGIS_TILE_CACHE_DIR``)
  kept exact by the ``tile_change`` log that migration ``0007_tiles`` fills by trigger.
  Each tracked table has its own log lock (``0012_tiles_locks``): its edits commit in
  sequence order, writers of different tables never wait for each other, and readers
  keep one mark per table. The log and the disk tiles are pruned (``tile_change_keep_hours``,
  ``tile_cache_disk_max_days``, ``tile_cache_disk_max_bytes``).
  Another domain tracks its table in its own migration (``depends_on = "0007_tiles"``)::

      op.execute("SELECT tile_change_track('land_listing', 'geom')")

- ``gis.web.maps.add_vector_basemap(fmap, layers)`` draws these tiles in a folium map
  with the vendored Leaflet.VectorGrid (no CDN).
"""
