"""Transport: the OCPP WebSocket server. The only package that imports `websockets`."""
