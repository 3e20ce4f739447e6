"""tests/python/test_buffers.py: word_count.search* on bytes-like objects, read in place.

Any C-contiguous buffer of UTF-8 bytes counts as its decoded text counts in search_py;
invalid UTF-8 raises the UnicodeDecodeError that bytes.decode() raises; nothing is copied,
the GIL is released, and the buffer's owner cannot resize it while it is counted.
Runs against the package in the build tree (ctest sets PYTHONPATH=<build>/python).
"""

import array
import ctypes
import mmap
import random
import sys
import threading
import time

import pytest
import word_count
from hostile import INVALID, random_invalid_bytes, random_text
from memory import anon_peak_while, reset_peak_rss, status_bytes

CPP_FUNCTIONS = [
    "search",
    "search_sequential",
    "search_sequential_allow_threads",
    "search_sequential_detached",
]

TEXT = "is a \u4e2d is\r\nis\u2028\U0001F600 is  is\x85is"
NEEDLES = ["is", "", "\u4e2d", "\U0001F600", "a b"]


def anonymous_mmap(data):
    m = mmap.mmap(-1, max(len(data), 1))
    m.write(data)
    return m if data else memoryview(m)[:0]


# Every way a caller may hold UTF-8 bytes; each returns (object, what keeps it alive).
BUFFER_MAKERS = {
    "bytes": lambda b: b,
    "bytearray": bytearray,
    "memoryview": memoryview,
    "memoryview_slice": lambda b: memoryview(b"xx" + b + b"yy")[2:-2],
    "mmap": anonymous_mmap,
    "array_B": lambda b: array.array("B", b),
    "array_b": lambda b: array.array("b", b),
    "ctypes_char": lambda b: (ctypes.c_char * len(b)).from_buffer_copy(b),
}


def numpy_or_skip():
    return pytest.importorskip("numpy")


def expected_count(contents, needle):
    return word_count.search_py(contents, needle)


@pytest.mark.parametrize("kind", list(BUFFER_MAKERS))
@pytest.mark.parametrize("name", CPP_FUNCTIONS)
def test_each_buffer_type_counts_like_its_decoded_text(kind, name):
    function = getattr(word_count, name)
    for text in [TEXT, TEXT * 3000, "x"]:
        contents = BUFFER_MAKERS[kind](text.encode())
        for needle in NEEDLES:
            assert function(contents, needle) == expected_count(text, needle), (kind, needle)


@pytest.mark.parametrize("name", CPP_FUNCTIONS)
def test_numpy_byte_arrays_count_like_their_decoded_text(name):
    np = numpy_or_skip()
    function = getattr(word_count, name)
    data = (TEXT * 100).encode()
    for dtype in (np.uint8, np.int8):
        contents = np.frombuffer(data, dtype=dtype)
        assert function(contents, "is") == expected_count(TEXT * 100, "is")
    square = np.frombuffer(b"is a\nis b", dtype=np.uint8)[:8].reshape(2, 4)  # C order: bytes
    assert function(square, "is") == 2


@pytest.mark.parametrize("name", CPP_FUNCTIONS)
def test_an_empty_buffer_counts_like_an_empty_str(name):
    function = getattr(word_count, name)
    for empty in [b"", bytearray(), memoryview(b""), array.array("B")]:
        for needle in ["", "is"]:
            assert function(empty, needle) == expected_count("", needle)


def test_every_mix_of_str_and_bytes_arguments():
    for name in CPP_FUNCTIONS:
        function = getattr(word_count, name)
        for needle in NEEDLES:
            expected = expected_count(TEXT, needle)
            for contents in [TEXT, TEXT.encode(), bytearray(TEXT.encode())]:
                for word in [needle, needle.encode(), bytearray(needle.encode()),
                             memoryview(needle.encode())]:
                    assert function(contents, word) == expected, (name, contents, word)


def test_random_texts_agree_with_search_py():
    rng = random.Random(20260312)
    for _ in range(400):
        text = random_text(rng, rng.randrange(60))
        data = text.encode()
        for needle in ["", "a", "is", random_text(rng, 1), random_text(rng, 2)]:
            expected = expected_count(text, needle)
            for name in CPP_FUNCTIONS:
                function = getattr(word_count, name)
                assert function(data, needle) == expected, (text, needle)
                assert function(bytearray(data), needle.encode()) == expected, (text, needle)


def test_big_random_texts_agree_with_search_py():
    # Big enough for search to split the check and the count across many tasks.
    rng = random.Random(77)
    for _ in range(3):
        chunk = random_text(rng, 4000)
        text = "".join(chunk[rng.randrange(len(chunk)):] for _ in range(150))
        data = bytearray(text.encode())
        for needle in ["", "is", "\u4e2d", "\U0001F600"]:
            expected = expected_count(text, needle)
            assert word_count.search(data, needle) == expected
            assert word_count.search_sequential(data, needle) == expected


# --- invalid UTF-8: the error bytes.decode() raises ------------------------------------------


def decode_error(data):
    with pytest.raises(UnicodeDecodeError) as info:
        bytes(data).decode()
    return info.value


def assert_same_decode_error(function, contents, data):
    """function(contents, ...) raises bytes.decode()'s error: the same for bytes."""
    expected = decode_error(data)
    with pytest.raises(UnicodeDecodeError) as info:
        function(contents, "is")
    got = info.value
    assert (got.encoding, got.start, got.end, got.reason) == (
        expected.encoding, expected.start, expected.end, expected.reason), data
    if type(contents) is bytes:
        assert got.object is contents
        assert got.args == expected.args and str(got) == str(expected)
    else:  # a short copy: the invalid bytes only, never the whole buffer
        assert got.object == data[got.start:got.end]
    assert not getattr(got, "__notes__", None)


@pytest.mark.parametrize("name", CPP_FUNCTIONS)
@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview_slice", "mmap"])
def test_invalid_utf8_raises_the_error_bytes_decode_raises(name, kind):
    function = getattr(word_count, name)
    body = "is a \u4e2d is\n".encode()
    for bad in INVALID:
        # At the first byte, in the middle, as the last bytes (a cut sequence: "unexpected
        # end of data"), and followed by a valid text.
        for data in [bad, bad + body, body + bad + body, body * 3 + bad, body + bad + bad]:
            assert_same_decode_error(function, BUFFER_MAKERS[kind](data), data)


def assert_like_decode(function, contents, data):
    """function(contents, ...) counts as search_py(data.decode()) or raises its error
    (random malformed pieces may happen to join into a valid character)."""
    try:
        text = bytes(data).decode()
    except UnicodeDecodeError:
        assert_same_decode_error(function, contents, data)
    else:
        assert function(contents, "is") == expected_count(text, "is")


def test_invalid_utf8_anywhere_in_a_big_buffer_is_found_at_its_first_byte():
    rng = random.Random(5)
    for _ in range(40):
        data = random_invalid_bytes(rng, rng.randrange(1, 100000), invalid=rng.randrange(1, 4))
        for name in ["search", "search_sequential"]:
            assert_like_decode(getattr(word_count, name), data, data)
            assert_like_decode(getattr(word_count, name), bytearray(data), data)


def test_the_first_of_invalid_bytes_far_apart_is_reported():
    # Several megabytes: the parallel check splits the text into tasks, and the task that
    # finishes first need not be the one with the first invalid byte.
    body = bytearray(("is a \u4e2d is\n" * (1 << 18)).encode())
    size = len(body)
    for spots in [(0, size - 1), (size // 3, size // 2, size - 2), (size - 1,),
                  (size * 4 // 5, size // 5, size // 2)]:
        data = bytearray(body)
        for at in spots:
            data[at] = 0xFF
        for name in CPP_FUNCTIONS:
            with pytest.raises(UnicodeDecodeError) as info:
                getattr(word_count, name)(data, "is")
            assert (info.value.start, info.value.end) == (min(spots), min(spots) + 1), name


def test_random_short_invalid_texts():
    rng = random.Random(6)
    for _ in range(1500):
        data = random_invalid_bytes(rng, rng.randrange(8), invalid=rng.randrange(1, 3))
        assert_like_decode(word_count.search, data, data)
        assert_like_decode(word_count.search_sequential, bytearray(data), data)


def test_an_invalid_bytes_needle_is_a_unicode_decode_error_naming_the_needle():
    for name in CPP_FUNCTIONS:
        for needle in [b"\xff", b"is\xe2\x82", bytearray(b"\xc0\x80")]:
            with pytest.raises(UnicodeDecodeError) as info:
                getattr(word_count, name)("is is", needle)
            expected = decode_error(needle)
            assert (info.value.start, info.value.end, info.value.reason) == (
                expected.start, expected.end, expected.reason)
            assert info.value.__notes__ == ["in needle"]


# --- buffers that are not bytes in one run ---------------------------------------------------


def test_a_non_contiguous_buffer_is_a_buffer_error_that_says_what_to_do():
    strided = memoryview(b"iiss  iiss")[::2]
    for name in CPP_FUNCTIONS:
        with pytest.raises(BufferError, match=r"contents must be a C-contiguous buffer.*bytes\("):
            getattr(word_count, name)(strided, "is")
        with pytest.raises(BufferError, match=r"needle must be a C-contiguous buffer"):
            getattr(word_count, name)("is", strided)
    assert word_count.search(bytes(strided), "is") == 2  # the advised copy


def test_a_non_contiguous_numpy_array_is_a_buffer_error():
    np = numpy_or_skip()
    columns = np.frombuffer(b"iiss  iiss", dtype=np.uint8)[::2]
    with pytest.raises(BufferError, match=r"C-contiguous"):
        word_count.search(columns, "is")
    fortran = np.asfortranarray(np.frombuffer(b"is is\n", dtype=np.uint8).reshape(2, 3))
    with pytest.raises(BufferError, match=r"C-contiguous"):
        word_count.search(fortran, "is")


def test_items_wider_than_a_byte_are_refused_and_a_cast_is_advised():
    wide = array.array("i", [0x20736920] * 4)  # "is" and spaces, as 32-bit integers
    with pytest.raises(TypeError, match=r"not of 4-byte items \(format 'i'\).*cast\('B'\)"):
        word_count.search(wide, "is")
    assert word_count.search(memoryview(wide).cast("B"), "is") == 4


def test_a_numpy_str_array_is_not_taken_for_utf8():
    np = numpy_or_skip()
    with pytest.raises(TypeError, match=r"not of 20-byte items \(format '5w'\)"):
        word_count.search(np.array(["is is"]), "is")


# --- zero copy, the GIL, and the owner's changes during the count ------------------------


BIG = 256 << 20


@pytest.fixture(scope="module")
def big_bytearray():
    line = b"is a word, is \xe4\xb8\xad\n"
    return bytearray(line * (BIG // len(line)))


def test_a_big_buffer_is_counted_in_place(big_bytearray):
    # The 256 MiB buffer is resident already: a copy of it (or its decoding into a str)
    # would raise the peak RSS by its size, and be anonymous memory that a sampler thread
    # sees during the count (it runs because the count releases the GIL).
    expected = 2 * (BIG // 18)
    for name in ["search", "search_sequential"]:
        function = getattr(word_count, name)
        # Measured on a second call: the first may start oneTBB's workers.
        assert function(big_bytearray, "is") == expected
        before = reset_peak_rss()
        count, anon_growth = anon_peak_while(lambda: function(big_bytearray, "is"))
        peak_growth = status_bytes("VmHWM") - before
        assert count == expected
        assert anon_growth < BIG // 4, f"{name}: anonymous memory grew by {anon_growth >> 20} MiB"
        assert peak_growth < BIG // 4, f"{name}: the peak RSS grew by {peak_growth >> 20} MiB"


def test_the_gil_is_released_while_a_buffer_is_counted(big_bytearray):
    # The ticker of test_module.py's GIL test: a second thread ticks while the count runs;
    # with the GIL held, the count alone would be one gap spanning most of the window.
    data = memoryview(big_bytearray)[: 64 << 20]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    ratios = []
    try:
        for _ in range(30):
            ticks, done = [], threading.Event()

            def ticker():
                while not done.is_set():
                    ticks.append(time.perf_counter())

            thread = threading.Thread(target=ticker)
            thread.start()
            while not ticks:
                time.sleep(0)
            start = time.perf_counter()
            word_count.search_sequential(data, "is")
            end = time.perf_counter()
            done.set()
            thread.join()
            inside = [start] + [t for t in ticks if start < t < end] + [end]
            longest = max(b - a for a, b in zip(inside, inside[1:]))
            ratios.append(round(longest / (end - start), 3))
            if longest < (end - start) / 2:  # see test_module.py
                return
    finally:
        sys.setswitchinterval(previous)
    pytest.fail(f"no Python thread ran while a buffer was counted (longest gap / call: {ratios})")


def test_the_owner_cannot_resize_a_buffer_while_it_is_counted():
    # A second thread appends spaces (which change no count of "is") while the count runs:
    # refused with BufferError while the buffer is exported, accepted in between.
    data = bytearray(b"is " * (16 << 20))
    expected = 16 << 20
    refused = []
    stop = threading.Event()

    def resizer():
        while not stop.is_set() and not refused:
            try:
                data.append(0x20)
            except BufferError:
                refused.append(True)

    thread = threading.Thread(target=resizer)
    thread.start()
    try:
        for _ in range(200):
            assert word_count.search_sequential(data, "is") == expected
            if refused:
                break
    finally:
        stop.set()
        thread.join()
    assert refused, "the bytearray was resized while it was counted"
    data.extend(b"is")  # the export ended with the call
    assert word_count.search(data, "is") == expected + 1


def test_writes_into_a_buffer_during_the_count_do_no_harm():
    # The bytes change under the count (the caller's race): any answer is a count or
    # the UnicodeDecodeError of some state of the bytes, never a crash.
    rng = random.Random(9)
    data = bytearray(("is \u4e2d\n" * (2 << 20)).encode())
    stop = threading.Event()

    def scribbler():
        while not stop.is_set():
            at = rng.randrange(len(data))
            data[at] = rng.choice(b" \n\x80\xe4\xffis")

    thread = threading.Thread(target=scribbler)
    thread.start()
    try:
        for _ in range(30):
            for name in ["search", "search_sequential"]:
                try:
                    assert getattr(word_count, name)(data, "is") >= 0
                except UnicodeDecodeError as e:
                    assert 0 <= e.start < e.end <= len(data)
    finally:
        stop.set()
        thread.join()


def test_an_mmap_cannot_be_closed_while_it_is_counted(tmp_path):
    # Each attempt: a thread closes the mmap as soon as it can, while the main thread
    # counts it. Closing is refused (BufferError) while the count holds the export; once
    # closed, the count is refused (ValueError). Never a read of unmapped memory.
    path = tmp_path / "text"
    path.write_bytes(b"is " * (16 << 20))
    with open(path, "rb") as f:
        for _ in range(100):
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            refused = []
            counting = threading.Event()

            def closer():
                counting.wait()
                while True:
                    try:
                        m.close()
                        return
                    except BufferError:
                        refused.append(True)

            thread = threading.Thread(target=closer)
            thread.start()
            counting.set()
            try:
                assert word_count.search(m, "is") == 16 << 20
            except ValueError:
                pass  # closed before the call
            thread.join()
            assert m.closed
            if refused:
                return
    pytest.fail("no close was attempted while an mmap was counted")


def test_the_export_ends_when_a_call_fails():
    data = bytearray(b"is \xff")
    with pytest.raises(UnicodeDecodeError):
        word_count.search(data, "is")
    with pytest.raises(TypeError):
        word_count.search(data, array.array("i", [1]))
    with pytest.raises(UnicodeDecodeError):
        word_count.search("is", bytearray(b"\xff"))
    data.extend(b" is")  # would raise BufferError if an export were still held
    assert word_count.search(data[:3], "is") == 1
