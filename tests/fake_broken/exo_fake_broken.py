"""A plugin whose import fails."""

raise ImportError("exo_fake_broken is broken on purpose")
