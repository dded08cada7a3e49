"""LoopIR: types, nodes and generic walks. See nodes.py for the node set."""

from .nodes import *  # noqa: F401,F403
from .nodes import (
    Alloc, Assign, BinOp, Call, Const, Expr, Extern, FnArg, For, Free, If, InstrInfo,
    Interval, Node, Pass, Point, ProcDef, Read, ReadConfig, Reduce, Stmt, StrideExpr,
    USub, WindowExpr, WindowStmt, WriteConfig,
)
from .sym import NULL_SRC, SrcInfo, Sym
from .types import (
    BOOL, F16, F32, F64, I8, I32, INDEX, INT, R, SIZE, STRIDE, UI8, UI16,
    ControlType, ScalarType, Tensor, Type,
)
from .visit import alpha_equal, children, map_bottom_up, walk, walk_proc
