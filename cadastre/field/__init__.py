"""Offline field packages (issue 18): check out an area as a GeoPackage with a QGIS
project for QField, edit it without network, check it in without losing anything."""
