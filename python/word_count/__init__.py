"""gilsafe's word count: the PyO3 "Parallelism" guide's ``word_count`` module, in C++.

Every function counts the words of ``contents`` equal to ``needle`` exactly as the
pure-Python reference :func:`search_py` does: lines split as ``str.splitlines()`` splits
them, words on the space character only.

- :func:`search`: oneTBB, all cores; the GIL is released while it counts.
- :func:`search_sequential`: one thread; the GIL is released while it counts.
- :func:`search_sequential_allow_threads`: the same, under the guide's name: several
  Python threads can run it at once on several cores.
- :func:`search_sequential_detached`: alias of the above (PyO3's newer name).
- :func:`search_file`: a file, memory-mapped and counted in C++ (no ``str`` is built).
- :func:`search_py`: the pure-Python reference (holds the GIL throughout).
- :func:`search_twice_with_threads`: the guide's two-thread run of any of them.

The C++ functions take ``contents`` and ``needle`` as ``str`` or as any C-contiguous
buffer of UTF-8 bytes (``bytes``, ``bytearray``, ``memoryview``, ``mmap.mmap``,
``array.array('B')``, a numpy ``uint8`` array), read in place without a copy and checked
as UTF-8 in the same pass: invalid bytes raise ``UnicodeDecodeError`` at the position
``bytes.decode()`` reports. :class:`FileChangedError` is what :func:`search_file` raises
when the file changes while it is read.

The native part (``word_count._native``) is built from the same binding code as the
``word_count`` module built into the ``gil_demo`` host.
"""

from ._native import (
    FileChangedError,
    kernel,
    search,
    search_file,
    search_sequential,
    search_sequential_allow_threads,
    search_sequential_detached,
)
from ._reference import search_py
from ._threads import search_twice_with_threads

# Shown (and pickled) as word_count.FileChangedError, where users find it.
FileChangedError.__module__ = __name__

__all__ = [
    "FileChangedError",
    "kernel",
    "search",
    "search_file",
    "search_py",
    "search_sequential",
    "search_sequential_allow_threads",
    "search_sequential_detached",
    "search_twice_with_threads",
]
