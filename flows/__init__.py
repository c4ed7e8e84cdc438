"""Prefect flows: thin orchestration over the crawler, pipeline and report functions.

Import ``presswatch.config.configure_prefect(settings)`` before importing this package, so Prefect's
home, telemetry and start-up settings are in place."""
