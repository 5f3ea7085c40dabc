"""Generated payloads: JSON Schema to hypothesis strategies, valid and labelled invalid.

`builder.py` builds valid values by construction, `breaks.py` lists single-constraint breaks,
`payloads.py` caches a strategy per schema behind the project validator, and `strategies.py` (at
the package root) is the public face. The part and that face are the only hypothesis importers;
`schema_tools.py`, `recursion.py`, `breaks.py`, `examples.py` and `sources.py` stay
hypothesis-free so the plugin can load `sources.py` and `examples.py` in every session.
`coverage.py` makes the deterministic coverage examples and puts them ahead of random draws.
May import: `_core` and `_runtime.validation` (every generated value is checked by the project
validator). Must never import `_wire`, `_offline`, `_server`, `_harness`, pytest or vcrpy.
"""
