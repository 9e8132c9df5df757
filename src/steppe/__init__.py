"""Steppe: the back office of a public EV charging network."""

__version__ = "0.1.0"
