// src/engine/version.cpp: the project's version, passed in by CMake
#include "gilsafe/version.hpp"

namespace gilsafe {

const char* version_string() {
    return GILSAFE_VERSION;
}

} // namespace gilsafe
