// include/gilsafe/userid.hpp: the guide's UserID, a plain C++ struct that Python sees as a class
#pragma once

#include <cstdint>

namespace gilsafe {

/// The guide's `#[pyclass] struct UserID { id: i64 }`.
struct UserID {
    std::int64_t id;
};

} // namespace gilsafe
