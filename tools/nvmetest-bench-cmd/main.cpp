// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-bench-cmd: the cost of one command on the I/O path.  Submits and
// reaps N 4 KiB reads one at a time (Namespace::read, then Qpair::waitdone) on
// one qpair, after a warm-up, and reports the median and p99 latency of one
// read + waitdone, commands per second, and the heap allocations made by the
// measured loop (global operator new is replaced here to count them).
//
//   nvmetest-bench-cmd [--pciaddr=BDF] [-n N] [--warmup W] [--depth D]
//                      [--span BLOCKS] [--verify] [--max-allocs-per-cmd X]
//
// --span limits the reads to the first BLOCKS 4 KiB blocks; --verify turns
// data verification on and writes those blocks first, so that every read is
// checked (the cost of verification on the command path).
//
// The DUT: --pciaddr, else $NVMETEST_PCIADDR, else $NVMETEST_DUT (the VM
// harness).  With --max-allocs-per-cmd the exit status is 1 when the loop
// allocated more than X per command (0 is the contract of the command path).
// See docs/perf.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <nvmetest/buffer.h>
#include <nvmetest/controller.h>
#include <nvmetest/namespace.h>
#include <nvmetest/pcie.h>
#include <nvmetest/qpair.h>

// ------------------------------------------------------------ allocation counter
// Every replaceable form of operator new ends in one of these two functions;
// the counters are global (all threads) and per thread (the benchmark's own).
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

namespace {

void usage(const char* argv0)
{
    std::fprintf(stderr,
                 "usage: %s [--pciaddr=BDF] [-n N] [--warmup W] [--depth D]\n"
                 "          [--span BLOCKS] [--verify] [--max-allocs-per-cmd X]\n",
                 argv0);
}

std::uint64_t parse_u64(const char* s, const char* what)
{
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(s, &end, 0);
    if (errno || !end || *end || !*s) {
        std::fprintf(stderr, "nvmetest-bench-cmd: bad %s: %s\n", what, s);
        std::exit(2);
    }
    return v;
}

struct Options {
    std::string pciaddr;
    std::uint64_t n = 20000;
    std::uint64_t warmup = 2000;
    unsigned depth = 64;
    std::uint64_t span = 0;  // 4 KiB blocks read in turn; 0: the namespace
    bool verify = false;     // data verification on; the span is written first
    bool check_allocs = false;
    double max_allocs_per_cmd = 0;
};

Options parse(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        auto value = [&](const char* what) -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "nvmetest-bench-cmd: %s needs a value\n", what);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a.rfind("--pciaddr=", 0) == 0)
            o.pciaddr = a.substr(10);
        else if (a == "--pciaddr")
            o.pciaddr = value("--pciaddr");
        else if (a == "-n" || a == "--count")
            o.n = parse_u64(value("-n"), "count");
        else if (a == "--warmup")
            o.warmup = parse_u64(value("--warmup"), "warm-up count");
        else if (a == "--depth")
            o.depth = static_cast<unsigned>(parse_u64(value("--depth"), "depth"));
        else if (a == "--span")
            o.span = parse_u64(value("--span"), "span");
        else if (a == "--verify")
            o.verify = true;
        else if (a == "--max-allocs-per-cmd") {
            o.check_allocs = true;
            o.max_allocs_per_cmd = std::strtod(value("--max-allocs-per-cmd"), nullptr);
        } else if (a == "-h" || a == "--help") {
            usage(argv[0]);
            std::exit(0);
        } else {
            usage(argv[0]);
            std::exit(2);
        }
    }
    if (o.pciaddr.empty())
        for (const char* var : {"NVMETEST_PCIADDR", "NVMETEST_DUT"})
            if (const char* v = std::getenv(var); v && *v) {
                o.pciaddr = v;
                break;
            }
    if (o.pciaddr.empty()) {
        std::fprintf(stderr, "nvmetest-bench-cmd: no device: --pciaddr=BDF or $NVMETEST_DUT\n");
        std::exit(2);
    }
    if (o.n == 0) {
        std::fprintf(stderr, "nvmetest-bench-cmd: -n must be at least 1\n");
        std::exit(2);
    }
    return o;
}

std::uint64_t percentile(std::vector<std::uint64_t>& v, double p)
{
    const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

int run(const Options& o)
{
    using clock = std::chrono::steady_clock;
    nvmetest::Pcie pcie(o.pciaddr);
    nvmetest::Controller nvme0(pcie);
    nvmetest::Namespace nvme0n1(nvme0);
    nvmetest::Qpair qpair(nvme0, o.depth);
    nvmetest::Buffer buf(4096);
    const std::uint32_t lbas = 4096 / nvme0n1.sector_size();
    std::uint64_t span = std::max<std::uint64_t>(1, nvme0n1.capacity() / lbas);
    if (o.span)
        span = std::min(span, o.span);
    if (o.verify) {
        // Verified reads need known data: write the span once (not timed).
        if (!nvme0n1.verify_enable(true)) {
            std::fprintf(stderr, "nvmetest-bench-cmd: verification refused (memory)\n");
            return 1;
        }
        for (std::uint64_t i = 0; i < span; i++)
            nvme0n1.write(qpair, buf, i * lbas, lbas).waitdone();
    }

    for (std::uint64_t i = 0; i < o.warmup; i++)
        nvme0n1.read(qpair, buf, (i % span) * lbas, lbas).waitdone();

    std::vector<std::uint64_t> ns(o.n);  // allocated before counting starts
    const std::uint64_t all0 = g_allocs_all.load();
    const std::uint64_t this0 = t_allocs_this;
    if (this0 == 0) {  // ns above went through operator new: the counter must have seen it
        std::fprintf(stderr, "nvmetest-bench-cmd: the allocation counter is not in effect\n");
        return 1;
    }
    const auto t0 = clock::now();
    auto prev = t0;
    for (std::uint64_t i = 0; i < o.n; i++) {
        nvme0n1.read(qpair, buf, (i % span) * lbas, lbas).waitdone();
        const auto now = clock::now();
        ns[i] = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - prev).count());
        prev = now;
    }
    const auto t1 = clock::now();
    const std::uint64_t allocs_this = t_allocs_this - this0;
    const std::uint64_t allocs_all = g_allocs_all.load() - all0;

    const double secs = std::chrono::duration<double>(t1 - t0).count();
    const std::uint64_t med = percentile(ns, 0.50);
    const std::uint64_t p99 = percentile(ns, 0.99);
    const double per_cmd_this = static_cast<double>(allocs_this) / static_cast<double>(o.n);
    const double per_cmd_all = static_cast<double>(allocs_all) / static_cast<double>(o.n);
    std::printf("device            %s (nsid 1, %u-byte LBAs)\n", o.pciaddr.c_str(),
                nvme0n1.sector_size());
    std::printf("commands          %" PRIu64 " x 4 KiB read, queue depth 1 (qpair depth %u), "
                "after %" PRIu64 " warm-up, over %" PRIu64 " blocks, verification %s\n",
                o.n, o.depth, o.warmup, span, o.verify ? "on" : "off");
    std::printf("latency median    %" PRIu64 " ns\n", med);
    std::printf("latency p99       %" PRIu64 " ns\n", p99);
    std::printf("throughput        %.0f commands/s\n", static_cast<double>(o.n) / secs);
    std::printf("allocations       %" PRIu64 " (%.4f per command) on this thread, %" PRIu64
                " (%.4f per command) in the process\n",
                allocs_this, per_cmd_this, allocs_all, per_cmd_all);
    if (o.check_allocs && per_cmd_this > o.max_allocs_per_cmd) {
        std::fprintf(stderr,
                     "nvmetest-bench-cmd: FAIL: %.4f heap allocations per command on the "
                     "command path (at most %g allowed)\n",
                     per_cmd_this, o.max_allocs_per_cmd);
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    const Options o = parse(argc, argv);
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nvmetest-bench-cmd: %s\n", e.what());
        return 1;
    }
}
