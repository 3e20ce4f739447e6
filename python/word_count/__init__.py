"""gilsafe's word count: the PyO3 "Parallelism" guide's ``word_count`` module, in C++.

Every function counts the words of ``contents`` equal to ``needle`` exactly as the
pure-Python reference :func:`search_py` does: lines split as ``str.splitlines()`` splits
them, words on the space character only.

- :func:`search`: oneTBB, all cores; the GIL is released while it counts.
- :func:`search_sequential`: one thread; the GIL is released while it counts.
- :func:`search_sequential_allow_threads`: the same, under the guide's name: several
  Python threads can run it at once on several cores.
- :func:`search_sequential_detached`: alias of the above (PyO3's newer name).
- :func:`search_py`: the pure-Python reference (holds the GIL throughout).
- :func:`search_twice_with_threads`: the guide's two-thread run of any of them.

The native part (``word_count._native``) is built from the same binding code as the
``word_count`` module built into the ``gil_demo`` host.
"""

from ._native import (
    kernel,
    search,
    search_sequential,
    search_sequential_allow_threads,
    search_sequential_detached,
)
from ._reference import search_py
from ._threads import search_twice_with_threads

__all__ = [
    "kernel",
    "search",
    "search_py",
    "search_sequential",
    "search_sequential_allow_threads",
    "search_sequential_detached",
    "search_twice_with_threads",
]
