"""Rewrites: functions from a ProcDef (and paths into it) to a new ProcDef and a cursor
forwarding function. One module per family; each rewrite's docstring states the condition
it checks. The public scheduling API (exo_core.scheduling) is a thin layer over these."""
