"""State shared by every function of one generated library: the context struct, window
structs, helpers, extern globals, and the whole-library analyses."""

from __future__ import annotations

from ..errors import CodegenError
from ..ir.nodes import ProcDef
from .analyses import WriteSets, config_uses, restrict_params
from .naming import is_reserved, lib_name_of, scalar_ctype, window_struct_def, window_struct_name

HELPERS = {
    # Floor semantics for a positive divisor; C's `/` and `%` truncate toward zero.
    "exo_floor_div": (
        "static inline int_fast32_t exo_floor_div(int_fast32_t num, int_fast32_t quot) {\n"
        "    int_fast32_t off = (num >= 0) ? 0 : quot - 1;\n"
        "    return (num - off) / quot;\n"
        "}\n"
    ),
    "exo_floor_mod": (
        "static inline int_fast32_t exo_floor_mod(int_fast32_t num, int_fast32_t quot) {\n"
        "    int_fast32_t r = num % quot;\n"
        "    return (r < 0) ? r + quot : r;\n"
        "}\n"
    ),
}


class Library:
    def __init__(self, h_file_name: str, closure: list[ProcDef], public_ids: set[int]):
        self.h_file_name = h_file_name
        self.lib_name = lib_name_of(h_file_name)
        self.closure = closure
        self.public_ids = public_ids
        self.writes = WriteSets()
        self.restrict = restrict_params(closure)
        self.window_structs: dict[str, str] = {}
        self.extern_globals: dict[tuple, str] = {}
        self.configs = self._collect_configs()
        self.ctxt_type = f"{self.lib_name}_Context" if any(c.is_allow_rw() for c in self.configs) else None
        self.proc_names = {p.name for p in closure if p.instr is None}
        for p in closure:
            if p.instr is None and is_reserved(p.name) and p.name not in ("main",):
                raise CodegenError(f"proc name '{p.name}' is reserved in C", p.srcinfo)

    def _collect_configs(self) -> list:
        seen: dict[str, object] = {}
        for p in self.closure:
            for c in config_uses(p):
                other = seen.get(c.name())
                if other is not None and other is not c:
                    raise CodegenError(f"two different configs are named '{c.name()}'", p.srcinfo)
                seen[c.name()] = c
        return [seen[k] for k in sorted(seen)]

    @property
    def ctxt_decl(self) -> str:
        return f"{self.ctxt_type} *ctxt" if self.ctxt_type else "void *ctxt"

    def window_struct(self, base, ndim: int, is_const: bool) -> str:
        name = window_struct_name(base, ndim, is_const)
        if name not in self.window_structs:
            self.window_structs[name] = window_struct_def(base, ndim, is_const)
        return name

    def extern_global(self, f, prim_type: str):
        key = (f.name(), prim_type)
        if key not in self.extern_globals:
            self.extern_globals[key] = f.globl(prim_type) or ""

    def context_typedef(self) -> str:
        if self.ctxt_type is None:
            # Only readwrite=False configs (or none): nothing to store, ctxt is `void *`.
            return "\n".join(
                f"// config '{c.name()}' not materialized (readwrite=False)" for c in self.configs
            )
        lines = [f"typedef struct {self.ctxt_type} {{"]
        for c in self.configs:
            if not c.is_allow_rw():
                lines.append(f"    // config '{c.name()}' not materialized (readwrite=False)")
                continue
            lines.append(f"    struct {c.name()} {{")
            for field, t in c.fields():
                lines.append(f"        {scalar_ctype(t)} {field};")
            lines.append(f"    }} {c.name()};")
        lines.append(f"}} {self.ctxt_type};")
        return "\n".join(lines)
