// SPDX-License-Identifier: BSD-3-Clause
// The PyNVMe3 fixtures (id_ctrl, id_ns, aer, subsystem, all at once), the seed
// set and logged at each test's start, and the listener of unexpected warnings.
#include <gtest/gtest-spi.h>
#include <nvmetest/fixtures.h>

#include <chrono>
#include <thread>
#include <vector>

#include "support/qmp.h"

namespace {

using nvmetest::Buffer;
using nvmetest::nvme::Cqe;
using nvmetest::testing::AerTest;
using nvmetest::testing::IdCtrlTest;
using nvmetest::testing::IdNsTest;
using nvmetest::testing::NvmeTest;

TEST_F(IdCtrlTest, StructuredIdentifyController)
{
    EXPECT_EQ(id_ctrl.vid, 0x1b36u);
    EXPECT_EQ(id_ctrl.ssvid, 0x1af4u);
    EXPECT_EQ(id_ctrl.serial(), "nvmetest-dut0");
    EXPECT_EQ(id_ctrl.model(), "QEMU NVMe Ctrl");
    EXPECT_EQ(id_ctrl.vid, nvme0.id_data(1, 0));
    EXPECT_EQ(id_ctrl.mdts, 7u);
}

TEST_F(IdNsTest, StructuredIdentifyNamespace)
{
    EXPECT_EQ(id_ns.nsze, nvme0n1.capacity());
    EXPECT_EQ(id_ns.nsze, 256u * 1024 * 1024 / 512);
    EXPECT_EQ(id_ns.ncap, id_ns.nsze);
    EXPECT_EQ(id_ns.lba_format_index(), 0u);
    EXPECT_EQ(id_ns.nsze, nvme0n1.id_data(7, 0));
}

// PyNVMe3's aer fixture with QEMU's smart_critical_warning property.
TEST_F(AerTest, RecordsDword0)
{
    devtest::Qmp qmp;
    ASSERT_TRUE(qmp.open()) << qmp.error();
    auto dev = devtest::qmp_find_pci(qmp, pcie.addr());
    ASSERT_TRUE(dev && !dev->qdev_id.empty());
    nvme0.setfeatures(0x0b, {.cdw11 = 0xff}).waitdone();
    const std::string path = "/machine/peripheral/" + dev->qdev_id;
    ASSERT_TRUE(qmp.execute("qom-set", "{\"path\":\"" + path +
                                           "\",\"property\":\"smart_critical_warning\",\"value\":1}"))
        << qmp.error();
    EXPECT_WARNS(
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            nvme0.getfeatures(7).waitdone();
        },
        "AER notification is triggered");
    ASSERT_EQ(aer.count(), 1u);
    EXPECT_EQ(aer.dword0()[0] & 0x7, 1u);  // SMART / Health status
    qmp.execute("qom-set", "{\"path\":\"" + path +
                               "\",\"property\":\"smart_critical_warning\",\"value\":0}");
    Buffer smart(512);
    nvme0.getlogpage(2, smart, 512).waitdone();  // clears the event
}

TEST_F(NvmeTest, EveryFixtureAtOnce)
{
    EXPECT_EQ(id_ctrl.vid, 0x1b36u);
    EXPECT_EQ(id_ns.nsze, nvme0n1.capacity());
    EXPECT_EQ(subsystem.method(), nvmetest::PowerMethod::Qmp);
    EXPECT_EQ(aer.count(), 0u);
    for (std::size_t i = 0; i < 512; i++)
        buf[i] = static_cast<std::uint8_t>(i);
    nvme0n1.write(qpair, buf, 0).waitdone();
    Buffer back(4096);
    nvme0n1.read(qpair, back, 0).waitdone();
    EXPECT_EQ(back.data(3, 0), 0x03020100u);
}

TEST(Seed, SameSeedSameSequence)
{
    std::vector<std::uint64_t> a, b, c;
    nvmetest::srand(0x5eed);
    for (int i = 0; i < 16; i++)
        a.push_back(nvmetest::rand64());
    nvmetest::srand(0x5eed);
    for (int i = 0; i < 16; i++)
        b.push_back(nvmetest::rand64());
    nvmetest::srand(0x5eee);
    for (int i = 0; i < 16; i++)
        c.push_back(nvmetest::rand64());
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(nvmetest::seed(), 0x5eeeu);
}

TEST(Seed, EachTestStartsFromTheRunSeed)
{
    // The SeedListener of nvmetest::testing::main called srand(test_seed()).
    EXPECT_EQ(nvmetest::seed(), nvmetest::testing::test_seed());
    const std::uint64_t first = nvmetest::rand64();
    nvmetest::srand(nvmetest::testing::test_seed());
    EXPECT_EQ(nvmetest::rand64(), first);
}

TEST(WarningListener, ReportsUnexpectedWarning)
{
    // A second listener that fails on unexpected warnings, driven by hand
    // (the installed one would only list the warning at the test's end).
    static nvmetest::testing::WarningListener strict(true);
    nvmetest::warn("fixture test: an unexpected warning");
    EXPECT_EQ(nvmetest::warning_count(), 1u);
    EXPECT_NONFATAL_FAILURE(
        strict.OnTestEnd(*::testing::UnitTest::GetInstance()->current_test_info()),
        "1 warning(s) not expected by WarningListener.ReportsUnexpectedWarning:");
    EXPECT_EQ(nvmetest::warning_count(), 0u);  // listed and cleared
    nvmetest::warn("fixture test: another one");
    EXPECT_NONFATAL_FAILURE(
        strict.OnTestEnd(*::testing::UnitTest::GetInstance()->current_test_info()),
        "fixture test: another one");
    // An expected warning is not left for the listener.
    EXPECT_WARNS(nvmetest::warn("fixture test: expected"), "expected");
    EXPECT_EQ(nvmetest::warning_count(), 0u);
}

}  // namespace
