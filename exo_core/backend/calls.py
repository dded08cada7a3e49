"""Calls: argument passing (pointers for scalars, structs for windows, promotion of dense
tensors to windows), memory compatibility, and instr template expansion."""

from __future__ import annotations

from ..errors import CodegenError, MemGenError
from ..ir.nodes import Call, Const, Interval, Read, ReadConfig, WindowExpr
from ..ir.types import INT, ScalarType, Tensor
from ..memory import DRAM, Memory
from . import cexpr as cx


def _default_window(mem) -> bool:
    return getattr(mem.window, "__func__", None) is Memory.window.__func__


class CallEmitter:
    """Mixin for ProcEmitter (see emit_exprs.ExprEmitter for the attributes it expects)."""

    # --- windows ----------------------------------------------------------------------

    def window_literal(self, sym, idx, is_const: bool) -> tuple[str, str]:
        """``(struct exo_win_...){ &data, { strides } }`` for ``sym[idx]`` (``idx`` None:
        the whole buffer), and the memory's element expression for the window's origin."""
        typ = self.types[sym]
        n = len(typ.hi)
        if idx is None:
            idx = tuple(Interval(_zero(), h) for h in typ.hi)
        lows = [self.control(w.lo if isinstance(w, Interval) else w.pt) for w in idx]
        strides = self.strides_of(sym)
        assert len(idx) == n
        mem = self.mems[sym]
        name = self.names[sym]
        if _default_window(mem):
            off = cx.Const(0)
            for lo, s in zip(lows, strides):
                off = cx.binop("+", off, cx.binop("*", lo, s))
            base = f"{name}.data" if typ.is_window else name
            data = f"{base}[{cx.show(off)}]"
        else:
            data = mem.window(typ, name, [cx.show(x) for x in lows], [cx.show(s) for s in strides],
                              self.cur_srcinfo)
        kept = [cx.show(s) for s, w in zip(strides, idx) if isinstance(w, Interval)]
        struct = self.lib.window_struct(typ.base, len(kept), is_const)
        return f"(struct {struct}){{ &{data}, {{ {', '.join(kept)} }} }}", data

    # --- arguments --------------------------------------------------------------------

    def call_arg(self, a, fa, callee, i) -> tuple[str, str, str]:
        """(C expression for the parameter, `_data` text, `_int` text)."""
        ftyp = fa.type
        if not ftyp.is_numeric():
            text = cx.show(self.control(a))
            return text, f"({text})", text
        if isinstance(a, ReadConfig):
            ref = self.config_ref(a)
            return f"&{ref}", f"(&{ref})", ref
        sym = a.name
        name = self.names[sym]
        kind = self.kinds[sym]
        if isinstance(ftyp, ScalarType):
            if isinstance(a, Read) and a.idx:
                text = f"&{self.element(sym, a.idx)}"
            elif kind == "scalar_param":
                text = name
            elif kind == "scalar":
                text = f"&{name}"
            else:
                raise CodegenError(f"cannot pass buffer '{sym.name}' as the scalar '{fa.name.name}'",
                                   self.cur_srcinfo)
            return text, f"({text})", name
        assert isinstance(ftyp, Tensor)
        if not ftyp.is_window:
            if kind != "tensor" or not isinstance(a, Read):
                raise CodegenError(
                    f"argument '{fa.name.name}' of {callee.name} is a dense tensor; cannot pass "
                    f"the window '{sym.name}'",
                    self.cur_srcinfo,
                )
            return name, f"({name})", name
        is_const = not self.lib.writes.param_written(callee, i)
        if isinstance(a, WindowExpr):
            lit, data = self.window_literal(sym, a.idx, is_const)
            return lit, data, name
        if kind == "window":
            if self.win_const[sym] == is_const:
                text = name
            else:
                # A writable window passed to a read-only parameter: the struct types differ.
                n = len(self.types[sym].hi)
                struct = self.lib.window_struct(self.types[sym].base, n, is_const)
                strides = ", ".join(f"{name}.strides[{d}]" for d in range(n))
                text = f"(struct {struct}){{ {name}.data, {{ {strides} }} }}"
            _, data = self.window_literal(sym, None, is_const)
            return text, data, name
        # A dense tensor where a window is expected: pass a window of the whole buffer.
        lit, data = self.window_literal(sym, None, is_const)
        return lit, data, name

    def check_memories(self, s: Call):
        for a, fa in zip(s.args, s.proc.args):
            if not fa.type.is_numeric() or not isinstance(a, (Read, WindowExpr)):
                continue
            want = fa.mem or DRAM
            have = self.mems[a.name]
            if not (isinstance(have, type) and issubclass(have, want)):
                raise MemGenError(
                    f"{s.proc.name} expects argument '{fa.name.name}' in memory {want.name()}, but "
                    f"'{a.name.name}' is in memory {have.name()}",
                    s.srcinfo,
                )

    # --- the call ---------------------------------------------------------------------

    def emit_call(self, s: Call):
        callee = s.proc
        if len(s.args) != len(callee.args):
            raise CodegenError(f"{callee.name} takes {len(callee.args)} arguments, got {len(s.args)}",
                               s.srcinfo)
        self.check_memories(s)
        parts = [self.call_arg(a, fa, callee, i) for i, (a, fa) in enumerate(zip(s.args, callee.args))]
        if callee.instr is None:
            args = ", ".join(["ctxt"] + [p[0] for p in parts])
            self.line(f"{callee.name}({args});")
            return
        fields = {}
        for fa, (text, data, raw) in zip(callee.args, parts):
            nm = fa.name.name
            fields[nm] = f"({text})"
            fields[f"{nm}_data"] = data
            fields[f"{nm}_int"] = raw
        try:
            code = callee.instr.c_instr.format(**fields)
        except (KeyError, IndexError, ValueError) as err:
            raise CodegenError(
                f"instr {callee.name}: cannot expand its C template ({type(err).__name__}: {err}); "
                f"placeholders are the argument names, with _data / _int variants, and literal "
                f"braces are doubled",
                s.srcinfo,
            ) from None
        for ln in code.split("\n"):
            self.line(ln)


def _zero():
    return Const(0, INT)
