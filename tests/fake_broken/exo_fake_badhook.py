"""A plugin that imports fine but whose hook raises."""


def exo_core_targets():
    raise RuntimeError("the hook of exo_fake_badhook fails on purpose")
