"""The embedded registry: a folder of schemas served over the registry API (stdlib HTTP server).

Two dialects over one folder: `routes.py` answers the seed API from `SchemaFolder`
(`folder.py`, `DIR/{track}/{name}/{version}.json`); `confluent_routes.py` (reads) and
`confluent_writes.py` answer Confluent's REST API from `SubjectStore` (`confluent_store.py`,
`DIR/subjects/{subject}/{version}.json`, ids from `confluent_ids.py`, schemas read by
`confluent_schema.py`). `handler.py` dispatches on `RegistryServer.dialect`.
May import: `_core` and `_compat` (the checker behind `/compat/check` and the upload gate, so
the registry's verdicts are the very ones the CLI and the plugin compute; it shares no HTTP
code with the client and runs each check in a helper process). Must never import `_wire` or
`_runtime` (a server that shares the client's code could hide a wire bug both sides agree on),
nor `_offline`, `_generation`, `_harness`, pytest, hypothesis or vcrpy.
"""
