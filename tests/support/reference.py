"""tests/support/reference.py: search_py loaded from the repository's one copy, for the pytest suites."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load_search_py():
    path = ROOT / "python" / "word_count" / "_reference.py"
    spec = importlib.util.spec_from_file_location("word_count_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.search_py


search_py = _load_search_py()
