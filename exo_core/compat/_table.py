"""Which exo-core object answers each ``exo`` module and name (docs/compat.md shows this table).

An entry is either a list of exo-core modules to alias (the first that exists wins; an
unmodified Exo program sees that module's names) or a dict of names to ``"module:attr"``
references (resolved on import). ``PACKAGES`` are the Exo names that have submodules.
"""

from __future__ import annotations

_CORE = "exo_core"

MODULES: dict[str, list[str] | dict[str, str]] = {
    "exo": {
        "proc": "exo_core:proc",
        "instr": "exo_core:instr",
        "config": "exo_core:config",
        "Procedure": "exo_core:Procedure",
        "compile_procs": "exo_core:compile_procs",
        "compile_procs_to_strings": "exo_core:compile_procs_to_strings",
        "Config": "exo_core:Config",
        "Memory": "exo_core:Memory",
        "Extern": "exo_core:Extern",
        "DRAM": "exo_core:DRAM",
        "SchedulingError": "exo_core:SchedulingError",
        "ParseFragmentError": "exo_core:ParseFragmentError",
        "ExoType": "exo_core.cursors:ExoType",
        "stdlib": "@exo.stdlib",
        "__version__": "exo_core:__version__",
    },
    "exo.API": {
        "proc": "exo_core:proc",
        "instr": "exo_core:instr",
        "config": "exo_core:config",
        "Procedure": "exo_core:Procedure",
        "compile_procs": "exo_core:compile_procs",
        "compile_procs_to_strings": "exo_core:compile_procs_to_strings",
    },
    "exo.libs": {},
    "exo.libs.memories": {
        "Memory": "exo_core.memory:Memory",
        "DRAM": "exo_core.memory:DRAM",
        "DRAM_STATIC": "exo_core.memory:DRAM_STATIC",
        "DRAM_STACK": "exo_core.memory:DRAM_STACK",
        "MemGenError": "exo_core.errors:MemGenError",
        "generate_offset": "exo_core.memory:generate_offset",
    },
    "exo.libs.externs": {
        name: f"exo_core.extern:{name}" for name in ("sin", "relu", "select", "expf", "fmaxf", "sigmoid", "sqrt")
    },
    "exo.core": {},
    "exo.core.memory": {
        "Memory": "exo_core.memory:Memory",
        "DRAM": "exo_core.memory:DRAM",
        "MemGenError": "exo_core.errors:MemGenError",
        "generate_offset": "exo_core.memory:generate_offset",
    },
    "exo.core.extern": {"Extern": "exo_core.extern:Extern", "_EErr": "exo_core.extern:_EErr"},
    "exo.core.configs": {"Config": "exo_core.config:Config", "ConfigError": "exo_core.errors:ConfigError"},
    "exo.frontend": {},
    "exo.frontend.syntax": ["exo_core.frontend.syntax"],
    "exo.API_cursors": ["exo_core.cursors"],
    "exo.API_scheduling": ["exo_core.API_scheduling", "exo_core.scheduling", "exo_core.stdlib.scheduling"],
    "exo.stdlib": ["exo_core.stdlib"],
    "exo.stdlib.scheduling": ["exo_core.stdlib.scheduling", "exo_core.scheduling"],
    "exo.stdlib.stdlib": ["exo_core.stdlib.stdlib"],
    "exo.stdlib.inspection": ["exo_core.stdlib.inspection"],
    "exo.platforms": {},
    "exo.main": {"main": "exo_core.cli:main"},
}

PACKAGES = frozenset({"exo", "exo.libs", "exo.core", "exo.frontend", "exo.stdlib", "exo.platforms"})

# Exo's cursor classes (``exo.API_cursors.__all__``) that exo-core has under the same name.
_CURSORS = (
    "Cursor", "InvalidCursor", "ArgCursor", "StmtCursor", "BlockCursor", "GapCursor", "ExprCursor",
    "ExprListCursor", "AssignCursor", "ReduceCursor", "AssignConfigCursor", "PassCursor", "IfCursor",
    "ForCursor", "AllocCursor", "CallCursor", "WindowStmtCursor", "ReadCursor", "ReadConfigCursor",
    "LiteralCursor", "UnaryMinusCursor", "BinaryOpCursor", "ExternFunctionCursor", "WindowExprCursor",
    "StrideExprCursor", "InvalidCursorError",
)

# Names an Exo module has beyond what its exo-core (or plugin) counterpart exports: Exo's
# modules re-export what they import, and programs rely on it (``from exo.stdlib.scheduling
# import *`` then ``isinstance(c, ForCursor)``; ``from exo.platforms.x86 import *`` then
# ``@instr(...)``). Added to the aliased module and to its ``__all__``.
EXTRA_NAMES: dict[str, dict[str, str]] = {
    "exo.stdlib.scheduling": {
        **{name: f"exo_core.cursors:{name}" for name in _CURSORS},
        "Procedure": "exo_core:Procedure",
        "SchedulingError": "exo_core:SchedulingError",
    },
    "exo.platforms.x86": {
        "instr": "exo_core:instr", "DRAM": "exo_core:DRAM",
        "relu": "exo_core.extern:relu", "select": "exo_core.extern:select",
    },
    "exo.platforms.neon": {"instr": "exo_core:instr", "DRAM": "exo_core:DRAM", "Memory": "exo_core:Memory"},
    "exo.platforms.rvv": {"instr": "exo_core:instr", "DRAM": "exo_core:DRAM", "Memory": "exo_core:Memory"},
    "exo.platforms.gemmini": {
        "proc": "exo_core:proc", "instr": "exo_core:instr", "config": "exo_core:config", "DRAM": "exo_core:DRAM",
        "relu": "exo_core.extern:relu", "select": "exo_core.extern:select",
    },
}

# Exo names we know about but do not provide (yet): importing them says so clearly
# instead of Python's generic "cannot import name".
MISSING_NAMES: dict[str, dict[str, str]] = {
    "exo.libs.memories": {
        "AVX2": "exo-x86", "AVX512": "exo-x86", "AMX_TILE": "",
        "GEMM_SCRATCH": "exo-gemmini", "GEMM_ACCUM": "exo-gemmini", "MDRAM": "",
    },
    "exo.core.memory": {"StaticMemory": ""},
}

# exo.platforms.<name> -> the plugin distribution expected to provide it.
PLATFORM_PLUGINS = {
    "x86": "exo-x86", "neon": "exo-neon", "rvv": "exo-rvv", "gemmini": "exo-gemmini",
    "sve_vla": "exo-sve", "sve_vls": "exo-sve",
}

DOCS = "see docs/compat.md"
