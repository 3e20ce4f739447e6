"""tests/support/processes.py: finding the processes a test started, by a tag in their environment."""

import pathlib


def processes_tagged(tag):
    """Pids of the running processes whose environment holds TAG (children inherit it)."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue  # gone, or not ours to read
        if tag.encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found
