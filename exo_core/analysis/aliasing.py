"""The no-aliasing rule for calls.

One buffer (after resolving window statements to their source) may not be passed to two
numeric parameters of one call, even as disjoint windows: the callee's analyses and its
C code assume its buffer parameters do not overlap. A numeric config field passed as a
data argument may not also be accessed by the callee (it would be a second, hidden name
for the same location).
"""

from __future__ import annotations

from ..errors import TypeCheckError
from ..ir.nodes import NULL_SRC, Call, For, If, ProcDef, Read, ReadConfig, WindowExpr, WindowStmt
from ..ir.types import ControlType
from .effects import proc_effects


def check_aliasing(proc: ProcDef) -> None:
    """Raise ``TypeCheckError`` at the first call passing aliased arguments."""
    _block(proc, proc.body, {})


def _block(proc, stmts, roots: dict) -> None:
    for s in stmts:
        t = type(s)
        if t is WindowStmt:
            roots[s.name] = roots.get(s.rhs.name, s.rhs.name)
        elif t is For:
            _block(proc, s.body, roots)
        elif t is If:
            _block(proc, s.body, roots)
            _block(proc, s.orelse, roots)
        elif t is Call:
            _call(proc, s, roots)


def _call(proc, s: Call, roots: dict) -> None:
    src = s.srcinfo if s.srcinfo != NULL_SRC else proc.srcinfo
    seen: dict = {}
    eff = None
    for p, a in zip(s.proc.args, s.args):
        if isinstance(p.type, ControlType):
            continue
        if type(a) is ReadConfig:
            eff = eff or proc_effects(s.proc)
            key = (a.config, a.field)
            if key in eff.cfg_reads or key in eff.cfg_writes:
                raise TypeCheckError(
                    f"config field {a.config.name()}.{a.field} is passed to '{p.name.name}' of "
                    f"{s.proc.name}, which also accesses {a.config.name()}.{a.field}: "
                    "arguments may not alias", src)
            continue
        if type(a) not in (Read, WindowExpr):
            continue
        root = roots.get(a.name, a.name)
        other = seen.get(root)
        if other is not None:
            raise TypeCheckError(
                f"buffer {root.name} is passed to both '{other.name}' and '{p.name.name}' of "
                f"{s.proc.name}: arguments may not alias", src)
        seen[root] = p.name
