"""Generated payloads: JSON Schema to hypothesis strategies, valid and labelled invalid.

The only part that imports hypothesis (`strategies.py` is its public face); `schema_tools.py` and
`sources.py` stay hypothesis-free so the plugin can use them in every session.
May import: `_core` and `_runtime.validation` (every generated value is checked by the project
validator). Must never import `_wire`, `_offline`, `_server`, `_harness`, pytest or vcrpy.
"""
