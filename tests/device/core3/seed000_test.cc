// SPDX-License-Identifier: BSD-3-Clause
// Ports of the code examples of seed 000 ("PyNVMe3 API") that no other test in
// this directory already runs; tests/device/core3/SEED-PORTS.md maps every
// example of the seed to its test.  Each test names its section and Python
// function, and keeps the Python steps in their order; lines added to make the
// example observable say so.  Default profile.
#include <nvmetest/fixtures.h>
#include <nvmetest/gtest_warnings.h>
#include <nvmetest/nvme/status.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace {

using nvmetest::Buffer;
using nvmetest::Controller;
using nvmetest::Namespace;
using nvmetest::Qpair;
using nvmetest::Subsystem;
using nvmetest::nvme::Cqe;
using namespace std::chrono_literals;

// The Python fixture lists of the examples.
class Seed000Pcie : public nvmetest::testing::PcieTest {};           // (pcie)
class Seed000Nvme0 : public nvmetest::testing::Nvme0Test {           // (nvme0, buf)
protected:
    Buffer buf{4096};
};
class Seed000Qpair : public nvmetest::testing::Nvme0n1Test {         // (nvme0n1, qpair)
protected:
    Qpair qpair{nvme0, 64};
};
class Seed000 : public nvmetest::testing::QpairTest {};              // (nvme0n1, qpair, buf)

constexpr std::uint16_t sc_of(std::uint16_t status) { return status & 0x7ff; }  // SCT and SC

// The SQ y Tail Doorbell of queue qid (NVMe 1.4, 3.1.24).
std::uint32_t sq_tail_doorbell(Controller& nvme0, std::uint16_t qid)
{
    const std::uint32_t dstrd = static_cast<std::uint32_t>(nvme0.cap() >> 32) & 0xf;
    return 0x1000 + (2u * qid) * (4u << dstrd);
}

// ------------------------------------------------------------ 1. Buffer

// 1.2 Data Patterns: test_write_buffer, then the refill of write_buf that the
// section continues with.  Reading back after each write is added.
TEST_F(Seed000, WriteBuffer)
{
    Buffer write_buf(512, {.pvalue = 100, .ptype = 0xbeef});
    nvme0n1.write(qpair, write_buf, 0, 1).waitdone();
    nvme0n1.read(qpair, buf, 0, 1).waitdone();
    for (std::size_t i = 0; i < 512; i++)
        ASSERT_EQ(buf[i], write_buf[i]) << "random data, byte " << i;

    // Refill with a repeating 32-bit pattern
    write_buf.fill_pattern(0x55, 32);
    nvme0n1.write(qpair, write_buf, 0, 1).waitdone();
    nvme0n1.read(qpair, buf, 0, 1).waitdone();
    EXPECT_EQ(buf.data(3, 0), 0x55u);
    EXPECT_EQ(buf.data(511, 508), 0x55u);
    EXPECT_EQ(buf.data(515, 512), 0u);  // one block only: the rest of buf untouched
}

// 1.3 Memory Layout: test_prp_page_offset.  PRP1 ends in binary 11, which the
// NVMe specification forbids (PRP entries are dword aligned); QEMU 7.2 does not
// check it and transfers to the exact byte.  Writing known data to LBA 0 first
// is added so that the bytes can be checked.
TEST_F(Seed000Qpair, PrpPageOffset)
{
    Buffer lba0(512, {.pvalue = 0x1111, .ptype = 0x1234});
    nvme0n1.write(qpair, lba0, 0, 1).waitdone();

    // Allocate 515 bytes (512 + 3)
    Buffer buf(512 + 3);
    // Expose only the last 512 bytes, starting at offset 3
    buf.set_offset(3);
    buf.set_size(512);
    // Submit a read command into this adjusted buffer
    std::uint16_t status = 0xffff;
    nvme0n1.read(qpair, buf, 0, 1, {.cb = [&](const Cqe& c) { status = c.status(); }}).waitdone();

    EXPECT_EQ(status, 0u) << nvmetest::nvme::status_string(status);
    EXPECT_EQ(qpair.cmdlog(1)[0].sqe.prp1(), buf.phys_addr_at(0) + 3);
    EXPECT_EQ(buf.data(2, 0), 0u) << "bytes before the offset were written";
    for (std::size_t i = 0; i < 512; i++)
        ASSERT_EQ(buf[3 + i], lba0[i]) << "byte " << i;
}

// 1.4 Helper Functions, Copy Command: one source range (LBA 0, 8 blocks) copied
// to LBA 1, an overlapping destination.  The data written first and the read
// back are added.
TEST_F(Seed000Qpair, CopyCommand)
{
    Buffer data(8 * 512, {.pvalue = 0x0100, .ptype = 0x1234});
    nvme0n1.write(qpair, data, 0, 8).waitdone();

    Buffer copy_buf(4096);
    copy_buf.set_copy_range(0, 0, 8);  // lba=0, lba_count=8
    std::uint16_t status = 0xffff;
    nvme0n1.copy(qpair, copy_buf, 1, 1, {.cb = [&](const Cqe& c) { status = c.status(); }})
        .waitdone();

    EXPECT_EQ(status, 0u) << nvmetest::nvme::status_string(status);
    Buffer back(8 * 512);
    nvme0n1.read(qpair, back, 1, 8).waitdone();
    EXPECT_TRUE(back == data) << "LBA 1..8 do not hold the old LBA 0..7";
}

// ------------------------------------------------------- 3. Controller

// 3.1 Initialization: test_default_nvme_init.  The checks after getfeatures
// look for the nine steps of the default initialization.
TEST_F(Seed000Pcie, DefaultNvmeInit)
{
    Controller nvme0(pcie);
    const std::uint32_t cdw0 = nvme0.getfeatures(7).waitdone();

    EXPECT_EQ((cdw0 & 0xffff) + 1, 64u);  // step 8: the queues QEMU grants
    EXPECT_EQ(nvme0[0x14] & 1u, 1u);     // step 5: CC.EN
    EXPECT_EQ(nvme0[0x1c] & 1u, 1u);     // step 6: CSTS.RDY
    EXPECT_NE(nvme0[0x24], 0u);          // step 3: AQA
    EXPECT_EQ(nvme0.id_data(1, 0), 0x1b36u);  // step 7: Identify Controller
    // Step 9: AERL + 1 AERs outstanding.
    unsigned aers = 0;
    for (const auto& e : nvme0.cmdlog())
        if (e.sqe.opcode() == 0x0c && !e.completed)
            aers++;
    EXPECT_EQ(aers, nvme0.id_data(259) + 1);
}

// 3.2 Admin Commands: test_admin_commands.
TEST_F(Seed000Nvme0, AdminCommands)
{
    // Retrieve the SMART log page
    nvme0.getlogpage(2, buf, 512).waitdone();
    EXPECT_GT(buf.data(2, 1), 273u);  // composite temperature, kelvin

    // Send a generic admin command (opcode = 0x0A)
    const std::uint32_t cdw0 = nvme0.send_cmd(0x0A, {.nsid = 1, .cdw10 = 7}).waitdone();
    EXPECT_EQ((cdw0 & 0xffff) + 1, 64u);  // Get Features, Number of Queues
    EXPECT_EQ(nvme0.cmdlog(1)[0].sqe.opcode(), 0x0a);
}

// 3.2 Admin Commands: format, then the cid and latency of the last command.
TEST_F(Seed000Nvme0, FormatLatestCidAndLatency)
{
    nvme0.format().waitdone();
    std::printf("last cid: %u\n", nvme0.latest_cid());
    std::printf("last latency (us): %llu\n",
                static_cast<unsigned long long>(nvme0.latest_latency()));

    const auto last = nvme0.cmdlog(1).at(0);
    EXPECT_EQ(last.sqe.opcode(), 0x80);
    EXPECT_TRUE(last.cqe.ok());
    EXPECT_EQ(nvme0.latest_cid(), last.sqe.cid());
    EXPECT_EQ(nvme0.latest_latency(), last.latency_us);
    EXPECT_GT(nvme0.latest_latency(), 0u);
}

// 3.3 Asynchronous Event Requests: test_aer_handling.  Python builds the queues
// with the Python Space Driver (IOCQ/IOSQ of 10 entries); a Qpair of depth 10
// is the same pair of queues on the device, and sq.tail = 10 is a write of 10
// to its SQ tail doorbell.  10 is not below the queue size, so QEMU ignores it
// and posts an Error event: Invalid Doorbell Write Value (information 01h),
// Error Information log (01h).
TEST_F(Seed000Nvme0, AerHandling)
{
    Qpair sq(nvme0, 10);  // cq and sq of the Python example
    std::uint32_t aer_dw0 = 0xffffffff;
    nvme0.register_aer_cb([&](const Cqe& c) { aer_dw0 = c.dw[0]; });

    EXPECT_WARNS(
        {
            nvme0[sq_tail_doorbell(nvme0, sq.sqid())] = 10;  // sq.tail = 10
            std::this_thread::sleep_for(100ms);
            nvme0.getfeatures(7).waitdone();
        },
        "AER notification is triggered");
    EXPECT_EQ(aer_dw0, 0x00010100u) << std::hex << aer_dw0;

    nvme0.getlogpage(1, buf, 64).waitdone();  // clears the event (added)
    sq.del();
}

// 3.4 Other Methods, opcode support check: format only where supported.
TEST_F(Seed000Nvme0, SupportsThenFormat)
{
    const bool supported = nvme0.supports(0x80);
    EXPECT_TRUE(supported) << "QEMU implements Format NVM";
    std::uint16_t status = 0xffff;
    if (supported)
        nvme0.format({.cb = [&](const Cqe& c) { status = c.status(); }}).waitdone();
    EXPECT_EQ(status, 0u);
}

// 3.4 Other Methods, Command Timeout: a global and a per-opcode timeout, both
// back to their defaults after a controller reset.  That the per-opcode value
// is gone is shown (added) by a command that times out after the reset: it
// waits for the global timeout (600 ms), not the per-opcode one (200 ms).
TEST_F(Seed000Nvme0, CommandTimeout)
{
    nvme0.set_timeout(10'000);             // Global: 10s
    nvme0.set_timeout_ms(0x80, 30'000);    // Format: 30s
    EXPECT_EQ(nvme0.timeout(), 10'000u);
    nvme0.format().waitdone();

    nvme0.set_timeout(2'000);
    nvme0.set_timeout_ms(0x0a, 200);
    nvme0.reset();
    EXPECT_EQ(nvme0.timeout(), 10'000u);

    nvme0.set_timeout(600);
    nvme0[0x14] = 0;  // disabled: Get Features never completes
    nvme0.wait_csts({.rdy = false});
    const auto start = std::chrono::steady_clock::now();
    EXPECT_WARNS(nvme0.getfeatures(7).waitdone(), "timeout: Get Features .* did not complete");
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, 590ms);
    EXPECT_LT(waited, 5000ms);
    nvme0.reset();
    EXPECT_EQ((nvme0.getfeatures(7).waitdone() & 0xffff) + 1, 64u);
}

// 3.4 Other Methods, MDTS: one block more than MDTS.  The host sends it (the
// buffer is large enough); QEMU answers Invalid Field in Command, DNR.  The
// read of exactly MDTS is added to show where the limit is.
TEST_F(Seed000Qpair, Mdts)
{
    const std::uint32_t mdts = static_cast<std::uint32_t>(nvme0.mdts() / nvme0n1.sector_size());
    Buffer buf((mdts + 1) * nvme0n1.sector_size());
    Cqe cqe{};
    EXPECT_WARNS(nvme0n1.read(qpair, buf, 0, mdts + 1).waitdone(), "ERROR status: 00/02");
    nvme0n1.read(qpair, buf, 0, mdts + 1, {.cb = [&](const Cqe& c) { cqe = c; }}).waitdone();
    EXPECT_EQ(sc_of(cqe.status()), 0x002u);
    EXPECT_TRUE(cqe.dnr());

    nvme0n1.read(qpair, buf, 0, mdts, {.cb = [&](const Cqe& c) { cqe = c; }}).waitdone();
    EXPECT_TRUE(cqe.ok());
}

// -------------------------------------------------------- 4. Namespace

// 4. Namespace: a Namespace made by hand is closed after use.  Using it after
// close() is refused (added).
TEST_F(Seed000Nvme0, NamespaceClose)
{
    Qpair qpair(nvme0, 16);
    Namespace nvme0n1(nvme0);
    // Perform operations...
    nvme0n1.write(qpair, buf, 0, 8).waitdone();
    nvme0n1.close();
    EXPECT_THROW(nvme0n1.read(qpair, buf, 0, 8), nvmetest::UsageError);
    nvme0n1.close();  // idempotent
}

// 4.2 Helper Methods, Format: test_namespace_format.  The data written before
// and read back after are added: QEMU's format zeroes the namespace.
TEST_F(Seed000, NamespaceFormat)
{
    buf.fill_pattern(0x5a5a5a5a, 32);
    nvme0n1.write(qpair, buf, 0, 8).waitdone();

    // Format with default parameters
    EXPECT_EQ(nvme0n1.format(), 0u);

    nvme0n1.read(qpair, buf, 0, 8).waitdone();
    EXPECT_EQ(buf.data(7, 0), 0u);
    EXPECT_EQ(buf.data(4095, 4088), 0u);
}

// 4.2 Helper Methods, Opcode Support.  The seed's comment calls 0x02 Compare;
// 0x02 is Read (Compare is 0x05), which QEMU supports too.  Writing buf first
// is added so that the compare matches.
TEST_F(Seed000, SupportsThenCompare)
{
    nvme0n1.write(qpair, buf, 0).waitdone();
    EXPECT_TRUE(nvme0n1.supports(0x05));
    std::uint16_t status = 0xffff;
    if (nvme0n1.supports(0x02))  // Compare
        nvme0n1.compare(qpair, buf, 0, 1, {.cb = [&](const Cqe& c) { status = c.status(); }})
            .waitdone();
    EXPECT_EQ(status, 0u);
}

// 4.2 Helper Methods, Timeout Control: a per-opcode timeout of the namespace.
// Provoking it is added: with the controller disabled, a command of that
// opcode completes after 5 s with the all-ones CQE and a warning.
TEST_F(Seed000, NamespaceTimeout)
{
    nvme0n1.set_timeout_ms(0x02, 5000);  // Compare must finish within 5s (0x02 is Read)

    nvme0[0x14] = 0;
    nvme0.wait_csts({.rdy = false});
    std::uint16_t status = 0;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_WARNS(
        nvme0n1.read(qpair, buf, 0, 1, {.cb = [&](const Cqe& c) { status = c.status(); }})
            .waitdone(),
        "timeout: Read .* did not complete");
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(status, 0x7fffu);
    EXPECT_GE(waited, 4900ms);
    EXPECT_LT(waited, 9000ms);  // not the 10 s default
    nvme0.reset();
    nvme0n1.read(qpair, buf, 0, 1).waitdone();
}

// ----------------------------------------------------------- 5. Qpair

// 5. Qpair: test_qpair_basic.  The I/O, and the checks that delete() removed the
// queues from the device (its queue ID is free again), are added.
TEST_F(Seed000Nvme0, QpairBasic)
{
    // Create a Qpair with depth 16
    Qpair qpair(nvme0, 16);
    EXPECT_EQ(qpair.depth(), 16u);
    const std::uint16_t sqid = qpair.sqid();
    // Use it with I/O commands...
    Namespace nvme0n1(nvme0);
    nvme0n1.read(qpair, buf, 0, 8).waitdone();
    qpair.del();  // Cleanup
    EXPECT_THROW(nvme0n1.read(qpair, buf, 0, 8), nvmetest::UsageError);
    Qpair again(nvme0, 16, {.sqid = sqid});
    nvme0n1.read(again, buf, 0, 8).waitdone();
}

// 5.1 Qpair Creation: every constructor argument at its default.  The checks
// of the Create I/O CQ/SQ commands in the admin command log are added.
TEST_F(Seed000Nvme0, QpairCreation)
{
    Qpair qpair(nvme0, 1024,
                {.ien = true, .vector = 0, .prio = 0, .sqid = std::nullopt, .lazy_doorbell = false});
    EXPECT_EQ(qpair.depth(), 1024u);
    EXPECT_EQ(qpair.prio(), 0u);
    EXPECT_EQ(qpair.sqid(), 1u);  // the lowest free ID

    const auto log = nvme0.cmdlog(2);
    ASSERT_EQ(log.size(), 2u);
    const auto& cq = log[0].sqe;
    const auto& sq = log[1].sqe;
    EXPECT_EQ(cq.opcode(), 0x05);
    EXPECT_EQ(cq.cdw10(), (1023u << 16) | 1u);  // QSIZE 0-based, QID
    EXPECT_EQ(cq.cdw11(), 0x3u);                 // IV 0, IEN, PC
    EXPECT_EQ(sq.opcode(), 0x01);
    EXPECT_EQ(sq.cdw10(), (1023u << 16) | 1u);
    EXPECT_EQ(sq.cdw11(), (1u << 16) | 0x1u);    // CQID 1, QPRIO 0 (urgent), PC
    EXPECT_TRUE(log[0].cqe.ok());
    EXPECT_TRUE(log[1].cqe.ok());
}

// 5.2 Common Properties: test_qpair_properties.  The checks against the command
// log are added.
TEST_F(Seed000, QpairProperties)
{
    nvme0n1.write(qpair, buf, 0).waitdone();
    std::printf("CID: %u, Latency: %llu us\n", qpair.latest_cid(),
                static_cast<unsigned long long>(qpair.latest_latency()));
    std::printf("Queue ID: %u, Depth: %u, Priority: %u\n", qpair.sqid(), qpair.depth(),
                qpair.prio());

    const auto last = qpair.cmdlog(1).at(0);
    EXPECT_EQ(qpair.latest_cid(), last.sqe.cid());
    EXPECT_EQ(qpair.latest_latency(), last.latency_us);
    EXPECT_EQ(qpair.sqid(), 1u);
    EXPECT_EQ(qpair.depth(), 64u);
    EXPECT_EQ(qpair.prio(), 0u);
}

// 5.3 Command Completion and Logging: test_qpair_cmdlog.
TEST_F(Seed000, QpairCmdlog)
{
    nvme0n1.write(qpair, buf, 0).waitdone();
    const auto entries = qpair.cmdlog(5);
    for (const auto& entry : entries)
        std::printf("%s\n", entry.to_string().c_str());

    ASSERT_EQ(entries.size(), 1u);  // the only command of this qpair
    EXPECT_EQ(entries[0].sqid, qpair.sqid());
    EXPECT_EQ(entries[0].sqe.opcode(), 0x01);
    EXPECT_TRUE(entries[0].completed);
    EXPECT_EQ(entries[0].cqe.cid(), entries[0].sqe.cid());
    EXPECT_NE(entries[0].to_string().find("Write"), std::string::npos) << entries[0].to_string();
}

// ------------------------------------------------------- 6. Subsystem

// 6.4 PERST Support: test_perst_basic.  The QEMU lab has no PERST# line (and
// no PAM): the PERST callbacks become a hot reset (pcie.reset(), the in-band
// reset that keeps power on), which must not count as a power cycle either.
// That the reset happened (CC.EN cleared) is checked (added): QEMU 7.2 keeps
// the SMART Power Cycles count at 0 whatever happens, so the counter alone
// could not tell.
TEST_F(Seed000Pcie, PerstBasic)
{
    Controller nvme0(pcie);
    Namespace nvme0n1(nvme0);

    // Define helper functions for PERST control
    auto perst_low = [&] {
        pcie.reset();  // stands in for pam.perst = 0
        std::this_thread::sleep_for(100ms);
    };
    auto perst_high = [&] { std::this_thread::sleep_for(100ms); };  // pam.perst = 1

    // Create subsystem object using PERST callbacks
    Subsystem subsystem(nvme0, perst_high, perst_low);

    // Utility: read "Power Cycles" counter from SMART log page
    auto get_power_cycles = [](Controller& nvme) {
        Buffer buf(512);
        nvme.getlogpage(2, buf, 512).waitdone();
        const std::uint64_t cycles = buf.data(115, 112);
        std::printf("Power Cycles: %llu\n", static_cast<unsigned long long>(cycles));
        return cycles;
    };

    // Record current power cycle count
    const std::uint64_t powercycle = get_power_cycles(nvme0);

    // Toggle PERST
    subsystem.poweroff();  // Assert PERST low
    EXPECT_EQ(nvme0[0x14] & 1u, 0u) << "the reset did not disable the controller";
    std::this_thread::sleep_for(1s);
    subsystem.poweron();  // Release PERST high
    std::this_thread::sleep_for(1s);

    // Reinitialize controller
    nvme0.reset();

    // Verify that power cycle counter did not increment
    EXPECT_EQ(powercycle, get_power_cycles(nvme0));
}

}  // namespace
