"""One C function per proc: signature, preconditions, statements."""

from __future__ import annotations

import re

from ..ir.nodes import (
    Alloc,
    Assign,
    BinOp,
    Call,
    Const,
    For,
    Free,
    If,
    Interval,
    Pass,
    ProcDef,
    Reduce,
    StrideExpr,
    WindowStmt,
    WriteConfig,
)
from ..ir.types import SIZE, ScalarType, Tensor
from ..memory import DRAM
from . import cexpr as cx
from .analyses import insert_frees, value_uses, window_parents
from .calls import CallEmitter
from .emit_exprs import ExprEmitter
from .intervals import RangeEnv, dense_strides_positive
from .irtext import expr_text, type_text
from .library import Library
from .naming import Scopes, scalar_ctype

_RESTRICT = "\x00restrict\x00"  # `restrict` in the .c, EXO_RESTRICT in the header (C++)


class ProcEmitter(ExprEmitter, CallEmitter):
    def __init__(self, proc: ProcDef, lib: Library, public: bool):
        self.proc, self.lib, self.public = proc, lib, public
        taken = set(lib.proc_names) | {proc.name}
        if lib.ctxt_type:
            taken.add(lib.ctxt_type)
        self.names = Scopes(taken)
        self.kinds: dict = {}
        self.types: dict = {}
        self.mems: dict = {}
        self.win_const: dict = {}
        self.static_strides: dict = {}
        self.known_strides: dict = {}
        self.ranges = RangeEnv()
        self.cur_srcinfo = None
        self.written = lib.writes.written(proc)
        self.value_used = value_uses(proc)
        self._lines: list[str] = []
        self._indent = 1

    def c_name(self, sym) -> str:
        return self.names.env.get(sym, sym.name)

    def line(self, text: str):
        if not text:
            return
        for ln in text.split("\n"):
            self._lines.append("    " * self._indent + ln)

    # --- signature --------------------------------------------------------------------

    def _params(self) -> tuple[list[str], list[str]]:
        decls, comments = [], []
        restrictable = self.lib.restrict.get(id(self.proc), set())
        for a in self.proc.args:
            t = a.type
            name = self.names.bind(a.name)
            self.types[a.name] = t
            self.mems[a.name] = a.mem or DRAM
            if not t.is_numeric():
                self.kinds[a.name] = "control"
                if t == SIZE:
                    self.ranges.set(a.name, (1, None))
                decls.append(f"{scalar_ctype(t)} {name}")
                comments.append(f"{name} : {t}")
                continue
            is_const = a.name not in self.written
            const = "const " if is_const else ""
            if isinstance(t, ScalarType):
                self.kinds[a.name] = "scalar_param"
                decls.append(f"{const}{scalar_ctype(t)}* {name}")
            elif t.is_window:
                self.kinds[a.name] = "window"
                self.win_const[a.name] = is_const
                struct = self.lib.window_struct(t.base, len(t.hi), is_const)
                decls.append(f"struct {struct} {name}")
            else:
                self.kinds[a.name] = "tensor"
                dense_strides_positive(self.ranges, a.name, t)
                restrict = f"{_RESTRICT} " if a.name in restrictable else ""
                decls.append(f"{const}{scalar_ctype(t)}* {restrict}{name}")
            comments.append(f"{name} : {type_text(t, self.c_name)} @{self.mems[a.name].name()}")
        return decls, comments

    def _preconditions(self):
        stride_preds, others = [], []
        for p in self.proc.preds:
            if isinstance(p, Const):
                continue
            (stride_preds if _stride_fact(p) else others).append(p)
        for p in stride_preds:
            se, c = _stride_fact(p)
            self.known_strides[(se.name, se.dim)] = cx.Const(c)
            if c >= 1:
                self.ranges.mark_positive_stride(se.name, se.dim)
            self.line(f"// assert {expr_text(p, 0, self.c_name)}")
        for p in others:
            self.ranges.assume(p)
        for p in others:
            self.line(f"EXO_ASSUME({self.cond(p)});")

    def emit(self) -> tuple[str, str]:
        """(prototype, definition). A public prototype goes to the header, so it spells
        `restrict` as EXO_RESTRICT, which C++ compilers understand too."""
        ctxt = self.lib.ctxt_decl
        decls, comments = self._params()
        self._preconditions()
        body = insert_frees(self.proc.body, window_parents(self.proc))
        self.block(body)

        used_text = _code_only("\n".join(self._lines))
        unused = [n for n in ["ctxt"] + [self.names[a.name] for a in self.proc.args]
                  if not re.search(rf"\b{re.escape(n)}\b", used_text)]
        prologue = [f"    (void) {n};" for n in unused]

        params = ", ".join([ctxt] + decls)
        comment = (
            f"// {self.proc.name}(\n"
            + "".join(f"//     {c}{',' if i + 1 < len(comments) else ''}\n" for i, c in enumerate(comments))
            + "// )\n"
        )
        static = "" if self.public else "static "
        api = f"{self.lib.lib_name.upper()}_API " if self.public else ""
        head = f"{static}void {self.proc.name}({params})"
        proto = comment + api + head.replace(_RESTRICT, "EXO_RESTRICT" if self.public else "restrict") + ";\n"
        definition = (
            comment + head.replace(_RESTRICT, "restrict") + " {\n"
            + "".join(ln + "\n" for ln in prologue + self._lines)
            + "}\n"
        )
        return proto, definition

    # --- statements -------------------------------------------------------------------

    def block(self, stmts):
        for s in stmts:
            self.cur_srcinfo = s.srcinfo
            self.stmt(s)

    def scoped_block(self, stmts):
        self.names.push()
        self._indent += 1
        self.block(stmts)
        self._indent -= 1
        self.names.pop()

    def stmt(self, s):
        if isinstance(s, Pass):
            self.line("; // NO-OP")
        elif isinstance(s, (Assign, Reduce)):
            lhs = self.element(s.name, s.idx)
            rhs = self.rhs(s.rhs, s.type.basetype())
            mem = self.mems[s.name]
            self.line(mem.write(s, lhs, rhs) if isinstance(s, Assign) else mem.reduce(s, lhs, rhs))
        elif isinstance(s, WriteConfig):
            ref = self.config_ref(s)
            ft = s.config.lookup_type(s.field)
            rhs = self.rhs(s.rhs, ft) if isinstance(ft, ScalarType) else self.cond(s.rhs)
            self.line(f"{ref} = {rhs};")
        elif isinstance(s, If):
            self.line(f"if ({self.cond(s.cond)}) {{")
            self.scoped_block(s.body)
            if s.orelse:
                self.line("} else {")
                self.scoped_block(s.orelse)
            self.line("}")
        elif isinstance(s, For):
            self.emit_for(s)
        elif isinstance(s, Alloc):
            self.emit_alloc(s)
        elif isinstance(s, Free):
            t = s.type
            shape = [cx.show(self.control(h)) for h in t.hi] if isinstance(t, Tensor) else []
            self.line((s.mem or DRAM).free(self.names[s.name], scalar_ctype(t), shape, s.srcinfo))
        elif isinstance(s, WindowStmt):
            self.emit_window_stmt(s)
        elif isinstance(s, Call):
            self.emit_call(s)
        else:
            raise AssertionError(f"unknown statement {type(s).__name__}")

    def emit_for(self, s: For):
        lo, hi = cx.show(self.control(s.lo)), cx.show(self.control(s.hi))
        lo_iv, hi_iv = self.ranges.of(s.lo), self.ranges.of(s.hi)
        self.names.push()
        it = self.names.bind(s.iter)
        self.kinds[s.iter] = "control"
        self.ranges.set(s.iter, (lo_iv[0], None if hi_iv[1] is None else hi_iv[1] - 1))
        if s.loop_mode == "par":
            # Guarded so that builds without -fopenmp stay free of -Wunknown-pragmas.
            self._lines += ["#ifdef _OPENMP", "#pragma omp parallel for", "#endif"]
        self.line(f"for (int_fast32_t {it} = {lo}; {it} < {hi}; {it}++) {{")
        self._indent += 1
        self.block(s.body)
        self._indent -= 1
        self.names.pop()
        self.line("}")

    def emit_alloc(self, s: Alloc):
        t = s.type
        shape = [cx.show(self.control(h)) for h in t.hi] if isinstance(t, Tensor) else []
        name = self.names.bind(s.name)
        self.types[s.name] = t
        mem = s.mem or DRAM
        self.mems[s.name] = mem
        self.kinds[s.name] = "tensor" if isinstance(t, Tensor) else "scalar"
        if isinstance(t, Tensor):
            dense_strides_positive(self.ranges, s.name, t)
        text = mem.alloc(name, scalar_ctype(t), shape, s.srcinfo)
        self.line(text)
        if s.name not in self.value_used and re.search(rf"\b{re.escape(name)}\b", text):
            self.line(f"(void) {name};")  # written-only buffers: -Wunused-but-set-variable

    def emit_window_stmt(self, s: WindowStmt):
        src = s.rhs.name
        is_const = s.name not in self.written
        lit, _ = self.window_literal(src, s.rhs.idx, is_const)
        src_strides = self.strides_of(src)
        name = self.names.bind(s.name)
        t = s.rhs.type
        struct = self.lib.window_struct(t.base, len(t.hi), is_const)
        self.types[s.name] = t
        self.kinds[s.name] = "window"
        self.mems[s.name] = self.mems[src]
        self.win_const[s.name] = is_const
        # The view's strides are its source's, so constant strides stay constant.
        self.static_strides[s.name] = [st for st, w in zip(src_strides, s.rhs.idx) if isinstance(w, Interval)]
        self.line(f"struct {struct} {name} = {lit};")
        if s.name not in self.value_used:
            self.line(f"(void) {name};")


def _stride_fact(p):
    """``(StrideExpr, c)`` for a precondition ``stride(x, d) == c`` (either side)."""
    if not isinstance(p, BinOp) or p.op != "==":
        return None
    for a, b in ((p.lhs, p.rhs), (p.rhs, p.lhs)):
        if isinstance(a, StrideExpr) and isinstance(b, Const) and not isinstance(b.val, bool):
            return a, int(b.val)
    return None


def _code_only(text: str) -> str:
    """Drop `//` comments and member names (`.x`, `->x`) before looking for identifiers."""
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"(\.|->)\s*\w+", "", text)
