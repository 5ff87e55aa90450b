// SPDX-License-Identifier: BSD-3-Clause
//
// What the metamode device tests share: the fixture (nvme0, nvme0n1) and a way
// to put known data on the namespace through the library's own driver, so
// that what a metamode read returns is checked against a second path.
#ifndef NVMETEST_TESTS_DEVICE_META_FIXTURE_H
#define NVMETEST_TESTS_DEVICE_META_FIXTURE_H

#include <nvmetest/fixtures.h>
#include <nvmetest/gtest_warnings.h>
#include <nvmetest/metamode.h>

#include <algorithm>
#include <cstdint>
#include <span>

namespace nvmetest::testing {

class MetaTest : public Nvme0n1Test {
protected:
    // A Qpair on a queue ID far from the ones the seeds' examples use (1..4).
    static constexpr std::uint16_t kLibraryQid = 30;

    // Writes data (whole blocks) at lba through a Qpair, and waits.
    void write_lbas(Buffer& data, std::uint64_t lba, std::uint32_t count)
    {
        Qpair q(nvme0, 16, {.sqid = kLibraryQid});
        nvme0n1.write(q, data, lba, count).waitdone();
    }

    // A Buffer of count blocks of random data (another draw every call).
    Buffer random_data(std::uint32_t count)
    {
        return Buffer(count * nvme0n1.sector_size(), {.pvalue = 100, .ptype = 0xbeef});
    }

    static bool same_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b)
    {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
    }
};

}  // namespace nvmetest::testing

#endif  // NVMETEST_TESTS_DEVICE_META_FIXTURE_H
