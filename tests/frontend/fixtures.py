"""Procedures and configs the bad-program tests refer to by name."""

from __future__ import annotations

from exo_core import config, proc

N_INT = 3


@config
class Cfg:
    scale: f32
    n: index


@proc
def callee(n: size, x: [f32][n]):
    x[0] = 0.0


@proc
def dense(n: size, x: f32[n]):
    x[0] = 0.0


@proc
def scalar_callee(s: f32):
    s = 1.0


@proc
def two(n: size, a: f32[n], b: f32[n]):
    a[0] = b[0]


@proc
def flag_callee(b: bool):
    pass
