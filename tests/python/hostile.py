"""tests/python/hostile.py: random texts built from the pieces that break word counters.

Shared by the word_count suites: separators and their look-alikes, multi-byte characters,
and (for bytes) the malformed UTF-8 sequences Python's decoder tells apart.
"""

LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]

ALPHABET = [" ", " ", " ", "a", "b", "is", "ab"] + LINE_BREAKS + [
    "\t", "\u00a0", "\u0145", "\u2085", "\u2128", "\u1028", "\u00e9", "e\u0301",
    "\u4e2d", "\U0001F600", "\x00", "\x1f", "\x84", "\x86",
]

# Each is invalid UTF-8 on its own, and differently so for Python's decoder: a stray
# continuation byte, bytes never used, overlongs, a surrogate, beyond U+10FFFF, and
# sequences cut short (followed by anything, or by the end of the text).
INVALID = [
    b"\x80", b"\xbf", b"\xc0", b"\xc1\xbf", b"\xc0\x80", b"\xf5", b"\xff", b"\xfe",
    b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf0\x80\x80\x80",
    b"\xf4\x90\x80\x80", b"\xc3", b"\xe2\x82", b"\xe2", b"\xf0\x9f\x98", b"\xf0\x9f",
]


def random_text(rng, pieces):
    """A str of `pieces` random pieces of ALPHABET."""
    return "".join(rng.choice(ALPHABET) for _ in range(pieces))


def random_invalid_bytes(rng, pieces, invalid=1):
    """UTF-8 of a random text with `invalid` malformed sequences put at random places."""
    parts = [rng.choice(ALPHABET).encode() for _ in range(pieces)]
    for _ in range(invalid):
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(INVALID))
    return b"".join(parts)
