"""OCPI 2.2.1 as a charge point operator: the endpoints partners call, the client that calls
them, and the worker that sends the queued pushes."""
