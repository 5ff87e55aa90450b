// SPDX-License-Identifier: BSD-3-Clause
//
// Heap allocations, counted: every replaceable form of the global operator new
// is replaced here and ends in counted_alloc(); the counters are global (all
// threads) and per thread (the measuring thread's own).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "counters.h"

namespace {
std::atomic<std::uint64_t> g_allocs_all{0};
thread_local std::uint64_t t_allocs_this = 0;

void* counted_alloc(std::size_t n, std::size_t align)
{
    g_allocs_all.fetch_add(1, std::memory_order_relaxed);
    ++t_allocs_this;
    if (n == 0)
        n = 1;
    void* p = nullptr;
    if (align <= alignof(std::max_align_t)) {
        p = std::malloc(n);
    } else {
        if (posix_memalign(&p, align, n) != 0)
            p = nullptr;
    }
    return p;
}
}  // namespace

namespace bench {
std::uint64_t allocs_this_thread() noexcept { return t_allocs_this; }
std::uint64_t allocs_process() noexcept { return g_allocs_all.load(std::memory_order_relaxed); }
}  // namespace bench

void* operator new(std::size_t n)
{
    if (void* p = counted_alloc(n, 0))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a)
{
    if (void* p = counted_alloc(n, static_cast<std::size_t>(a)))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept
{
    return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept
{
    return counted_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
