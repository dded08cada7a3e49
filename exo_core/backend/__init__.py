"""The C backend: ``compile_procs`` writes a .c/.h pair, ``compile_procs_to_strings``
returns them. Procedures (or their ProcDefs) in the list are public; everything they call
is emitted once as a ``static`` function; instrs expand their C templates at each call.

Modules: ``compile`` (driver, file layout), ``library`` (per-library state: context struct,
window structs, helpers), ``analyses`` (call closure, write sets, restrict, frees),
``emit_stmts`` / ``emit_exprs`` / ``calls`` (the emitter), ``intervals`` (sign reasoning for
floor division), ``cexpr`` (C expression trees), ``naming`` (C types and identifiers).
"""

from .compile import compile_procs, compile_procs_to_strings

__all__ = ["compile_procs", "compile_procs_to_strings"]
