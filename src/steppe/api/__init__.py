"""The operator REST API (FastAPI): thin routers over the domain services."""
