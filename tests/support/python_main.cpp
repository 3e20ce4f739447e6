// tests/support/python_main.cpp: main() for test binaries that need Python: ONE interpreter for the
// run
#include "embedded_python.hpp"
#include "gilsafe/gil.hpp"

#include <gtest/gtest.h>

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    gilsafe::reserve_python_stack(); // as gil_demo does, before oneTBB starts a worker
    // Started once, never restarted (pybind11's embed tests do the same); the main
    // thread holds the GIL while the tests run, as the gil_demo host does. The build's
    // Python, as gil_demo's (not the first python3 on PATH).
    const gil_demo::embedded_python interpreter(false);
    return RUN_ALL_TESTS();
}
