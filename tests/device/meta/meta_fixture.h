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
#include <chrono>
#include <cstdint>
#include <span>
#include <thread>

namespace nvmetest::testing {

namespace meta = nvmetest::meta;

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

    // AERs complete on the admin queue and are reaped while it is polled: polls
    // it (Get Features, Number of Queues) until aer saw an event, at most 2 s.
    void poll_admin_until_aer(const AerRecorder& aer)
    {
        using namespace std::chrono_literals;
        const auto limit = std::chrono::steady_clock::now() + 2s;
        do {
            std::this_thread::sleep_for(50ms);
            nvme0.getfeatures(7).waitdone();
        } while (aer.count() == 0 && std::chrono::steady_clock::now() < limit);
    }

    static bool same_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b)
    {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
    }
};

// MetaTest with a CQ and an SQ (ID 1, depth 10) and a way to send one command.
class MetaQueueTest : public MetaTest {
protected:
    meta::IOCQ cq{nvme0, 1, 10, meta::PRP(10 * 16)};
    meta::IOSQ sq{nvme0, 1, 10, meta::PRP(10 * 64), cq};

    // Writes cmd at the tail, rings, waits for its completion, releases it.
    meta::CQE run(const meta::SQE& cmd)
    {
        const std::uint32_t slot = sq.tail();
        sq[slot] = cmd;
        sq.set_tail((slot + 1) % sq.depth());
        const meta::CQE c = cq.waitdone(1);
        cq.set_head((cq.head() + 1) % cq.depth());
        return c;
    }
};

}  // namespace nvmetest::testing

#endif  // NVMETEST_TESTS_DEVICE_META_FIXTURE_H
