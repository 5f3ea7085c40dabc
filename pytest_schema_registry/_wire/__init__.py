"""The wire: `RegistryClient` turns HTTP into models and HTTP failures into the error tree.

A registry dialect (the seed's track API today; Confluent's REST API next) lives here, as a module
beside `client.py`, returning the same models so nothing above it changes.
May import: `_core` and httpx/anyio. Must never import `_runtime`, `_offline`, `_server`,
`_generation`, `_harness`, pytest, hypothesis or vcrpy: services load it at runtime.
"""
