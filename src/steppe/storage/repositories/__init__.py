"""All SQL lives here: one module per area, plain functions taking a connection."""
