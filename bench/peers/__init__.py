"""Central systems Steppe is compared with, run as subprocesses by `bench.servers`."""
