"""The suite's Hypothesis profiles: property tests draw the same examples every run
(``derandomize``), so a red run is reproducible and CI cannot turn red by chance;
``HYPOTHESIS_PROFILE=explore`` draws fresh ones to hunt for new failing cases, which
then join their test as an ``@example``."""

import os

from hypothesis import settings

settings.register_profile("default", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
