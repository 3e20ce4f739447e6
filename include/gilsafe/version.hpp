// include/gilsafe/version.hpp: the project's version
#pragma once

namespace gilsafe {

/// "MAJOR.MINOR.PATCH", from project() in CMakeLists.txt.
const char* version_string();

} // namespace gilsafe
