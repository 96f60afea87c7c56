"""Mimika boundaries: loading, point assignment, tile grid, choropleth classes and display GeoJSON."""
