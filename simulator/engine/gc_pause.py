"""Pause Python's cyclic garbage collector while building large, long-lived structures.

Building a big topology or route computation allocates millions of objects
that all survive; each collection of the young generation would walk them
again for nothing. Reference counting still frees garbage meanwhile.
"""

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
