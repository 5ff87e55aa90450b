// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-bench-cmd: the cost of one command on the I/O path.  Submits and
// reaps N 4 KiB reads (Namespace::read, then Qpair::waitdone) on one qpair,
// one at a time or --qd at a time, after a warm-up, and reports the median and
// p99 latency of one read + waitdone (of one batch with --qd), commands per
// second, the doorbell updates and BAR0 doorbell writes, and what the measured
// loop must not do: heap allocations, lock acquisitions and system calls
// (counters.h says how each is counted).  The loop runs in a thread of its own
// under the system call trap.
//
//   nvmetest-bench-cmd [--pciaddr=BDF] [-n N] [--warmup W] [--depth D] [--qd Q]
//                      [--shadow-doorbell] [--max-allocs-per-cmd X]
//                      [--max-locks-per-cmd X] [--max-syscalls-per-cmd X]
//                      [--span BLOCKS] [--verify]
//
// --span limits the reads to the first BLOCKS 4 KiB blocks; --verify turns
// data verification on and writes those blocks first, so that every read is
// checked (the cost of verification on the command path).
//
// The DUT: --pciaddr, else $NVMETEST_PCIADDR, else $NVMETEST_DUT (the VM
// harness).  --shadow-doorbell: Doorbell Buffer Config with library memory
// before the qpair is created (shadow doorbells with EventIdx).  With a
// --max-*-per-cmd option the exit status is 1 when the loop did more than X of
// that per command (0 is the contract of the command path).  See docs/perf.md.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <nvmetest/buffer.h>
#include <nvmetest/controller.h>
#include <nvmetest/namespace.h>
#include <nvmetest/pcie.h>
#include <nvmetest/nvme/opcodes.h>
#include <nvmetest/qpair.h>

#include "counters.h"

namespace {

void usage(const char* argv0)
{
    std::fprintf(stderr,
                 "usage: %s [--pciaddr=BDF] [-n N] [--warmup W] [--depth D] [--qd Q]\n"
                 "          [--shadow-doorbell] [--max-allocs-per-cmd X]\n"
                 "          [--max-locks-per-cmd X] [--max-syscalls-per-cmd X]\n"
                 "          [--span BLOCKS] [--verify]\n",
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
    unsigned qd = 1;
    bool shadow = false;
    std::uint64_t span = 0;  // 4 KiB blocks read in turn; 0: the namespace
    bool verify = false;     // data verification on; the span is written first
    std::optional<double> max_allocs_per_cmd, max_locks_per_cmd, max_syscalls_per_cmd;
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
        else if (a == "--qd")
            o.qd = static_cast<unsigned>(parse_u64(value("--qd"), "queue depth"));
        else if (a == "--shadow-doorbell")
            o.shadow = true;
        else if (a == "--span")
            o.span = parse_u64(value("--span"), "span");
        else if (a == "--verify")
            o.verify = true;
        else if (a == "--max-allocs-per-cmd")
            o.max_allocs_per_cmd = std::strtod(value("--max-allocs-per-cmd"), nullptr);
        else if (a == "--max-locks-per-cmd")
            o.max_locks_per_cmd = std::strtod(value("--max-locks-per-cmd"), nullptr);
        else if (a == "--max-syscalls-per-cmd")
            o.max_syscalls_per_cmd = std::strtod(value("--max-syscalls-per-cmd"), nullptr);
        else if (a == "-h" || a == "--help") {
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
    if (o.qd == 0 || o.qd >= o.depth) {
        std::fprintf(stderr, "nvmetest-bench-cmd: --qd must be 1 .. depth - 1 (%u)\n",
                     o.depth - 1);
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

// What the measuring thread saw between the start and the end of its loop.
struct LoopCounts {
    std::uint64_t allocs = 0, locks = 0, syscalls = 0;
    std::uint64_t allocs_process = 0, locks_process = 0;  // all threads, same window
    std::vector<long> syscall_numbers;
    std::string trap_error;  // empty: system calls were counted
};

// Each counter is shown to work before its 0 is believed: the thread makes one
// allocation, takes one lock and makes one system call, and each must be seen.
std::string self_check(bool syscalls_trapped)
{
    const std::uint64_t a0 = bench::allocs_this_thread(), l0 = bench::locks_this_thread();
    {
        // The allocation is the point: the asm keeps the compiler from eliding it.
        char* p = new char[16];
        asm volatile("" : : "r"(p) : "memory");
        delete[] p;
        static std::mutex m;
        const std::lock_guard<std::mutex> hold(m);
    }
    // (A first allocation on a thread may itself make system calls: an arena.)
    const std::uint64_t s0 = bench::syscalls_trapped();
    const long ppid = syscall(SYS_getppid);
    const std::uint64_t s1 = bench::syscalls_trapped();
    if (bench::allocs_this_thread() - a0 != 1)
        return "the allocation counter is not in effect";
    if (bench::locks_this_thread() - l0 != 1)
        return "the lock counter is not in effect (pthread_mutex_lock not interposed)";
    const auto recent = bench::recent_syscall_numbers();
    if (syscalls_trapped && (s1 - s0 != 1 || recent.empty() || recent.back() != SYS_getppid ||
        ppid != getppid()))
        return "the system call trap did not count (or mis-executed) getppid()";
    return {};
}

void print_per_cmd(const char* what, std::uint64_t n, std::uint64_t cmds, const char* where)
{
    std::printf("%-17s %" PRIu64 " (%.4f per command) %s\n", what, n,
                static_cast<double>(n) / static_cast<double>(cmds), where);
}

bool over(const char* what, std::uint64_t n, std::uint64_t cmds, const std::optional<double>& max)
{
    const double per = static_cast<double>(n) / static_cast<double>(cmds);
    if (!max || per <= *max)
        return false;
    std::fprintf(stderr, "nvmetest-bench-cmd: FAIL: %.4f %s per command on the command path "
                 "(at most %g allowed)\n", per, what, *max);
    return true;
}

int run(const Options& o)
{
    using clock = std::chrono::steady_clock;
    nvmetest::Pcie pcie(o.pciaddr);
    nvmetest::Controller nvme0(pcie);
    if (o.shadow) {
        if (!nvme0.supports(nvmetest::nvme::admin::kDoorbellBufferConfig)) {
            std::fprintf(stderr, "nvmetest-bench-cmd: %s does not support Doorbell Buffer "
                         "Config: no --shadow-doorbell\n", o.pciaddr.c_str());
            return 1;
        }
        nvme0.dbbuf_config().waitdone();
    }
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
    const std::uint64_t batches = (o.n + o.qd - 1) / o.qd;
    const std::uint64_t cmds = batches * o.qd;
    auto batch = [&](std::uint64_t b) {
        for (unsigned k = 0; k < o.qd; k++)
            nvme0n1.read(qpair, buf, ((b * o.qd + k) % span) * lbas, lbas);
        qpair.waitdone(o.qd);
    };

    for (std::uint64_t i = 0; i < (o.warmup + o.qd - 1) / o.qd; i++)
        batch(i);

    std::vector<std::uint64_t> ns(batches);  // allocated before counting starts
    const nvmetest::DoorbellStats db0 = nvme0.doorbell_stats(qpair.sqid());
    LoopCounts counts;
    std::string check;
    clock::time_point t0, t1;
    std::exception_ptr failure;
    std::thread measure([&] {
        try {
            counts.trap_error = bench::trap_syscalls_in_this_thread();
            check = self_check(counts.trap_error.empty());
            if (!check.empty())
                return;
            const std::uint64_t a0 = bench::allocs_this_thread(), l0 = bench::locks_this_thread();
            const std::uint64_t aa0 = bench::allocs_process(), la0 = bench::locks_process();
            const std::uint64_t s0 = bench::syscalls_trapped();
            t0 = clock::now();
            auto prev = t0;
            for (std::uint64_t b = 0; b < batches; b++) {
                batch(b);
                const auto now = clock::now();
                ns[b] = static_cast<std::uint64_t>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(now - prev).count());
                prev = now;
            }
            t1 = clock::now();
            counts.allocs = bench::allocs_this_thread() - a0;
            counts.locks = bench::locks_this_thread() - l0;
            counts.syscalls = bench::syscalls_trapped() - s0;
            counts.allocs_process = bench::allocs_process() - aa0;
            counts.locks_process = bench::locks_process() - la0;
            if (counts.syscalls)
                counts.syscall_numbers = bench::recent_syscall_numbers();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    measure.join();
    if (failure)
        std::rethrow_exception(failure);
    if (!check.empty()) {
        std::fprintf(stderr, "nvmetest-bench-cmd: %s\n", check.c_str());
        return 1;
    }
    const nvmetest::DoorbellStats db1 = nvme0.doorbell_stats(qpair.sqid());

    const double secs = std::chrono::duration<double>(t1 - t0).count();
    const std::uint64_t med = percentile(ns, 0.50);
    const std::uint64_t p99 = percentile(ns, 0.99);
    std::printf("device            %s (nsid 1, %u-byte LBAs)\n", o.pciaddr.c_str(),
                nvme0n1.sector_size());
    std::printf("commands          %" PRIu64 " x 4 KiB read, %u per waitdone (qpair depth %u), "
                "after %" PRIu64 " warm-up, over %" PRIu64 " blocks, verification %s\n",
                cmds, o.qd, o.depth, o.warmup, span, o.verify ? "on" : "off");
    std::printf("shadow doorbells  %s\n", db1.shadow ? "on (EventIdx)" : "off");
    const char* unit = o.qd == 1 ? "" : " per batch";
    std::printf("latency median    %" PRIu64 " ns%s\n", med, unit);
    std::printf("latency p99       %" PRIu64 " ns%s\n", p99, unit);
    std::printf("throughput        %.0f commands/s\n", static_cast<double>(cmds) / secs);
    std::printf("SQ doorbell       %" PRIu64 " updates, %" PRIu64 " BAR0 writes (%.4f per command)\n",
                db1.sq_updates - db0.sq_updates, db1.sq_mmio - db0.sq_mmio,
                static_cast<double>(db1.sq_mmio - db0.sq_mmio) / static_cast<double>(cmds));
    std::printf("CQ doorbell       %" PRIu64 " updates, %" PRIu64 " BAR0 writes (%.4f per command)\n",
                db1.cq_updates - db0.cq_updates, db1.cq_mmio - db0.cq_mmio,
                static_cast<double>(db1.cq_mmio - db0.cq_mmio) / static_cast<double>(cmds));
    print_per_cmd("allocations", counts.allocs, cmds, "on the measuring thread");
    std::printf("                  %" PRIu64 " in the process\n", counts.allocs_process);
    print_per_cmd("lock acquisitions", counts.locks, cmds, "on the measuring thread");
    std::printf("                  %" PRIu64 " in the process\n", counts.locks_process);
    if (counts.trap_error.empty()) {
        print_per_cmd("system calls", counts.syscalls, cmds, "on the measuring thread");
        if (!counts.syscall_numbers.empty()) {
            std::printf("                  numbers of the last ones:");
            for (long nr : counts.syscall_numbers)
                std::printf(" %ld", nr);
            std::printf("\n");
        }
    } else {
        std::printf("system calls      not counted: %s\n", counts.trap_error.c_str());
        if (o.max_syscalls_per_cmd) {
            std::fprintf(stderr, "nvmetest-bench-cmd: FAIL: system calls cannot be counted\n");
            return 1;
        }
    }
    bool fail = over("heap allocations", counts.allocs, cmds, o.max_allocs_per_cmd);
    fail |= over("lock acquisitions", counts.locks, cmds, o.max_locks_per_cmd);
    fail |= over("system calls", counts.syscalls, cmds, o.max_syscalls_per_cmd);
    return fail ? 1 : 0;
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
