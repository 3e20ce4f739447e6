"""tests/python/memory.py: how much anonymous memory a call takes, sampled while it runs.

A file's memory map is file-backed (RssFile); a copy of its bytes, a str or any buffer the
count would allocate is anonymous (RssAnon). Linux only.
"""

import os
import threading


def status_bytes(field):
    """A size field of /proc/self/status (VmHWM, VmRSS, RssAnon ...), in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def reset_peak_rss():
    """Resets the peak RSS (VmHWM) to the current RSS (Linux >= 4.0) and returns it, in bytes.

    Where the kernel refuses, it returns the old peak, which can only hide a growth."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        pass
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
    """
    read = _StatusReader("RssAnon")
    before = read()
    peak = [before]
    done = threading.Event()

    def sampler():
        while not done.is_set():
            peak[0] = max(peak[0], read())

    thread = threading.Thread(target=sampler)
    thread.start()
    try:
        result = call()
    finally:
        done.set()
        thread.join()
    growth = max(peak[0], read()) - before
    read.close()
    return result, growth
