// tests/embed/test_embedded_python.cpp: the embedded interpreter is the Python the build was made
// for, whatever python3 comes first on PATH (support/python_main.cpp starts it)
#include <gtest/gtest.h>
#include <pybind11/embed.h>

#include <string>

namespace py = pybind11;

namespace {

// What the build's interpreter (CMake's Python_EXECUTABLE) reported about itself at
// configure time: the oracle, found without the code under test.
const std::string build_prefix = GILSAFE_TEST_PYTHON_PREFIX;
const std::string build_stdlib = GILSAFE_TEST_PYTHON_STDLIB;

std::string python_str(const char* expression) {
    return py::eval(expression, py::module_::import("__main__").attr("__dict__"))
        .cast<std::string>();
}

} // namespace

TEST(EmbeddedPython, PrefixIsTheBuildPythons) {
    EXPECT_EQ(python_str("__import__('sys').prefix"), build_prefix);
    EXPECT_EQ(python_str("__import__('sys').exec_prefix"), build_prefix);
}

TEST(EmbeddedPython, StandardLibraryIsTheBuildPythons) {
    EXPECT_EQ(python_str("__import__('os').path.dirname(__import__('os').__file__)"), build_stdlib);
    EXPECT_EQ(python_str("__import__('os').path.dirname(__import__('threading').__file__)"),
              build_stdlib);
}
