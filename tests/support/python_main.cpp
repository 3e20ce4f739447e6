// tests/support/python_main.cpp: main() for test binaries that need Python: ONE interpreter for the
// run
#include <gtest/gtest.h>
#include <pybind11/embed.h>

#include "gilsafe/gil.hpp"

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    gilsafe::reserve_python_stack(); // as gil_demo does, before oneTBB starts a worker
    // Started once, never restarted (pybind11's embed tests do the same); the main
    // thread holds the GIL while the tests run, as the gil_demo host does.
    pybind11::scoped_interpreter interpreter(false);
    return RUN_ALL_TESTS();
}
