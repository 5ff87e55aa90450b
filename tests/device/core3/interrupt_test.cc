// SPDX-License-Identifier: BSD-3-Clause
// Which interrupts Qpairs use (pcie.h, PcieOptions::msi_only): MSI-X by
// default, MSI only where the function has an MSI capability, never INTx.
// QEMU 7.2's NVMe controller has MSI-X and no MSI capability.
#include <nvmetest/fixtures.h>

#include <string>

namespace {

using nvmetest::Buffer;
using nvmetest::Pcie;
using nvmetest::testing::PcieTest;
using nvmetest::testing::QpairTest;

constexpr std::uint16_t kCommandIntxDisable = 1u << 10;
constexpr std::uint16_t kStatusInterrupt = 1u << 3;
constexpr std::uint16_t kMsixEnable = 1u << 15;

TEST_F(PcieTest, MsiOnlyIsRefusedWithoutMsiCapability)
{
    ASSERT_FALSE(pcie.cap_offset(0x05).has_value());  // no MSI capability in QEMU 7.2
    const std::string addr = pcie.addr();
    pcie.close();
    try {
        Pcie msi(addr, {.msi_only = true});
        FAIL() << "msi_only was accepted on a function without MSI";
    } catch (const nvmetest::UsageError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(addr + " has no MSI capability, so msi_only cannot be honoured"),
                  std::string::npos)
            << what;
        EXPECT_NE(what.find("queues use MSI-X (65 vectors)"), std::string::npos) << what;
    }
    // Nothing was lost: the function opens as before.
    Pcie again(addr);
    EXPECT_FALSE(again.msi_only());
    EXPECT_EQ(again.cfg_word_read(0), 0x1b36);
}

// The queues interrupt through MSI-X; the INTx line stays quiet while they do.
TEST_F(QpairTest, QueuesUseMsixNeverIntx)
{
    const auto msix = pcie.cap_offset(0x11);
    ASSERT_TRUE(msix);
    EXPECT_TRUE(pcie.cfg_word_read(*msix + 2) & kMsixEnable);
    EXPECT_TRUE(pcie.cfg_word_read(0x04) & kCommandIntxDisable);
    qpair.msix_clear();
    nvme0n1.read(qpair, buf, 0, 8);
    EXPECT_TRUE(qpair.wait_msix(2000));
    qpair.waitdone();
    EXPECT_FALSE(pcie.cfg_word_read(0x06) & kStatusInterrupt) << "the function asserted INTx";
}

}  // namespace
