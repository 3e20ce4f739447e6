// src/python/search_file.hpp: word_count.search_file, a mapped file counted with the GIL released
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>

namespace gilsafe::detail {

/// Counts `needle` (str or bytes-like) in the file at `path` (str, bytes or os.PathLike;
/// "-" is a file named "-", not standard input): mapped by text::open, checked and counted
/// in one pass with the GIL released, then text::throw_if_changed. Raises the OSError
/// subclass of the failing call's errno (FileNotFoundError, IsADirectoryError,
/// PermissionError ... with .errno and .filename set as by open()), `changed_error` when
/// the file changed while it was read (text::throw_if_changed), UnicodeDecodeError at the
/// file's first invalid byte, and on Ctrl-C what count_released's rule says (a stream
/// too: sigint_poll). Needs the GIL.
std::size_t search_file(pybind11::handle path, pybind11::handle needle, bool parallel,
                        pybind11::handle changed_error);

} // namespace gilsafe::detail
