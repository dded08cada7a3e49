"""Procedures built directly as LoopIR, with hand-written C standing in for the backend.

They let the JIT's building, caching, argument checks and configs be tested on their own;
``fake_backend`` replaces ``exo_core.compile_procs_to_strings`` for procedures listed here.
"""

from __future__ import annotations

from exo_core import Config, Procedure
from exo_core.ir import (
    BOOL,
    F16,
    F32,
    INDEX,
    INT,
    SIZE,
    Assign,
    BinOp,
    Const,
    FnArg,
    ProcDef,
    Read,
    StrideExpr,
    Sym,
    Tensor,
)
from exo_core.memory import DRAM

PROLOGUE = """#pragma once
#ifndef {G}_H
#define {G}_H
#ifdef __cplusplus
extern "C" {{
#endif
#include <stdint.h>
#include <stdbool.h>
// Compiler feature macros adapted from Hedley (public domain)
#if defined(__has_builtin)
#  define EXO_HAS_BUILTIN(builtin) __has_builtin(builtin)
#else
#  define EXO_HAS_BUILTIN(builtin) (0)
#endif
#if EXO_HAS_BUILTIN(__builtin_assume)
#  define EXO_ASSUME(expr) __builtin_assume(expr)
#elif EXO_HAS_BUILTIN(__builtin_unreachable)
#  define EXO_ASSUME(expr) \\
      ((void)((expr) ? 1 : (__builtin_unreachable(), 1)))
#else
#  define EXO_ASSUME(expr) ((void)(expr))
#endif
"""
EPILOGUE = """
#ifdef __cplusplus
}}
#endif
#endif  // {G}_H
"""
WIN = """#ifndef EXO_WIN_1F32
#define EXO_WIN_1F32
struct exo_win_1f32{
    float * const data;
    const int_fast32_t strides[1];
};
#endif
"""


def header(stem: str, body: str) -> str:
    g = stem.upper()
    return PROLOGUE.format(G=g) + body + EPILOGUE.format(G=g)


# scale(n: size, x: f32[n], y: [f32][n], a: f32):  assert n <= 16 and stride(y, 0) >= 1;  y[i] = x[i] * a
n, x, y, a = Sym("n"), Sym("x"), Sym("y"), Sym("a")
_rn = Read(n, (), SIZE)
SCALE = Procedure(ProcDef(
    "scale",
    (FnArg(n, SIZE), FnArg(x, Tensor((_rn,), False, F32), DRAM), FnArg(y, Tensor((_rn,), True, F32), DRAM),
     FnArg(a, F32, DRAM)),
    (BinOp("<=", _rn, Const(16, INT), BOOL), BinOp(">=", StrideExpr(y, 0, INDEX), Const(1, INT), BOOL)),
    (Assign(y, F32, (Const(0, INT),), Read(a, (), F32)),),
))
SCALE_SIG = "void scale( void *ctxt, int_fast32_t n, const float* x, struct exo_win_1f32 y, const float* a )"
SCALE_C = SCALE_SIG + """ {
EXO_ASSUME(n <= 16);
for (int_fast32_t i = 0; i < n; i++) {
  y.data[i * y.strides[0]] = x[i] * *a;
}
}
"""

# accum(n: size, x: f32[n], out: f32):  out += sum(x)   (a written scalar)
n2, x2, out = Sym("n"), Sym("x"), Sym("out")
ACCUM = Procedure(ProcDef(
    "accum",
    (FnArg(n2, SIZE), FnArg(x2, Tensor((Read(n2, (), SIZE),), False, F32), DRAM), FnArg(out, F32, DRAM)),
    (),
    (Assign(out, F32, (), Read(x2, (Const(0, INT),), F32)),),
))
ACCUM_SIG = "void accum( void *ctxt, int_fast32_t n, const float* x, float* out )"
ACCUM_C = ACCUM_SIG + """ {
for (int_fast32_t i = 0; i < n; i++) *out += x[i];
}
"""

# set_cfg(n: size, h: f16[1]): Cfg.len = n; Cfg.on = true; Cfg.scale *= 2; h[0] = Cfg.half
CFG = Config("Cfg", [("scale", F32), ("len", INDEX), ("on", BOOL), ("half", F16)])
n3, h3 = Sym("n"), Sym("h")
SET_CFG = Procedure(ProcDef(
    "set_cfg", (FnArg(n3, SIZE), FnArg(h3, Tensor((Const(1, INT),), False, F16), DRAM)), (),
    (Assign(h3, F16, (Const(0, INT),), Const(0.0, F16)),),
))
SET_CFG_CTX = """typedef struct set_cfg_Context {
    struct Cfg {
        float scale;
        int_fast32_t len;
        bool on;
        _Float16 half;
    } Cfg;
} set_cfg_Context;
"""
SET_CFG_SIG = "void set_cfg( set_cfg_Context *ctxt, int_fast32_t n, _Float16* h )"
SET_CFG_C = SET_CFG_SIG + """ {
ctxt->Cfg.len = n;
ctxt->Cfg.on = true;
ctxt->Cfg.scale *= 2.0f;
h[0] = ctxt->Cfg.half;
}
"""

SOURCES = {
    "scale": (WIN + "// scale(n: size, x: f32[n] @DRAM, y: [f32][n] @DRAM, a: f32 @DRAM)\n" + SCALE_SIG + ";\n",
              SCALE_C),
    "accum": (ACCUM_SIG + ";\n", ACCUM_C),
    "set_cfg": (SET_CFG_CTX + SET_CFG_SIG + ";\n", SET_CFG_C),
}


def fake_backend(overrides: dict | None = None):
    """A stand-in for ``compile_procs_to_strings`` knowing the procedures above."""
    table = {**SOURCES, **(overrides or {})}

    def compile_procs_to_strings(procs, h_name):
        (p,) = procs
        stem = h_name[:-2]
        decls, body = table[p.name()]
        return f'#include "{h_name}"\n#include <stdlib.h>\n' + body, header(stem, decls)

    return compile_procs_to_strings
