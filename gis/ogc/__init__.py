"""OGC API Features (Parts 1-4) over the registered collections, under /ogc.

- ``api``: landing page, conformance, collections, queryables, items, single items
  (GeoJSON or HTML); ``api_write``: Part 4 create / replace / update / delete through the
  collection's :class:`gis.collections.CollectionEditor` with ETag / If-Match.
- ``repository``: the SQL. PostGIS builds each Feature's JSON text and the page is one
  ``string_agg``; Python only wraps it with links (no per-feature work in Python).
- ``crs``: Part 2. CRS84 (default) is lon/lat; EPSG:4490, 4326 and 4547 are written and
  read north-first as their EPSG definitions say; ``Content-Crs`` names the CRS.
- ``cql``: Part 3. pygeofilter parses CQL2 text / JSON; the AST becomes SQL on the
  collection's published columns only, every literal a bound parameter.
  Temporal T_BEFORE / T_AFTER / T_DURING / T_INTERSECTS on date properties; ``cql_text``
  adds CQL2's function form of the T_ operators to pygeofilter's text grammar.
- ``params``: bbox, bbox-crs, datetime, limit, offset, ``sortby`` (Part 8; keys from the
  collection's own property list, the id appended as tie-breaker so pages never overlap;
  ``/sortables`` lists them) and ``properties`` (Part 6; PostGIS builds the JSON of the
  subset); bad values are HTTP 400 naming the parameter (``errors.InvalidParameter``).
"""
