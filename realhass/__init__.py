"""A real Home Assistant process on 127.0.0.1 with Ampwise, driven over its HTTP API.

Used by `scripts/hass-smoke` (and the tests that call it) to prove the integration loads and
configures through its real flows in a real `hass`, with nothing in the log from our code.
"""
