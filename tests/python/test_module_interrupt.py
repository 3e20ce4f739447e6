"""tests/python/test_module_interrupt.py: Ctrl-C reaches a long word_count.search() promptly.

search() counts with the GIL released, on oneTBB's threads; Python alone would raise
KeyboardInterrupt only after the call returned. The module polls the signal while it
counts, so the call itself ends with KeyboardInterrupt a few milliseconds after Ctrl-C.
"""

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    r"""
    import os, signal, threading, time
    import word_count

    # A call that takes long enough: the empty needle over spaces (every field is empty).
    text = " " * (1 << 24)
    while True:
        start = time.monotonic()
        expected = word_count.search(text, "")
        full = time.monotonic() - start
        if full >= 0.6 or len(text) >= (1 << 31):
            break
        text = text * 2
    assert expected == len(text) + 1, expected

    for function in (word_count.search, word_count.search_sequential):
        timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT))
        start = time.monotonic()
        timer.start()
        try:
            function(text, "")
        except KeyboardInterrupt:
            latency = time.monotonic() - start - 0.1
            print(f"{function.__name__}: KeyboardInterrupt {latency * 1e3:.1f} ms after "
                  f"Ctrl-C; a whole call takes {full * 1e3:.0f} ms")
            assert latency < full / 2, (latency, full)
        else:
            raise SystemExit(f"{function.__name__}: no KeyboardInterrupt")
        timer.join()
        # The module is fine afterwards.
        assert word_count.search(text[:1000] + " is", "is") == 1
    print("ok")
    """
)


def test_keyboard_interrupt_ends_a_long_search_promptly():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, timeout=240,
                            env=os.environ)
    print(result.stdout.decode(), result.stderr.decode())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().rstrip().endswith("ok")
