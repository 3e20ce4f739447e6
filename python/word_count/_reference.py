"""The pure-Python word count from the guide: the definition of a correct count.

Every C++ variant returns exactly what ``search_py`` returns, for every text and needle.
This file is the single copy: the ``word_count`` package imports it, and the ``gil_demo``
host compiles the same bytes into its embedded ``word_count`` module.
"""


def search_py(contents: str, needle: str) -> int:
    """Count the words of ``contents`` equal to ``needle``.

    Lines are split as ``str.splitlines()`` splits them, words on the space character.
    """
    total = 0
    for line in contents.splitlines():
        for word in line.split(" "):
            if word == needle:
                total += 1
    return total
