"""Configurations: the context struct, reads and writes through ctxt, readwrite=False."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from ir.irb import ProcBuilder, cfg

from exo_core.backend import compile_procs_to_strings
from exo_core.config import Config
from exo_core.errors import ConfigError
from exo_core.ir import BOOL, F32, F64, INDEX, SIZE

from .cbuild import Lib

Tiles = Config("Tiles", [("scale", F32), ("n", SIZE), ("flag", BOOL), ("acc", F64), ("lo", INDEX)])
Alpha = Config("Alpha", [("x", F32)])
Fixed = Config("Fixed", [("mode", INDEX)], readwrite=False)


def _line():
    return sys._getframe(1).f_lineno


def setter():
    b = ProcBuilder("set_cfg")
    s = b.scalar("s")
    b.write_config(Tiles, "scale", s.read())
    b.write_config(Tiles, "n", 3)
    b.write_config(Tiles, "flag", True)
    b.write_config(Tiles, "acc", s.read())  # f32 -> f64: a cast
    b.write_config(Alpha, "x", 2.5)
    return b.build()


def getter():
    b = ProcBuilder("get_cfg")
    y = b.tensor("y", F32, [4])
    d = b.tensor("d", F64, [1])
    with b.loop("i", 0, cfg(Tiles, "n")) as i:
        with b.if_(cfg(Tiles, "flag")):
            b.assign(y[i], cfg(Tiles, "scale") * cfg(Alpha, "x"))
    b.assign(d[0], cfg(Tiles, "acc"))
    return b.build()


def test_context_struct_and_round_trip(tmp_path):
    lib = Lib([setter(), getter()], tmp_path)
    want = (
        "typedef struct lib_Context {\n"
        "    struct Alpha {\n        float x;\n    } Alpha;\n"
        "    struct Tiles {\n        float scale;\n        int_fast32_t n;\n        bool flag;\n"
        "        double acc;\n        int_fast32_t lo;\n    } Tiles;\n"
        "} lib_Context;"
    )
    assert want in lib.h
    assert "void set_cfg(lib_Context *ctxt, const float* s);" in lib.h
    assert "ctxt->Tiles.acc = (double) (*s);" in lib.c
    assert "for (int_fast32_t i = 0; i < ctxt->Tiles.n; i++) {" in lib.c
    lib.set_cfg(np.array([1.5], np.float32))
    y, d = np.zeros(4, np.float32), np.zeros(1)
    lib.get_cfg(y, d)
    np.testing.assert_array_equal(y, [3.75, 3.75, 3.75, 0])
    assert d[0] == 1.5


def test_config_field_passed_as_scalar_argument(tmp_path):
    b = ProcBuilder("store")
    s = b.scalar("s")
    out = b.tensor("out", F32, [1])
    b.assign(out[0], s.read())
    store = b.build()
    b = ProcBuilder("pass_cfg")
    out = b.tensor("out", F32, [1])
    b.write_config(Alpha, "x", 4.0)
    b.call(store, cfg(Alpha, "x"), out)
    lib = Lib([b.build()], tmp_path)
    assert "store(ctxt, &ctxt->Alpha.x, out);" in lib.c
    out = np.zeros(1, np.float32)
    lib.pass_cfg(out)
    assert out[0] == 4


def test_no_config_means_void_context(tmp_path):
    b = ProcBuilder("plain")
    b.pass_()
    c, h = compile_procs_to_strings([b.build()], "x.h")
    assert "_Context" not in h and "void plain(void *ctxt);" in h


def test_readwrite_false_read_is_an_error():
    b = ProcBuilder("reads_fixed")
    x = b.tensor("x", F32, [4])
    with b.if_(cfg(Fixed, "mode").eq(0)):
        line = _line() - 1
        b.assign(x[0], 1.0)
    with pytest.raises(ConfigError, match=rf"test_configs.py:{line}:.*Fixed"):
        compile_procs_to_strings([b.build()], "x.h")


def test_readwrite_false_write_is_an_error():
    b = ProcBuilder("writes_fixed")
    b.write_config(Fixed, "mode", 1); line = _line()  # noqa: E702
    with pytest.raises(ConfigError, match=rf"test_configs.py:{line}:.*Fixed"):
        compile_procs_to_strings([b.build()], "x.h")


def test_readwrite_false_config_used_by_instr_is_a_comment(tmp_path):
    b = ProcBuilder("set_mode")
    m = b.index("m")
    b.write_config(Fixed, "mode", m)
    b.write_config(Alpha, "x", 1.0)
    ins = b.build(instr="set_mode_hw({m});", c_global="#define set_mode_hw(m) ((void)(m))")
    b = ProcBuilder("use")
    b.call(ins, 3)
    lib = Lib([b.build()], tmp_path)
    assert "// config 'Fixed' not materialized (readwrite=False)" in lib.h
    assert "struct Alpha {" in lib.h and "struct Fixed {" not in lib.h
    assert "set_mode_hw((3));" in lib.c
