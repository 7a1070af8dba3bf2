"""Web maps: folium pages that work offline, and the static files they need."""
