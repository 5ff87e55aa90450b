// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-bench-ioworker-verify: what data verification costs the IOWorker
// (issue 4's benchmark).  Writes the first --span LBAs once with verification
// on (so every later read is checked against a stored value), then runs a
// 4 KiB random read IOWorker at --qd over them for --time seconds, with
// verification off and on alternately, --runs times each, and prints each
// run's IOPS, the medians and the ratio on/off.  (No CPU time per I/O: the
// worker polls, so its thread is busy whether or not the engine costs.)
//
//   nvmetest-bench-ioworker-verify [--pciaddr=BDF] [--time S] [--runs N]
//                                  [--qd Q] [--span LBAS]
//
// The DUT: --pciaddr, else $NVMETEST_PCIADDR, else $NVMETEST_DUT (the VM
// harness).  Exit status 1 when a run failed (an error code or a mismatch).
// See docs/perf.md.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <nvmetest/controller.h>
#include <nvmetest/ioworker.h>
#include <nvmetest/namespace.h>
#include <nvmetest/pcie.h>

namespace {

struct Options {
    std::string pciaddr;
    double time = 3;
    unsigned runs = 5;
    unsigned qd = 32;
    std::uint64_t span = 131072;
};

[[noreturn]] void usage(int status)
{
    std::fprintf(stderr, "usage: nvmetest-bench-ioworker-verify [--pciaddr=BDF] [--time S] "
                         "[--runs N] [--qd Q] [--span LBAS]\n");
    std::exit(status);
}

double number(const char* s, const char* what)
{
    char* end = nullptr;
    const double v = std::strtod(s, &end);
    if (!*s || *end || v <= 0) {
        std::fprintf(stderr, "nvmetest-bench-ioworker-verify: %s: not a positive number: %s\n",
                     what, s);
        std::exit(2);
    }
    return v;
}

Options parse(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc)
                usage(2);
            return argv[++i];
        };
        if (a.rfind("--pciaddr=", 0) == 0)
            o.pciaddr = a.substr(10);
        else if (a == "--pciaddr")
            o.pciaddr = value();
        else if (a == "--time")
            o.time = number(value(), "--time");
        else if (a == "--runs")
            o.runs = static_cast<unsigned>(number(value(), "--runs"));
        else if (a == "--qd")
            o.qd = static_cast<unsigned>(number(value(), "--qd"));
        else if (a == "--span")
            o.span = static_cast<std::uint64_t>(number(value(), "--span"));
        else if (a == "-h" || a == "--help")
            usage(0);
        else
            usage(2);
    }
    if (o.pciaddr.empty()) {
        const char* v = std::getenv("NVMETEST_PCIADDR");
        if (!v || !*v)
            v = std::getenv("NVMETEST_DUT");
        o.pciaddr = v ? v : "";
    }
    if (o.pciaddr.empty()) {
        std::fprintf(stderr, "nvmetest-bench-ioworker-verify: no device: --pciaddr or "
                             "$NVMETEST_PCIADDR\n");
        std::exit(2);
    }
    return o;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench(const Options& o)
{
    nvmetest::Pcie pcie(o.pciaddr);
    nvmetest::Controller nvme0(pcie);
    nvmetest::Namespace nvme0n1(nvme0);
    const std::uint32_t lbas = std::max<std::uint32_t>(1, 4096 / nvme0n1.sector_size());
    const std::uint64_t span = std::min(o.span, nvme0n1.capacity()) / lbas * lbas;
    if (!nvme0n1.verify_enable(true)) {
        std::fprintf(stderr, "nvmetest-bench-ioworker-verify: verification refused (memory)\n");
        return 1;
    }
    const auto fill = nvme0n1
                          .ioworker({.io_size = lbas, .lba_align = lbas, .lba_random = false,
                                     .read_percentage = 0, .qdepth = o.qd, .region_end = span})
                          .start()
                          .close();
    if (fill.error) {
        std::fprintf(stderr, "nvmetest-bench-ioworker-verify: filling failed: error %d\n",
                     fill.error);
        return 1;
    }
    std::printf("filled %llu LBAs; 4 KiB random read, QD %u, %.1f s per run\n",
                static_cast<unsigned long long>(span), o.qd, o.time);
    std::vector<double> iops[2];
    int failed = 0;
    for (unsigned r = 0; r < o.runs; r++) {
        for (int on = 0; on < 2; on++) {
            nvme0n1.verify_enable(on == 1);  // reads only: the map stays valid while off
            const auto res = nvme0n1
                                 .ioworker({.io_size = lbas, .lba_align = lbas, .time = o.time,
                                            .read_percentage = 100, .qdepth = o.qd,
                                            .region_end = span})
                                 .start()
                                 .close();
            const double s = static_cast<double>(res.mseconds) / 1000;
            const double run_iops = s > 0 ? static_cast<double>(res.io_count_read) / s : 0;
            iops[on].push_back(run_iops);
            std::printf("run %u verify %-3s  %9.0f IOPS  error %d\n", r + 1, on ? "on" : "off",
                        run_iops, res.error);
            failed |= res.error != 0;
        }
    }
    const double off = median(iops[0]), on = median(iops[1]);
    std::printf("median IOPS: off %.0f, on %.0f; on/off %.3f\n", off, on, off > 0 ? on / off : 0);
    return failed;
}

}  // namespace

int main(int argc, char** argv) try {
    return bench(parse(argc, argv));
} catch (const std::exception& e) {
    std::fprintf(stderr, "nvmetest-bench-ioworker-verify: %s\n", e.what());
    return 1;
}
