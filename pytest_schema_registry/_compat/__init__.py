"""Compatibility verdicts between two schema versions, each proven by a payload or left unknown.

`engine.py` asks jsonschema-rs's schema algebra whether one schema covers the other and draws a
counterexample from their difference; `confluent.py` lists the differences the way Confluent's
registry names them and predicts its STRICT or LENIENT answer.
May import: `_core`, `_runtime.validation` (every counterexample is checked by the project
validator) and `_generation` (counterexamples are drawn by the project's own generator). Must never
import `_wire`, `_offline`, `_server`, `_harness`, pytest or vcrpy.
"""
