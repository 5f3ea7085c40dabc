"""The runtime services run: `SchemaManager`, its cache, negotiation, validation, metrics and gate.

A new dead-letter sink goes into `sinks.py`; a new metrics backend into `metrics.py`.
May import: `_core` and `_wire`. Must never import `_offline`, `_server`, `_generation`,
`_harness`, the public faces, pytest, hypothesis or vcrpy: production imports this part.
"""
