// tests/support/each_kernel.hpp: runs a check once with every counting kernel this CPU has
#pragma once

#include "engine/kernels.hpp"

namespace gilsafe_test {

/// Makes the counts use `k` while it lives, then the kernel they used before.
class kernel_scope {
public:
    explicit kernel_scope(gilsafe::detail::kernel k) : before_(gilsafe::detail::active_kernel()) {
        gilsafe::detail::use_kernel(k);
    }
    ~kernel_scope() { gilsafe::detail::use_kernel(before_); }
    kernel_scope(const kernel_scope&) = delete;
    kernel_scope& operator=(const kernel_scope&) = delete;

private:
    gilsafe::detail::kernel before_;
};

/// Calls body(k) with each kernel k this CPU runs in use, slowest first.
template <class Body> void for_each_kernel(Body&& body) {
    for (const gilsafe::detail::kernel k : gilsafe::detail::supported_kernels()) {
        const kernel_scope scope(k);
        body(k);
    }
}

} // namespace gilsafe_test
