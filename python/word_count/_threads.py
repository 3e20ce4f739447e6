"""The guide's "sequential version executed twice with two Python threads"."""

from concurrent.futures import ThreadPoolExecutor


def search_twice_with_threads(function, contents: str, needle: str, executor=None) -> tuple:
    """Run ``function(contents, needle)`` twice at once on two pool threads.

    With a function that releases the GIL (``search_sequential_allow_threads``) the two
    calls overlap on two cores; the pair takes about as long as one call. ``executor``
    is a pool of at least two threads to submit to (the guide's benchmark keeps one for
    all its rounds); without one, a ``ThreadPoolExecutor(max_workers=2)`` is made for the
    call and shut down after it.
    """
    if executor is None:
        with ThreadPoolExecutor(max_workers=2) as own:
            return search_twice_with_threads(function, contents, needle, own)
    future_1 = executor.submit(function, contents, needle)
    future_2 = executor.submit(function, contents, needle)
    return future_1.result(), future_2.result()
