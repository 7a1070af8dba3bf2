"""The composition root of landgis: ``create_app()`` and the ``landgis`` CLI."""
