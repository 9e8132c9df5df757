"""Benchmarks of Steppe against the peers it is measured with, and the soak run."""
