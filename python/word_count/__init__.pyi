"""Type stubs of the ``word_count`` package (gilsafe's C++ word count)."""

from _typeshed import ReadableBuffer, StrOrBytesPath
from concurrent.futures import Executor
from typing import Callable, Optional, Tuple, Union

# A str, or any C-contiguous buffer of UTF-8 bytes (1-byte items): bytes, bytearray,
# memoryview, mmap.mmap, array.array('B'), a numpy uint8 array. Read in place, never copied.
_Text = Union[str, ReadableBuffer]

kernel: str
"""The counting kernel in use: ``"avx512"``, ``"avx2"``, ``"sse2"`` (``"neon"`` on ARM) or
``"scalar"``; the CPU's fastest unless the GILSAFE_KERNEL environment variable names another."""

class FileChangedError(OSError):
    """The file changed while search_file read it: it shrank under its memory map, or its
    size or modification time after the count differ from those of the open (it grew or
    was written). The count is lost, not silently wrong. str(e) is "[Errno 5] changed while
    being read: 'PATH'": errno is EIO; filename is the path."""

def search(contents: _Text, needle: _Text) -> int:
    """Count the words of contents equal to needle, in parallel on all cores (GIL released).

    A buffer is checked as UTF-8 in the same pass: invalid UTF-8 raises UnicodeDecodeError
    with the start, end and reason of ``bytes(contents).decode()`` (its object is contents
    for bytes, else only the invalid bytes). BufferError: not C-contiguous; TypeError: items
    wider than a byte (pass ``memoryview(x).cast('B')``). Ctrl-C raises KeyboardInterrupt."""

def search_sequential(contents: _Text, needle: _Text) -> int:
    """Count the words of contents equal to needle on one thread (GIL released); the
    arguments and errors of search."""

def search_sequential_allow_threads(contents: _Text, needle: _Text) -> int:
    """search_sequential with the GIL released, so several Python threads can run it at once."""

def search_sequential_detached(contents: _Text, needle: _Text) -> int:
    """Alias of search_sequential_allow_threads (PyO3's newer name: Python::detach)."""

def search_file(path: StrOrBytesPath, needle: _Text, *, parallel: bool = True) -> int:
    """Count the words equal to needle in the file at path: memory-mapped and checked as
    UTF-8 in C++ (no str is built), on all cores or on one thread (parallel=False), with the
    GIL released. ``"-"`` is the file named "-", not standard input.

    Raises what open() raises (FileNotFoundError, IsADirectoryError, PermissionError, ...
    with errno and filename), FileChangedError when the file changes (shrinks, grows, is
    written) while read, UnicodeDecodeError at the first invalid byte (start, end and
    reason of decoding the whole file; its object is only the invalid bytes; a note names
    the file). Ctrl-C, on a mapped file or a stream (a FIFO, a device, /proc): Python's
    handler runs during the count; its exception stops it, KeyboardInterrupt on another
    thread under the default handler."""

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
