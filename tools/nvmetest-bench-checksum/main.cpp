// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-bench-checksum: the cost per 4 KiB of each checksum candidate for
// data verification (docs/perf.md, "Checksum of data verification").  Run it
// natively and inside the TCG guest: the CRC32 instruction that is cheap on
// hardware is emulated there.
//
//   nvmetest-bench-checksum [-n BLOCKS] [--rounds R]
#include "nvmetest/pattern.h"
#include "nvmetest/verify.h"
#include "nvmetest/verify_checksum.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

struct Candidate {
    const char* name;
    std::function<std::uint64_t(std::span<const std::uint8_t>)> fn;
    bool available;
};

} // namespace

int main(int argc, char** argv) {
    std::size_t blocks = 4096; // 16 MiB of 4 KiB blocks per round
    int rounds = 5;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "-n") && i + 1 < argc)
            blocks = std::strtoul(argv[++i], nullptr, 0);
        else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [-n BLOCKS] [--rounds R]\n", argv[0]);
            return 2;
        }
    }
    if (!blocks || rounds < 1) {
        std::fprintf(stderr, "-n and --rounds must be positive\n");
        return 2;
    }
    std::vector<std::uint8_t> data(blocks * 4096);
    nvmetest::fill_pattern(data, nvmetest::kPtypeRandom, 100);

    using namespace nvmetest::verify;
    const Candidate candidates[] = {
        {"crc32c slice-by-8", [](auto s) { return crc32c_slice8(s); }, true},
        {"crc32c sse4.2", [](auto s) { return crc32c_sse42(s); }, crc32c_sse42_available()},
        {"mulfold64", [](auto s) { return mulfold64(s); }, true},
        {"mulfold64x4", [](auto s) { return mulfold64x4(s); }, true},
        {"bit_parity", [](auto s) { return static_cast<std::uint64_t>(bit_parity(s)); }, true},
        {"check32 (mulfold+parity)",
         [](auto s) { return static_cast<std::uint64_t>(check32(CheckAlgorithm::MulFold, s)); },
         true},
        {"crc8 (bytewise table)", [](auto s) { return nvmetest::crc8(s); }, true},
        {"crc32c() as dispatched", [](auto s) { return crc32c(s); }, true},
    };
    std::printf("crc32c() dispatches to: %.*s\n", static_cast<int>(crc32c_implementation().size()),
                crc32c_implementation().data());
    std::printf("%-24s %12s %10s   (best of %d rounds of %zu blocks)\n", "checksum", "ns/4KiB",
                "MB/s", rounds, blocks);
    for (const Candidate& c : candidates) {
        if (!c.available) {
            std::printf("%-24s %12s\n", c.name, "unavailable");
            continue;
        }
        double best = 1e30;
        volatile std::uint64_t sink = 0;
        for (int r = 0; r < rounds; r++) {
            const auto t0 = std::chrono::steady_clock::now();
            for (std::size_t b = 0; b < blocks; b++)
                sink = sink + c.fn({data.data() + b * 4096, 4096});
            const auto t1 = std::chrono::steady_clock::now();
            best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count());
        }
        const double per = best / static_cast<double>(blocks);
        std::printf("%-24s %12.0f %10.0f\n", c.name, per, 4096.0 / per * 1e3);
    }

    // What the engine adds to one 4 KiB I/O (8 LBAs of 512 bytes) with the
    // algorithm chosen at run time: lock + inject + store for a write, lock +
    // check for a read.
    VerifyConfig cfg;
    cfg.id.nsid = 1;
    cfg.id.nsze = blocks * 8;
    cfg.id.lba_bytes = 512;
    Verifier v(cfg);
    std::printf("\nengine per 4 KiB I/O (8 x 512-byte LBAs), check algorithm %.*s:\n",
                static_cast<int>(check_algorithm_name(v.algorithm()).size()),
                check_algorithm_name(v.algorithm()).data());
    auto time_io = [&](const char* name, auto&& io) {
        double best = 1e30;
        for (int r = 0; r < rounds; r++) {
            const auto t0 = std::chrono::steady_clock::now();
            for (std::size_t b = 0; b < blocks; b++)
                io(b);
            const auto t1 = std::chrono::steady_clock::now();
            best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count());
        }
        std::printf("%-24s %12.0f ns\n", name, best / static_cast<double>(blocks));
    };
    time_io("write: lock+inject+store", [&](std::size_t b) {
        v.lock(b * 8, 8, 1000, nullptr, nullptr);
        v.inject(data.data() + b * 4096, b * 8, 8);
        v.written(data.data() + b * 4096, b * 8, 8);
        v.unlock(b * 8, 8);
    });
    std::uint32_t bad = 0;
    time_io("read: lock+check", [&](std::size_t b) {
        Mismatch m[1];
        v.lock(b * 8, 8, 1000, nullptr, nullptr);
        bad += v.check_read(data.data() + b * 4096, b * 8, 8, true, m, 1);
        v.unlock(b * 8, 8);
    });
    if (bad) {
        std::fprintf(stderr, "engine reported %u mismatches on clean data\n", bad);
        return 1;
    }
    return 0;
}
