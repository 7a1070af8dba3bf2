"""Side-by-side benchmarks: each module measures landgis and a named peer in the same run."""
