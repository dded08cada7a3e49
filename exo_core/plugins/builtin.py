"""The built-in target ``c``: portable C11 for the host, with the DRAM memories.

It is registered through the same hook as third-party targets (and declared as the ``c``
entry point of exo-core), so the host treats it like any plugin, except that it always
loads, whatever ``EXO_DISABLE_PLUGIN_AUTOLOAD`` / ``EXO_PLUGINS`` say.
"""

from __future__ import annotations

from ..memory import BUILTIN_MEMORIES
from .hookspecs import hookimpl
from .target import Target

C_TARGET = Target(
    name="c",
    description=f"portable C11 for the host ({', '.join(m.name() for m in BUILTIN_MEMORIES)})",
    memories=list(BUILTIN_MEMORIES),
    cc=None,  # $CC, else cc
    cflags=["-O2", "-std=c11"],
    runner="native",
)


@hookimpl
def exo_core_targets():
    return [C_TARGET]
