"""tests/python/memory.py: how much anonymous memory a call takes, sampled while it runs.

A file's memory map is file-backed (RssFile); a copy of its bytes, a str or any buffer the
count would allocate is anonymous (RssAnon). Linux only.
"""

import os
import threading

import pytest


def status_bytes(field):
    """A size field of /proc/self/status (VmHWM, VmRSS, RssAnon ...), in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def reset_peak_rss():
    """Resets the peak RSS (VmHWM) to the current RSS (Linux >= 4.0) and returns it, in bytes.

    Where the kernel refuses, the calling test is skipped with the reason: the old peak
    would hide a growth, and the test would pass without measuring anything."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError as error:
        pytest.skip(f"the peak RSS cannot be reset here (/proc/self/clear_refs: {error})")
    return status_bytes("VmHWM")


class _StatusReader:
    """Reads one field of /proc/self/status again and again without allocating memory
    (under ASan, freed memory sits in quarantine: a sampler that allocates would grow
    RssAnon itself)."""

    def __init__(self, field):
        self.fd = os.open("/proc/self/status", os.O_RDONLY)
        self.buffer = bytearray(1 << 14)
        self.key = field.encode() + b":"

    def close(self):
        os.close(self.fd)

    def __call__(self):
        os.lseek(self.fd, 0, os.SEEK_SET)
        size = os.readv(self.fd, [self.buffer])
        at = self.buffer.find(self.key, 0, size)
        end = self.buffer.find(b"kB", at)
        return int(self.buffer[at + len(self.key):end]) * 1024


def anon_peak_while(call):
    """(call(), the most RssAnon grew above its value before the call while it ran).

    A sampler thread reads RssAnon over and over; it runs while `call` releases the GIL.
    It must have read a few times while the call ran, or the peak says nothing: a call that
    kept the GIL (or ended before the sampler could run) fails the calling test.
    """
    read = _StatusReader("RssAnon")
    before = read()
    peak = [before]
    during = [0]  # samples taken while the call ran
    calling = [False]
    running = threading.Event()
    done = threading.Event()

    def sampler():
        running.set()
        while not done.is_set():
            value = read()
            during[0] += 1 if calling[0] else 0
            peak[0] = max(peak[0], value)

    thread = threading.Thread(target=sampler)
    thread.start()
    running.wait()
    calling[0] = True
    try:
        result = call()
    finally:
        calling[0] = False
        done.set()
        thread.join()
    growth = max(peak[0], read()) - before
    read.close()
    # One or two samples can fall at the call's edges even when it keeps the GIL (a switch
    # between bytecodes around it); a call that releases it lets the sampler read on.
    assert during[0] >= 3, f"{during[0]} samples of RssAnon taken while the call ran"
    return result, growth
