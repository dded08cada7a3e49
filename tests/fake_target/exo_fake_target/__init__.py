"""A fake target plugin: one memory, one instr, and an emulated twin that never runs here."""

from __future__ import annotations

from exo_core import DRAM, instr
from exo_core.plugins import Target, hookimpl


class FakeMem(DRAM):
    """Host memory under another name: lets tests see a plugin memory end to end."""

    @classmethod
    def global_(cls):
        return "#include <stdlib.h>\n/* FakeMem */\n"


@instr(
    "for (int_fast32_t k = 0; k < 4; k++) {{ "
    "{dst}.data[k * {dst}.strides[0]] += 2.0f * {src}.data[k * {src}.strides[0]]; }}"
)
def fake_axpy4(dst: [f32][4] @ FakeMem, src: [f32][4] @ DRAM):
    for k in seq(0, 4):
        dst[k] += 2.0 * src[k]


FAKE = Target(
    name="fake",
    description="a fake target for exo-core's tests",
    memories=[FakeMem],
    instrs=[fake_axpy4],
    cflags=["-O1", "-std=c11"],
)

# Same memory, an emulator that does not exist: can_run() is false and the JIT refuses it.
FAKE_EMU = Target(
    name="fake_emu",
    description="the fake target under an emulator that is never installed",
    memories=[FakeMem],
    runner=["exo-fake-emulator-not-installed"],
)


@hookimpl
def exo_core_targets():
    return [FAKE, FAKE_EMU]


@hookimpl
def exo_core_compat_modules():
    return {"exo.platforms.fake": "exo_fake_target.platform"}
