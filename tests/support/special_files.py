"""tests/support/special_files.py: /proc/sys and /sys files, with their text as open() reads it.

Files of the kernel whose size says nothing about their contents: a sysctl of /proc/sys has
size 0 and refuses a large read (ENOMEM for 4 MiB or more), a sysfs attribute says 4096
and cannot be mapped. Their values do not change while a test runs.
"""

CANDIDATES = [
    "/proc/sys/kernel/ostype",
    "/proc/sys/kernel/osrelease",
    "/proc/sys/kernel/hostname",
    "/proc/sys/kernel/version",
    "/proc/sys/kernel/pid_max",
    "/proc/sys/fs/nr_open",
    "/proc/sys/vm/overcommit_memory",
    "/sys/kernel/mm/transparent_hugepage/enabled",
    "/sys/devices/system/cpu/online",
    "/sys/devices/system/cpu/possible",
]


def special_files():
    """[(path, text)] for the candidates this machine has, each read whole by open()."""
    found = []
    for path in CANDIDATES:
        try:
            with open(path, encoding="utf-8", newline="") as f:
                found.append((path, f.read()))
        except OSError:
            continue
    return found


def needles(text):
    """Each word of `text`, a word that is not there, and the empty needle (empty fields)."""
    return sorted(set(text.split()) | {"", "x"})
