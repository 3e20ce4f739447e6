"""Type stubs of the ``word_count`` package (gilsafe's C++ word count)."""

from concurrent.futures import Executor
from typing import Callable, Optional, Tuple

kernel: str
"""The counting kernel in use: ``"avx512"``, ``"avx2"``, ``"sse2"`` (``"neon"`` on ARM) or
``"scalar"``; the CPU's fastest unless the GILSAFE_KERNEL environment variable names another."""

def search(contents: str, needle: str) -> int:
    """Count the words of contents equal to needle, in parallel on all cores (GIL released)."""

def search_sequential(contents: str, needle: str) -> int:
    """Count the words of contents equal to needle on one thread (GIL released)."""

def search_sequential_allow_threads(contents: str, needle: str) -> int:
    """search_sequential with the GIL released, so several Python threads can run it at once."""

def search_sequential_detached(contents: str, needle: str) -> int:
    """Alias of search_sequential_allow_threads (PyO3's newer name: Python::detach)."""

def search_py(contents: str, needle: str) -> int:
    """The pure-Python reference: the definition of a correct count."""

def search_twice_with_threads(
    function: Callable[[str, str], int],
    contents: str,
    needle: str,
    executor: Optional[Executor] = None,
) -> Tuple[int, int]:
    """Run function(contents, needle) twice at once on two pool threads (executor's, or a
    ThreadPoolExecutor(max_workers=2) made for the call)."""

__all__: list[str]
