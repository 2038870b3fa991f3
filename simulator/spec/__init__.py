"""The building blocks of every YAML model: :mod:`.model` (the base that rejects
unknown keys with a did-you-mean) and :mod:`.values` (units, addresses, names).

They depend only on :mod:`simulator.engine.units` and pydantic, so the apps
(which declare their own YAML specs) and the scenario loader can both use them.
"""
