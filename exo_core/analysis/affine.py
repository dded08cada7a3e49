"""Quasi-affine normal form of control expressions.

An ``Affine`` is ``sum(coeff * atom) + const`` with integer coefficients. Atoms are
``Sym`` (index/size/stride/int arguments and loop iterators) or one of the opaque atoms
below: a stride, a configuration field at a version, and floor division / modulo /
product terms whose operands are themselves in normal form. Construction canonicalises
(terms sorted, zero terms dropped, divisions reduced), so two index expressions that are
equal as polynomials over the atoms compare and hash equal: the solver cache and the
future ``simplify`` primitive rely on that.
"""

from __future__ import annotations

import itertools
from math import gcd

from ..ir.nodes import BinOp, Const, Read, ReadConfig, StrideExpr, USub
from ..ir.sym import Sym
from ..ir.types import ControlType
from ..ir.visit import MISSING, NodeMemo


class NonAffine(Exception):
    """The expression is not a control integer expression (internal; callers degrade)."""


# --------------------------------------------------------------------------- atoms


def akey(a):
    """Total order on atoms: deterministic term order inside an ``Affine``."""
    return (0, a.id) if type(a) is Sym else a.key


class Atom:
    """An opaque integer (or boolean) leaf other than a Sym. Equal iff keys are equal."""

    __slots__ = ("key", "_hash")

    def _init(self, key):
        self.key = key
        self._hash = hash(key)

    def __eq__(self, other):
        return type(other) is type(self) and other.key == self.key

    def __hash__(self):
        return self._hash

    def leaves(self) -> frozenset:
        return frozenset((self,))


class StrideAtom(Atom):
    """``stride(buf, dim)`` of a buffer whose strides are not known expressions."""

    __slots__ = ("sym", "dim")

    def __init__(self, sym: Sym, dim: int):
        self.sym, self.dim = sym, dim
        self._init((1, sym.id, dim))

    def __str__(self):
        return f"stride({self.sym.name}, {self.dim})"

    __repr__ = __str__


_versions = itertools.count(1)


class ConfigAtom(Atom):
    """The value of ``config.field`` between two writes. Version 0 is the value on entry."""

    __slots__ = ("config", "field", "version")

    def __init__(self, config, field: str, version: int = 0):
        self.config, self.field, self.version = config, field, version
        self._init((2, config.name(), id(config), field, version))

    def next(self) -> ConfigAtom:
        return ConfigAtom(self.config, self.field, next(_versions))

    def __str__(self):
        return f"{self.config.name()}.{self.field}"

    __repr__ = __str__


class DivAtom(Atom):
    """``floor(num / d)`` with ``d > 1`` and ``num`` reduced (coefficients in [1, d))."""

    __slots__ = ("num", "d", "_leaves")

    def __init__(self, num: Affine, d: int):
        self.num, self.d = num, d
        self._leaves = num.leaves()
        self._init((3, d, num.sortkey()))

    def leaves(self):
        return self._leaves

    def __str__(self):
        return f"{_operand(self.num)} / {self.d}"

    __repr__ = __str__


class ModAtom(Atom):
    """``num mod d`` (floor modulo, in [0, d)), ``num`` reduced like ``DivAtom``."""

    __slots__ = ("num", "d", "_leaves")

    def __init__(self, num: Affine, d: int):
        self.num, self.d = num, d
        self._leaves = num.leaves()
        self._init((4, d, num.sortkey()))

    def leaves(self):
        return self._leaves

    def __str__(self):
        return f"{_operand(self.num)} % {self.d}"

    __repr__ = __str__


class MulAtom(Atom):
    """A product of two non-constant forms (only from dense strides of symbolic shapes)."""

    __slots__ = ("a", "b", "_leaves")

    def __init__(self, a: Affine, b: Affine):
        if a.sortkey() > b.sortkey():
            a, b = b, a
        self.a, self.b = a, b
        self._leaves = a.leaves() | b.leaves()
        self._init((5, a.sortkey(), b.sortkey()))

    def leaves(self):
        return self._leaves

    def __str__(self):
        return f"{_operand(self.a)} * {_operand(self.b)}"

    __repr__ = __str__


def _operand(a: Affine) -> str:
    if len(a.terms) == 1 and not a.const and a.terms[0][1] == 1 and type(a.terms[0][0]) is Sym:
        return str(a)
    return f"({a})"


# --------------------------------------------------------------------------- Affine


class Affine:
    """``sum(c * atom for atom, c in terms) + const``; immutable and canonical."""

    __slots__ = ("terms", "const", "_hash", "_sortkey", "_leaves")

    def __init__(self, terms=(), const: int = 0):
        # ``terms``: (atom, coeff) pairs, possibly repeated or zero; canonicalised here.
        if isinstance(terms, dict):
            items = terms.items()
        else:
            acc: dict = {}
            for a, c in terms:
                acc[a] = acc.get(a, 0) + c
            items = acc.items()
        lst = [t for t in items if t[1]]
        if len(lst) > 1:
            lst.sort(key=_term_key)
        self.terms = tuple(lst)
        self.const = int(const)
        self._hash = None
        self._sortkey = None
        self._leaves = None

    # --- constructors ------------------------------------------------------------------
    @staticmethod
    def of(a, coeff: int = 1) -> Affine:
        return Affine._raw(((a, coeff),), 0) if coeff else ZERO

    @staticmethod
    def constant(c: int) -> Affine:
        return _CONSTS.get(c) or Affine._raw((), int(c))

    # --- identity ----------------------------------------------------------------------
    def __eq__(self, other):
        return type(other) is Affine and self.const == other.const and self.terms == other.terms

    def __hash__(self):
        h = self._hash
        if h is None:
            h = self._hash = hash((self.terms, self.const))
        return h

    def sortkey(self):
        if self._sortkey is None:
            self._sortkey = (tuple((akey(a), c) for a, c in self.terms), self.const)
        return self._sortkey

    def leaves(self) -> frozenset:
        """The Syms, strides and config atoms this form depends on (through div/mod too)."""
        if self._leaves is None:
            syms = [a for a, _ in self.terms if type(a) is Sym]
            if len(syms) == len(self.terms):
                self._leaves = frozenset(syms)
            else:
                self._leaves = frozenset(syms).union(*[a.leaves() for a, _ in self.terms if type(a) is not Sym])
        return self._leaves

    # --- queries -----------------------------------------------------------------------
    def is_const(self) -> bool:
        return not self.terms

    def coeff(self, atom) -> int:
        for a, c in self.terms:
            if a == atom:
                return c
        return 0

    def atoms(self):
        return [a for a, _ in self.terms]

    def content(self) -> int:
        """gcd of the coefficients (0 for a constant)."""
        return gcd(*[c for _, c in self.terms])

    # --- arithmetic --------------------------------------------------------------------
    def __add__(self, other) -> Affine:
        if isinstance(other, int):
            return Affine._raw(self.terms, self.const + other) if other else self
        if not other.terms:
            return Affine._raw(self.terms, self.const + other.const) if other.const else self
        if not self.terms:
            return Affine._raw(other.terms, self.const + other.const)
        return Affine(self.terms + other.terms, self.const + other.const)

    __radd__ = __add__

    def __neg__(self) -> Affine:
        return Affine._raw(tuple([(a, -c) for a, c in self.terms]), -self.const)

    def __sub__(self, other) -> Affine:
        if isinstance(other, int):
            return self + (-other)
        return self + -other

    def __rsub__(self, other) -> Affine:
        return self.scale(-1) + other

    @staticmethod
    def _raw(terms: tuple, const: int) -> Affine:
        """Build from already canonical terms (sorted, non-zero) without re-sorting."""
        self = object.__new__(Affine)
        self.terms, self.const = terms, const
        self._hash = None
        self._sortkey = None
        self._leaves = None
        return self

    def scale(self, k: int) -> Affine:
        if k == 1:
            return self
        if k == 0:
            return ZERO
        return Affine._raw(tuple([(a, c * k) for a, c in self.terms]), self.const * k)

    def without(self, atom) -> Affine:
        """This form with ``atom``'s term dropped."""
        return Affine._raw(tuple([t for t in self.terms if t[0] != atom]), self.const)

    def __mul__(self, other) -> Affine:
        if isinstance(other, int):
            return self.scale(other)
        return mul(self, other)

    __rmul__ = __mul__

    def replace(self, atom, value: Affine) -> Affine:
        """Substitute ``value`` for one top-level atom."""
        c = self.coeff(atom)
        if not c:
            return self
        return Affine(self.terms + ((atom, -c),) + tuple((a, k * c) for a, k in value.terms),
                      self.const + c * value.const)

    def subst(self, mapping: dict) -> Affine:
        """Substitute forms for leaves (Syms, stride or config atoms), through div/mod/mul."""
        if not mapping or self.leaves().isdisjoint(mapping):
            return self
        out = Affine.constant(self.const)
        for a, c in self.terms:
            out = out + subst_atom(a, mapping).scale(c)
        return out

    def eval(self, model: dict):
        """The value under ``model`` (leaf -> int); None if a leaf is missing."""
        total = self.const
        for a, c in self.terms:
            v = eval_atom(a, model)
            if v is None:
                return None
            total += c * v
        return total

    def __str__(self):
        from .fmt import affine_str

        return affine_str(self)

    def __repr__(self):
        return f"Affine({self})"


def _term_key(t):
    a = t[0]
    return (0, a.id) if type(a) is Sym else a.key


_CONSTS = {c: Affine((), c) for c in range(-4, 65)}
ZERO = _CONSTS[0]
ONE = _CONSTS[1]


def subst_atom(a, mapping: dict) -> Affine:
    if type(a) is Sym or isinstance(a, (StrideAtom, ConfigAtom)):
        v = mapping.get(a)
        return Affine.of(a) if v is None else v
    if a.leaves().isdisjoint(mapping):
        return Affine.of(a)
    if type(a) is DivAtom:
        return floordiv(a.num.subst(mapping), a.d)
    if type(a) is ModAtom:
        return mod(a.num.subst(mapping), a.d)
    return mul(a.a.subst(mapping), a.b.subst(mapping))


def eval_atom(a, model: dict):
    if type(a) is DivAtom:
        v = a.num.eval(model)
        return None if v is None else v // a.d
    if type(a) is ModAtom:
        v = a.num.eval(model)
        return None if v is None else v % a.d
    if type(a) is MulAtom:
        x, y = a.a.eval(model), a.b.eval(model)
        return None if x is None or y is None else x * y
    return model.get(a)


def _split(a: Affine, d: int):
    """``a = d * q + r`` with r's coefficients and constant in [0, d)."""
    q, r = {}, {}
    for atom, c in a.terms:
        if c // d:
            q[atom] = c // d
        if c % d:
            r[atom] = c % d
    return Affine(q, a.const // d), Affine(r, a.const % d)


def _reduce(r: Affine, d: int):
    """Divide out ``g = gcd(coefficients, d)``: floor((g*x + c)/(g*d')) = floor((x + c//g)/d')."""
    g = gcd(r.content(), d)
    if g == 1:
        return r, d, 0, 1
    x = Affine({a: c // g for a, c in r.terms}, r.const // g)
    return x, d // g, r.const % g, g


def floordiv(a: Affine, d: int) -> Affine:
    """Floor division by a positive integer, in normal form."""
    if d <= 0:
        raise NonAffine(f"division by {d}")
    if d == 1:
        return a
    q, r = _split(a, d)
    if r.is_const():
        return q  # 0 <= r.const < d
    x, d2, _, _ = _reduce(r, d)
    if d2 == 1:
        return q + x
    return q + Affine.of(DivAtom(x, d2))


def mod(a: Affine, d: int) -> Affine:
    """Floor modulo by a positive integer (result in [0, d)), in normal form."""
    if d <= 0:
        raise NonAffine(f"modulo by {d}")
    if d == 1:
        return ZERO
    _, r = _split(a, d)
    if r.is_const():
        return r
    x, d2, rest, g = _reduce(r, d)
    if d2 == 1:
        return Affine.constant(rest)
    return Affine(((ModAtom(x, d2), g),), rest)


def mul(a: Affine, b: Affine) -> Affine:
    if a.is_const():
        return b.scale(a.const)
    if b.is_const():
        return a.scale(b.const)
    return Affine.of(MulAtom(a, b))


# --------------------------------------------------------------------------- LoopIR -> Affine


class Env:
    """How to read the leaves of a LoopIR control expression.

    ``syms`` substitutes forms (or formulas, for bool syms) for Syms, e.g. callee
    parameters at a call site; ``strides(sym, dim)`` gives a buffer's stride (default: an
    opaque atom); ``configs`` maps ``(config, field)`` to its current ``ConfigAtom``.
    """

    __slots__ = ("syms", "strides", "configs")

    def __init__(self, syms=None, strides=None, configs=None):
        self.syms = syms if syms is not None else {}
        self.strides = strides
        self.configs = configs if configs is not None else {}

    def stride(self, sym: Sym, dim: int) -> Affine:
        if self.strides is not None:
            return self.strides(sym, dim)
        return Affine.of(StrideAtom(sym, dim))

    def config(self, config, field: str) -> ConfigAtom:
        atom = self.configs.get((config, field))
        return atom if atom is not None else ConfigAtom(config, field, 0)


EMPTY_ENV = Env()


class _Impure(Exception):
    """The expression reads a stride or a config field: its form depends on the walk."""


class _PureEnv(Env):
    __slots__ = ()

    def stride(self, sym, dim):
        raise _Impure

    def config(self, config, field):
        raise _Impure


_PURE_ENV = _PureEnv()
# expr -> its form | the NonAffine message | None when impure: most conversions repeat
_FORMS = NodeMemo(1 << 18)


def to_affine(e, env: Env = EMPTY_ENV) -> Affine:
    """The normal form of an integer control expression; raises ``NonAffine`` otherwise."""
    if env.syms:
        return _to_affine(e, env)
    form = _FORMS.get(e)
    if form is MISSING:
        try:
            form = _to_affine(e, _PURE_ENV)
        except NonAffine as err:
            form = str(err)
        except _Impure:
            form = None
        _FORMS.put(e, form)
    if form is None:
        return _to_affine(e, env)
    if type(form) is str:
        raise NonAffine(form)
    return form


def _to_affine(e, env: Env) -> Affine:
    t = type(e)
    if t is Const:
        if isinstance(e.val, bool) or not isinstance(e.val, int):
            raise NonAffine(f"{e.val!r} is not an integer")
        return Affine.constant(e.val)
    if t is Read:
        if e.idx or not isinstance(e.type, ControlType) or e.type.name == "bool":
            raise NonAffine("not an integer control value")
        v = env.syms.get(e.name)
        if v is None:
            return Affine.of(e.name)
        if not isinstance(v, Affine):
            raise NonAffine("boolean in integer position")
        return v
    if t is BinOp:
        op = e.op
        if op == "+":
            return _to_affine(e.lhs, env) + _to_affine(e.rhs, env)
        if op == "-":
            return _to_affine(e.lhs, env) - _to_affine(e.rhs, env)
        if op == "*":
            return mul(_to_affine(e.lhs, env), _to_affine(e.rhs, env))
        if op in ("/", "%"):
            d = _to_affine(e.rhs, env)
            if not d.is_const():
                raise NonAffine("division by a non-constant")
            lhs = _to_affine(e.lhs, env)
            return floordiv(lhs, d.const) if op == "/" else mod(lhs, d.const)
        raise NonAffine(f"operator {op} is not integer-valued")
    if t is USub:
        return -_to_affine(e.arg, env)
    if t is StrideExpr:
        return env.stride(e.name, e.dim)
    if t is ReadConfig:
        if not isinstance(e.type, ControlType) or e.type.name == "bool":
            raise NonAffine("not an integer config field")
        return Affine.of(env.config(e.config, e.field))
    raise NonAffine(f"{t.__name__} is not a control expression")
