"""Cluster mode: NATS adapters of the domain's ports, so that several Steppe nodes on one
PostgreSQL database act as one back office (presence, command routing, events, cache news).

Nothing here is imported unless `STEPPE_CLUSTER_URL` is set: the embedded default (one process,
SQLite, no broker) never loads `nats`.
"""
