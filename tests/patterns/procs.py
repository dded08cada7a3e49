"""Procedures the pattern and fragment tests search. Paths are noted next to statements."""

from __future__ import annotations

from exo_core import config, proc
from exo_core.extern import relu, select


@config
class Cfg:
    scale: f32
    n: index


@config
class Other:
    k: index


@proc
def zero(n: size, x: [f32][n]):
    for i in seq(0, n):
        x[i] = 0.0


@proc
def kernel(n: size, x: f32[n, 8], y: f32[n]):
    assert n >= 2
    t: f32[8]  # (body, 0)
    Cfg.scale = relu(x[0, 0])  # (body, 1)
    for i in seq(0, n):  # (body, 2)
        for j in seq(0, 8):  # (body, 2) (body, 0)
            t[j] = x[i, j] * 2.0  # (body, 2) (body, 0) (body, 0)
        y[i] = t[0] + t[1]  # (body, 2) (body, 1)
        if i < 3:  # (body, 2) (body, 2)
            y[i] += -3.0  # ... (body, 0)
        else:
            pass  # ... (orelse, 0)
    w = x[1, 0:8]  # (body, 3)
    zero(8, w)  # (body, 4)
    zero(8, t[0:8])  # (body, 5)
    y[0] = select(0.0, y[1], y[0], 1.0)  # (body, 6)
    if stride(x, 0) == 8:  # (body, 7)
        y[1] = Cfg.scale  # (body, 7) (body, 0)


@proc
def shadow(n: size, x: f32[n]):
    for i in seq(0, n):  # (body, 0)
        x[i] = 1.0
    for i in seq(0, n):  # (body, 1)
        t: f32  # (body, 1) (body, 0)
        t = x[i]  # (body, 1) (body, 1)
        for i in seq(0, 4):  # (body, 1) (body, 2): shadows the loop around it
            t += 1.0  # (body, 1) (body, 2) (body, 0)
        x[i] = t  # (body, 1) (body, 3)
    u: f32[4]  # (body, 2)
    u[0] = 0.0  # (body, 3)
    u: f32[2]  # (body, 4): rebinds u
    u[1] = 0.0  # (body, 5)
