// SPDX-License-Identifier: BSD-3-Clause
// The lifetime of memory a command may still write, and when a timeout is
// declared.  QEMU's I/O throttling (QMP block_set_io_throttle) keeps reads
// in flight long after their 1 ms timeout; a Verify on another queue, sent
// after them, comes out of QEMU's throttle queue (one FIFO for reads) only
// after they did: once it completed, every late transfer has landed.
#include <nvmetest/fixtures.h>
#include <nvmetest/warnings.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ioworker/qemu_throttle.h"

namespace {

using nvmetest::Buffer;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;
using nvmetest::testing::QpairTest;

constexpr unsigned kReads = 16;
constexpr std::size_t kReadBytes = 512 * 1024;
constexpr std::uint8_t kMedia = 0x5a;  // what the reads bring
constexpr std::uint8_t kFresh = 0xc3;  // what the new buffers must keep
constexpr int kThrottleIops = 10;      // the 16 reads take 1.6 s

bool all_ones(const Cqe& c) { return c.dw[0] == 0xffffffffu && c.dw[3] == 0xffffffffu; }

// Reaps n on q and returns how many read timeouts it warned; any other
// warning fails the test.
unsigned waitdone_counting_timeouts(Qpair& q, unsigned n)
{
    std::vector<nvmetest::Warning> ws;
    {
        nvmetest::WarningCapture capture;
        q.waitdone(n);
        ws = capture.take();
    }
    unsigned timeouts = 0;
    for (const auto& w : ws) {
        const bool timeout = w.message.rfind("timeout: Read (opcode 0x02", 0) == 0;
        EXPECT_TRUE(timeout) << "unexpected warning: " << w.message;
        timeouts += timeout;
    }
    return timeouts;
}

class LateDmaTest : public QpairTest {
protected:
    void SetUp() override
    {
        lbas = static_cast<std::uint32_t>(kReadBytes / nvme0n1.sector_size());
        Buffer w(kReadBytes);
        std::memset(w.bytes().data(), kMedia, kReadBytes);
        for (unsigned i = 0; i < kReads; i++)
            nvme0n1.write(qpair, w, std::uint64_t{i} * lbas, lbas);
        qpair.waitdone(kReads);
        ns_id = devtest::namespace_qdev_id(1);
        ASSERT_FALSE(ns_id.empty()) << "QEMU's query-pci does not list "
                                    << nvmetest::testing::pciaddr();
    }

    // Reads of the media's pattern into buffers of their own, on q.
    void submit_reads(Qpair& q, std::vector<Buffer>& into, nvmetest::Callback cb = {})
    {
        for (unsigned i = 0; i < kReads; i++) {
            into.emplace_back(kReadBytes, "doomed");
            nvme0n1.read(q, into.back(), std::uint64_t{i} * lbas, lbas, {.cb = cb});
        }
    }

    // New buffers, filled, as the memory the dropped ones gave back is
    // handed out again.
    std::vector<Buffer> fresh_buffers()
    {
        std::vector<Buffer> fresh;
        for (unsigned i = 0; i < 2 * kReads; i++) {
            fresh.emplace_back(kReadBytes, "fresh");
            std::memset(fresh.back().bytes().data(), kFresh, kReadBytes);
        }
        return fresh;
    }

    // Waits (bounded by the Verify's timeout) until QEMU served every read
    // sent before: the throttle queue is FIFO.
    void wait_reads_served(Qpair& other)
    {
        nvme0n1.verify(other, 0, 1).waitdone();
    }

    static void expect_untouched(const std::vector<Buffer>& fresh)
    {
        std::size_t overwritten = 0;
        for (const Buffer& b : fresh)
            for (std::uint8_t byte : b.bytes())
                overwritten += byte != kFresh;
        EXPECT_EQ(overwritten, 0u) << "bytes of new Buffers the device overwrote with "
                                      "late reads into memory freed before";
    }

    std::uint32_t lbas = 0;
    std::string ns_id;
};

// Buffers of reads that timed out are dropped; the late transfers must not
// reach the memory handed out next.  Their completions are reaped later and
// the command log shows them.
TEST_F(LateDmaTest, TimedOutReadsKeepTheirBuffersUntilTheyComplete)
{
    Qpair other(nvme0, 4);
    nvme0n1.set_timeout_ms(0x02, 1);
    devtest::QemuThrottle throttle(ns_id, kThrottleIops);
    ASSERT_TRUE(throttle.on()) << throttle.error();
    unsigned timed_out = 0;
    {
        std::vector<Buffer> doomed;
        submit_reads(qpair, doomed, [&](const Cqe& c) { timed_out += all_ones(c); });
        EXPECT_EQ(waitdone_counting_timeouts(qpair, kReads), timed_out);
    }
    // The first read may pass the throttle at once; the rest cannot.
    EXPECT_GE(timed_out, kReads - 2);
    const std::vector<Buffer> fresh = fresh_buffers();
    wait_reads_served(other);
    throttle.off();
    expect_untouched(fresh);

    // A later waitdone takes the late completions; the log keeps their CQEs.
    nvme0n1.set_timeout_ms(0x02, 10000);
    Buffer one(nvme0n1.sector_size());
    nvme0n1.read(qpair, one, 0, 1).waitdone();
    unsigned late = 0;
    for (const auto& e : qpair.cmdlog(2 * kReads))
        late += e.timed_out && e.cqe.ok() && e.cqe.cid() == e.sqe.cid();
    EXPECT_EQ(late, timed_out);
}

// Buffers dropped while their reads are outstanding, then the Qpair: the
// memory stays allocated until the device is done.  (QEMU confirms deleting a
// queue only after the reads it holds finished, with the vCPUs waiting, so the
// transfers land while the Qpair goes.)
TEST_F(LateDmaTest, BuffersDroppedWithReadsOutstandingThenTheQpair)
{
    devtest::QemuThrottle throttle(ns_id, kThrottleIops);
    ASSERT_TRUE(throttle.on()) << throttle.error();
    std::vector<Buffer> fresh;
    {
        Qpair doomed_q(nvme0, 32);
        std::vector<Buffer> doomed;
        submit_reads(doomed_q, doomed);
        doomed.clear();  // the Buffers go first, the reads are in flight
        fresh = fresh_buffers();
    }
    wait_reads_served(qpair);
    throttle.off();
    expect_untouched(fresh);
}

// A timeout is judged by each command's own deadline.  All 16 reads
// completed long after their 1 ms deadline, and their completions wait in
// the CQ together when waitdone() starts: each one timed out.
TEST_F(LateDmaTest, ReadsPastTheirDeadlineTimeOutWhenTheirCompletionsArriveTogether)
{
    Qpair other(nvme0, 4);
    nvme0n1.set_timeout_ms(0x02, 1);
    devtest::QemuThrottle throttle(ns_id, kThrottleIops);
    ASSERT_TRUE(throttle.on()) << throttle.error();
    std::vector<Buffer> bufs;
    unsigned timed_out = 0, ok = 0;
    submit_reads(qpair, bufs, [&](const Cqe& c) {
        timed_out += all_ones(c);
        ok += c.ok() && !all_ones(c);
    });
    wait_reads_served(other);
    throttle.off();
    EXPECT_EQ(waitdone_counting_timeouts(qpair, kReads), timed_out);
    // The first read may pass the throttle within 1 ms; none of the others.
    EXPECT_GE(timed_out, kReads - 2);
    EXPECT_EQ(timed_out + ok, kReads);
}

}  // namespace
