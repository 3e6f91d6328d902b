"""gunicorn config of the api role (``-c python:mortar_api.gunicorn_conf``): the metrics
hooks of mortar_contract.metrics (a no-op unless the role has a metrics port)."""

from mortar_contract.metrics import gunicorn_hooks

on_starting, when_ready, child_exit = gunicorn_hooks("api")
