"""Cursors: stable references into a procedure (Exo's ``exo.API_cursors``).

A cursor is ``(procedure, path)``; the path addresses a node from the ``ProcDef`` root as
``(field, index)`` steps, so it stays meaningful as long as the procedure it belongs to
(procedures are immutable). Navigation returns new cursors; ``InvalidCursor`` (falsy)
stands for "no such place".
"""

from __future__ import annotations

from enum import Enum

from . import ir
from .errors import InvalidCursorError
from .ir.paths import node_at


class ExoType(Enum):
    F16 = "f16"
    F32 = "f32"
    F64 = "f64"
    UI8 = "ui8"
    I8 = "i8"
    UI16 = "ui16"
    I32 = "i32"
    R = "R"
    Index = "index"
    Bool = "bool"
    Size = "size"
    Int = "int"
    Stride = "stride"

    def is_indexable(self) -> bool:
        return self in (ExoType.Index, ExoType.Size, ExoType.Int)

    def is_numeric(self) -> bool:
        return self.value in ir.types.SCALAR_TYPES

    def is_bool(self) -> bool:
        return self is ExoType.Bool


class GapType(Enum):
    Before = "before"
    After = "after"


def _exo_type(t: ir.Type) -> ExoType:
    return ExoType(t.basetype().name)


def _node_at(root: ir.ProcDef, path: tuple):
    try:
        return node_at(root, path)
    except LookupError:
        raise InvalidCursorError(f"cursor path {path} does not exist in {root.name}") from None


class Cursor:
    __slots__ = ("_proc", "_path")

    def __init__(self, proc, path: tuple):
        self._proc = proc
        self._path = path

    def proc(self):
        return self._proc

    def _node(self):
        return _node_at(self._proc._ir, self._path)

    def __bool__(self):
        return True

    def __eq__(self, other):
        return type(self) is type(other) and self._proc is other._proc and self._path == other._path

    def __hash__(self):
        return hash((id(self._proc), self._path))

    def __repr__(self):
        return f"<{type(self).__name__} {self._path}>"

    def _forwarded(self, fwd, new_proc):
        """This cursor moved to ``new_proc`` through the forwarding function ``fwd``."""
        return type(self)._make_at(new_proc, fwd(self._path))

    @classmethod
    def _make_at(cls, proc, path):
        return cls(proc, path)


class InvalidCursor(Cursor):
    """Stands for a place that does not exist (``next()`` of the last statement...)."""

    def __init__(self):
        super().__init__(None, ())

    def __bool__(self):
        return False

    def proc(self):
        raise InvalidCursorError("an invalid cursor has no procedure")

    def parent(self):
        return self

    def _forwarded(self, fwd, new_proc):
        return self


class ArgCursor(Cursor):
    """A parameter: ``name()``, ``mem()``, ``is_tensor()``, ``shape()``, ``type()``."""

    def _arg(self) -> ir.FnArg:
        return self._node()

    def name(self) -> str:
        return self._arg().name.name

    def mem(self):
        return self._arg().mem

    def is_tensor(self) -> bool:
        return self._arg().type.is_tensor_or_window()

    def shape(self):
        t = self._arg().type
        return [ExprCursor._make(self._proc, self._path + (("type", None), ("hi", k))) for k in range(len(t.hi))] if t.is_tensor_or_window() else []

    def type(self) -> ExoType:
        return _exo_type(self._arg().type)

    def parent(self):
        """Arguments have no enclosing code: an invalid cursor (as in Exo)."""
        return InvalidCursor()


class StmtCursor(Cursor):
    """A statement. Navigation: ``parent``, ``next``, ``prev``, ``before``, ``after``, ``as_block``."""

    @staticmethod
    def _make(proc, path):
        node = _node_at(proc._ir, path)
        return _STMT_CURSORS.get(type(node), StmtCursor)(proc, path)

    @classmethod
    def _make_at(cls, proc, path):
        return StmtCursor._make(proc, path)

    def parent(self):
        if len(self._path) == 1:
            return InvalidCursor()
        return StmtCursor._make(self._proc, self._path[:-1])

    def _sibling(self, delta):
        field, idx = self._path[-1]
        block = _node_at(self._proc._ir, self._path[:-1]) if len(self._path) > 1 else self._proc._ir
        j = idx + delta
        if 0 <= j < len(getattr(block, field)):
            return StmtCursor._make(self._proc, self._path[:-1] + ((field, j),))
        return InvalidCursor()

    def next(self, dist: int = 1):
        return self._sibling(dist)

    def prev(self, dist: int = 1):
        return self._sibling(-dist)

    def before(self):
        return GapCursor(self._proc, self._path, "before")

    def after(self):
        return GapCursor(self._proc, self._path, "after")

    def as_block(self):
        field, idx = self._path[-1]
        return BlockCursor(self._proc, self._path[:-1], field, idx, idx + 1)

    def expand(self, delta_lo=None, delta_hi=None):
        """The block of this statement grown by ``delta_lo`` statements before and
        ``delta_hi`` after (None: as far as possible)."""
        return self.as_block().expand(delta_lo, delta_hi)

    def find(self, pattern: str, many: bool = False):
        """Matches of ``pattern`` inside this statement."""
        from .scheduling.args import find_cursors

        return find_cursors(self._proc, pattern, many=many, kind="any", within=self._path)

    def is_ancestor_of(self, other) -> bool:
        return other._path[: len(self._path)] == self._path and other._path != self._path

    def _child_expr(self, field, idx=None):
        return ExprCursor._make(self._proc, self._path + ((field, idx),))


class _Indexed(StmtCursor):
    def name(self) -> str:
        return self._node().name.name

    def idx(self):
        return ExprListCursor(self._proc, self._path, "idx")

    def rhs(self):
        return self._child_expr("rhs")


class AssignCursor(_Indexed):
    def type(self) -> ExoType:
        return _exo_type(self._node().type)


class ReduceCursor(_Indexed):
    pass


class AssignConfigCursor(StmtCursor):
    def config(self):
        return self._node().config

    def field(self) -> str:
        return self._node().field

    def rhs(self):
        return self._child_expr("rhs")


class PassCursor(StmtCursor):
    pass


class IfCursor(StmtCursor):
    def cond(self):
        return self._child_expr("cond")

    def body(self):
        return BlockCursor(self._proc, self._path, "body", 0, len(self._node().body))

    def orelse(self):
        n = len(self._node().orelse)
        return BlockCursor(self._proc, self._path, "orelse", 0, n) if n else InvalidCursor()


class ForCursor(StmtCursor):
    def name(self) -> str:
        return self._node().iter.name

    def lo(self):
        return self._child_expr("lo")

    def hi(self):
        return self._child_expr("hi")

    def body(self):
        return BlockCursor(self._proc, self._path, "body", 0, len(self._node().body))


class AllocCursor(StmtCursor):
    def name(self) -> str:
        return self._node().name.name

    def mem(self):
        return self._node().mem

    def is_tensor(self) -> bool:
        return self._node().type.is_tensor_or_window()

    def shape(self):
        t = self._node().type
        if not t.is_tensor_or_window():
            return []
        return [ExprCursor._make(self._proc, self._path + (("type", None), ("hi", k))) for k in range(len(t.hi))]

    def type(self) -> ExoType:
        return _exo_type(self._node().type)


class CallCursor(StmtCursor):
    def subproc(self):
        from .procedure import Procedure

        return Procedure(self._node().proc)

    def args(self):
        return ExprListCursor(self._proc, self._path, "args")


class WindowStmtCursor(StmtCursor):
    def name(self) -> str:
        return self._node().name.name

    def winexpr(self):
        return self._child_expr("rhs")


_STMT_CURSORS = {
    ir.Assign: AssignCursor, ir.Reduce: ReduceCursor, ir.WriteConfig: AssignConfigCursor,
    ir.Pass: PassCursor, ir.If: IfCursor, ir.For: ForCursor, ir.Alloc: AllocCursor,
    ir.Call: CallCursor, ir.WindowStmt: WindowStmtCursor,
}


class BlockCursor(Cursor):
    """A non-empty run of consecutive statements ``[lo, hi)`` of one statement list."""

    __slots__ = ("_field", "_lo", "_hi")

    def __init__(self, proc, parent_path, field, lo, hi):
        super().__init__(proc, parent_path)
        self._field, self._lo, self._hi = field, lo, hi

    def __eq__(self, other):
        return super().__eq__(other) and (self._field, self._lo, self._hi) == (other._field, other._lo, other._hi)

    def __hash__(self):
        return hash((id(self._proc), self._path, self._field, self._lo, self._hi))

    def __len__(self):
        return self._hi - self._lo

    def __iter__(self):
        for i in range(self._lo, self._hi):
            yield StmtCursor._make(self._proc, self._path + ((self._field, i),))

    def __getitem__(self, k):
        if isinstance(k, slice):
            lo, hi, step = k.indices(len(self))
            if step != 1 or hi <= lo:
                raise IndexError("a block slice must be a non-empty contiguous range")
            return BlockCursor(self._proc, self._path, self._field, self._lo + lo, self._lo + hi)
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return StmtCursor._make(self._proc, self._path + ((self._field, self._lo + k),))

    def parent(self):
        return StmtCursor._make(self._proc, self._path) if self._path else InvalidCursor()

    def expand(self, delta_lo=None, delta_hi=None):
        """This block grown by ``delta_lo`` statements before and ``delta_hi`` after
        (None: to the start / end of the statement list)."""
        n = len(getattr(_node_at(self._proc._ir, self._path), self._field))
        lo = 0 if delta_lo is None else max(0, self._lo - delta_lo)
        hi = n if delta_hi is None else min(n, self._hi + delta_hi)
        return BlockCursor(self._proc, self._path, self._field, lo, hi)

    def anchor(self):
        return self.parent()

    def as_block(self):
        return self

    def find(self, pattern: str, many: bool = False):
        """Matches of ``pattern`` inside this block."""
        from .scheduling.args import find_cursors

        return find_cursors(self._proc, pattern, many=many, kind="any", within=self)

    def before(self):
        return self[0].before()

    def after(self):
        return self[len(self) - 1].after()

    def __repr__(self):
        return f"<BlockCursor {self._path} {self._field}[{self._lo}:{self._hi}]>"

    def _forwarded(self, fwd, new_proc):
        first = fwd(self._path + ((self._field, self._lo),))
        last = fwd(self._path + ((self._field, self._hi - 1),))
        parent, (field, lo) = first[:-1], first[-1]
        if last[:-1] != parent or last[-1][0] != field or last[-1][1] < lo:
            raise InvalidCursorError("the block was split apart by the rewrite")
        return BlockCursor(new_proc, parent, field, lo, last[-1][1] + 1)


class GapCursor(Cursor):
    """The place just before or after a statement (where code can be inserted)."""

    __slots__ = ("_side",)

    def __init__(self, proc, anchor_path, side):
        super().__init__(proc, anchor_path)
        self._side = side

    def anchor(self):
        return StmtCursor._make(self._proc, self._path)

    def type(self) -> GapType:
        return GapType(self._side)

    def parent(self):
        return self.anchor().parent()

    def __eq__(self, other):
        return super().__eq__(other) and self._side == other._side

    def _forwarded(self, fwd, new_proc):
        return GapCursor(new_proc, fwd(self._path), self._side)

    def __hash__(self):
        return hash((id(self._proc), self._path, self._side))


class ExprCursor(Cursor):
    @staticmethod
    def _make(proc, path):
        node = _node_at(proc._ir, path)
        return _EXPR_CURSORS.get(type(node), ExprCursor)(proc, path)

    @classmethod
    def _make_at(cls, proc, path):
        return ExprCursor._make(proc, path)

    def type(self) -> ExoType:
        return _exo_type(self._node().type)

    def parent(self):
        path = self._path[:-1]
        while path:
            node = _node_at(self._proc._ir, path)
            if isinstance(node, ir.Stmt):
                return StmtCursor._make(self._proc, path)
            if isinstance(node, ir.Expr):
                return ExprCursor._make(self._proc, path)
            path = path[:-1]
        return InvalidCursor()

    def _child(self, field, idx=None):
        return ExprCursor._make(self._proc, self._path + ((field, idx),))

    def find(self, pattern: str, many: bool = False):
        """Matches of ``pattern`` inside this expression."""
        from .scheduling.args import find_cursors

        return find_cursors(self._proc, pattern, many=many, kind="any", within=self._path)


class ReadCursor(ExprCursor):
    def name(self) -> str:
        return self._node().name.name

    def idx(self):
        return ExprListCursor(self._proc, self._path, "idx")


class ReadConfigCursor(ExprCursor):
    def config(self):
        return self._node().config

    def field(self) -> str:
        return self._node().field


class LiteralCursor(ExprCursor):
    def value(self):
        return self._node().val


class UnaryMinusCursor(ExprCursor):
    def arg(self):
        return self._child("arg")


class BinaryOpCursor(ExprCursor):
    def op(self) -> str:
        return self._node().op

    def lhs(self):
        return self._child("lhs")

    def rhs(self):
        return self._child("rhs")


class ExternFunctionCursor(ExprCursor):
    def name(self) -> str:
        return self._node().f.name()

    def args(self):
        return ExprListCursor(self._proc, self._path, "args")


class WindowExprCursor(ExprCursor):
    def name(self) -> str:
        return self._node().name.name

    def idx(self):
        out = []
        for k, w in enumerate(self._node().idx):
            base = self._path + (("idx", k),)
            if isinstance(w, ir.Interval):
                out.append((ExprCursor._make(self._proc, base + (("lo", None),)),
                            ExprCursor._make(self._proc, base + (("hi", None),))))
            else:
                out.append(ExprCursor._make(self._proc, base + (("pt", None),)))
        return out


class StrideExprCursor(ExprCursor):
    def name(self) -> str:
        return self._node().name.name

    def dim(self) -> int:
        return self._node().dim


_EXPR_CURSORS = {
    ir.Read: ReadCursor, ir.ReadConfig: ReadConfigCursor, ir.Const: LiteralCursor,
    ir.USub: UnaryMinusCursor, ir.BinOp: BinaryOpCursor, ir.Extern: ExternFunctionCursor,
    ir.WindowExpr: WindowExprCursor, ir.StrideExpr: StrideExprCursor,
}


class ExprListCursor(Cursor):
    """The index list of an access, or the argument list of a call or extern."""

    __slots__ = ("_field",)

    def __init__(self, proc, owner_path, field):
        super().__init__(proc, owner_path)
        self._field = field

    def _items(self):
        return getattr(_node_at(self._proc._ir, self._path), self._field)

    def _forwarded(self, fwd, new_proc):
        return ExprListCursor(new_proc, fwd(self._path), self._field)

    def __len__(self):
        return len(self._items())

    def __iter__(self):
        for k in range(len(self)):
            yield self[k]

    def __getitem__(self, k):
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return ExprCursor._make(self._proc, self._path + ((self._field, k),))


def args_of(proc) -> list[ArgCursor]:
    return [ArgCursor(proc, (("args", k),)) for k in range(len(proc._ir.args))]


def body_of(proc) -> BlockCursor:
    return BlockCursor(proc, (), "body", 0, len(proc._ir.body))


__all__ = [
    "ExoType", "GapType", "InvalidCursor", "InvalidCursorError", "Cursor", "ArgCursor", "StmtCursor", "AssignCursor",
    "ReduceCursor", "AssignConfigCursor", "PassCursor", "IfCursor", "ForCursor", "AllocCursor", "CallCursor",
    "WindowStmtCursor", "BlockCursor", "GapCursor", "ExprCursor", "ReadCursor", "ReadConfigCursor",
    "LiteralCursor", "UnaryMinusCursor", "BinaryOpCursor", "ExternFunctionCursor", "WindowExprCursor",
    "StrideExprCursor", "ExprListCursor",
]
