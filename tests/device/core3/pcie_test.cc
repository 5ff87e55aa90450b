// SPDX-License-Identifier: BSD-3-Clause
// Pcie (API section 2) against QEMU's NVMe controller 1b36:0010.
#include <nvmetest/fixtures.h>

namespace {

using nvmetest::testing::Nvme0Test;
using nvmetest::testing::PcieTest;

TEST_F(PcieTest, ConfigSpaceAtEveryWidth)
{
    EXPECT_EQ(pcie.cfg_word_read(0x0), 0x1b36);
    EXPECT_EQ(pcie.cfg_word_read(0x2), 0x0010);
    EXPECT_EQ(pcie.cfg_dword_read(0x0), 0x00101b36u);
    EXPECT_EQ(pcie[0], 0x36);
    EXPECT_EQ(pcie(0, 4), 0x00101b36u);  // hex(pcie[0:4])
    EXPECT_EQ(pcie.register_value(0x09, 3), 0x010802u);  // class code: NVMe
    // Enable bus mastering as the API document does; it stays set.
    const std::uint16_t cmd = pcie.cfg_word_read(0x4);
    pcie.cfg_word_write(0x4, cmd | 0x4);
    EXPECT_TRUE(pcie.cfg_word_read(0x4) & 0x4);
    EXPECT_THROW(pcie(0, 9), nvmetest::UsageError);
}

TEST_F(PcieTest, CapabilityOffsets)
{
    // QEMU 7.2: PM at 0x60, PCI Express at 0x80, MSI-X present, no MSI.
    EXPECT_EQ(pcie.cap_offset(0x01), std::optional<std::uint16_t>(0x60));
    EXPECT_EQ(pcie.cap_offset(0x10), std::optional<std::uint16_t>(0x80));
    EXPECT_TRUE(pcie.cap_offset(0x11).has_value());
    EXPECT_FALSE(pcie.cap_offset(0x05).has_value());
    EXPECT_FALSE(pcie.cap_offset(0x10, true).has_value());  // no SR-IOV in this profile
}

TEST_F(PcieTest, Attributes)
{
    EXPECT_EQ(pcie.power_state(), 0u);  // D0
    const unsigned speed = pcie.speed();
    EXPECT_GE(speed, 1u);
    EXPECT_LE(speed, 6u);
    // ASPM Control is writable only for the states Link Capabilities.ASPMS
    // lists; QEMU 7.2 lists none, so the write leaves the field as it was.
    const auto exp = pcie.cap_offset(0x10);
    ASSERT_TRUE(exp);
    const unsigned aspms = (pcie.cfg_dword_read(*exp + 0x0c) >> 10) & 3;
    const unsigned aspm = pcie.aspm();
    pcie.set_aspm(2);
    EXPECT_EQ(pcie.aspm(), (aspms & 2) ? 2u : aspm);
    pcie.set_aspm(aspm);
    EXPECT_EQ(pcie.aspm(), aspm);
    EXPECT_THROW(pcie.set_aspm(4), nvmetest::UsageError);
    EXPECT_THROW(pcie.set_power_state(5), nvmetest::UsageError);
}

TEST_F(PcieTest, CloseMakesLaterUseAnError)
{
    pcie.close();
    EXPECT_THROW(pcie.cfg_word_read(0), nvmetest::UsageError);
    pcie.close();  // idempotent
}

TEST_F(Nvme0Test, Bar0MatchesControllerRegisters)
{
    EXPECT_EQ(pcie.mem_qword_read(0), nvme0.cap());
    EXPECT_EQ(pcie.mem_dword_read(0), static_cast<std::uint32_t>(nvme0.cap()));
    EXPECT_EQ(pcie.mem_dword_read(0x08), 0x00010400u);  // VS 1.4
    EXPECT_EQ(pcie.mem_word_read(0x0a), 0x0001u);
    EXPECT_EQ(pcie.mem_byte_read(0x09), 0x04u);
    EXPECT_EQ(nvme0[0x1c] & 1u, 1u);  // CSTS.RDY
}

TEST_F(Nvme0Test, FlrThenControllerReset)
{
    pcie.flr();
    EXPECT_EQ(nvme0[0x14] & 1u, 0u);  // the FLR disabled the controller
    nvme0.reset();
    EXPECT_EQ(nvme0[0x1c] & 1u, 1u);
    EXPECT_EQ(nvme0.id_data(1, 0), 0x1b36u);
    nvme0.getfeatures(7).waitdone();
}

TEST_F(Nvme0Test, HotResetThenControllerReset)
{
    const std::uint32_t queues = nvme0.getfeatures(7).waitdone();
    pcie.reset();
    nvme0.reset();
    EXPECT_EQ(nvme0.getfeatures(7).waitdone(), queues);
}

}  // namespace
