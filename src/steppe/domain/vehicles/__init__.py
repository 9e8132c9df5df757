"""Vehicles: the catalogue of cars by market variant, and which connectors each can use."""
