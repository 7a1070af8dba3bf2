"""Land-planning layers: zoning, basic-farmland protection, development boundary, red lines."""
