// SPDX-License-Identifier: BSD-3-Clause
// Subsystem (API section 6): NVM subsystem reset refused by QEMU (CAP.NSSRS 0),
// shutdown notification, user power functions, and the default power control
// of the QEMU lab (hot-remove and re-add through QMP).
#include <nvmetest/fixtures.h>
#include <nvmetest/nvme/registers.h>

#include <string>
#include <vector>

namespace {

using nvmetest::Buffer;
using nvmetest::Namespace;
using nvmetest::PowerMethod;
using nvmetest::Qpair;
using nvmetest::Subsystem;
using nvmetest::testing::Nvme0Test;
using nvmetest::testing::SubsystemTest;

TEST_F(SubsystemTest, ResetRefusedWhenNssrsIsZero)
{
    EXPECT_EQ((nvme0.cap() >> 36) & 1, 0u);  // QEMU: NSSRS = 0
    EXPECT_FALSE(subsystem.nssr_supported());
    try {
        subsystem.reset();
        ADD_FAILURE() << "reset() did not refuse";
    } catch (const nvmetest::UnsupportedError& e) {
        EXPECT_NE(std::string(e.what()).find("not supported by the controller"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("CAP.NSSRS is 0"), std::string::npos) << e.what();
    }
    EXPECT_EQ(nvme0[nvmetest::nvme::reg::kNssr], 0u);  // nothing written
    EXPECT_EQ((nvme0.getfeatures(7).waitdone() & 0xffff) + 1, 64u);  // still usable
}

TEST_F(SubsystemTest, ShutdownNotifySetsShstComplete)
{
    subsystem.shutdown_notify();
    EXPECT_EQ((nvme0[0x1c] >> 2) & 3, 2u);  // CSTS.SHST: shutdown processing complete
    nvme0.reset();
    EXPECT_EQ((nvme0[0x1c] >> 2) & 3, 0u);
    EXPECT_EQ(nvme0.getfeatures(7).waitdone() & 0xffff, 63u);
    subsystem.shutdown_notify(true);  // abrupt
    EXPECT_EQ((nvme0[0x1c] >> 2) & 3, 2u);
    nvme0.reset();
    EXPECT_EQ(nvme0.getfeatures(7).waitdone() & 0xffff, 63u);
}

TEST_F(Nvme0Test, UserPowerFunctionsCalledInOrder)
{
    std::vector<std::string> calls;
    Subsystem s(nvme0, [&] { calls.push_back("on"); }, [&] { calls.push_back("off"); });
    EXPECT_EQ(s.method(), PowerMethod::User);
    s.poweroff();
    s.poweron();
    nvme0.reset();
    s.power_cycle(0);  // off, on, then nvme0.reset()
    EXPECT_EQ(calls, (std::vector<std::string>{"off", "on", "off", "on"}));
    EXPECT_EQ((nvme0.getfeatures(7).waitdone() & 0xffff) + 1, 64u);
    EXPECT_THROW(Subsystem(nvme0, [] {}), nvmetest::UsageError);  // poweroff missing
}

TEST_F(SubsystemTest, PowerCycleThroughQmpKeepsSerialAndData)
{
    ASSERT_EQ(subsystem.method(), PowerMethod::Qmp);
    const std::string serial = nvme0.id_data<std::string>(23, 4);
    {
        Namespace nvme0n1(nvme0);
        Qpair qpair(nvme0, 16);
        Buffer buf(512);
        for (std::size_t i = 0; i < 512; i++)
            buf[i] = static_cast<std::uint8_t>(i * 7 + 3);
        nvme0n1.write(qpair, buf, 8).waitdone();
    }
    subsystem.power_cycle(1);
    // The controller and the Pcie are new, and initialized.
    EXPECT_EQ(pcie.cfg_word_read(0), 0x1b36u);
    Buffer id(4096);
    nvme0.identify(id).waitdone();
    EXPECT_EQ(id.data(1, 0), 0x1b36u);
    EXPECT_EQ(id.data<std::string>(23, 4), serial);
    EXPECT_EQ(nvme0.id_data<std::string>(23, 4), serial);
    Namespace nvme0n1(nvme0);
    Qpair qpair(nvme0, 16);
    Buffer buf(512);
    nvme0n1.read(qpair, buf, 8).waitdone();
    for (std::size_t i = 0; i < 512; i++)
        ASSERT_EQ(buf[i], static_cast<std::uint8_t>(i * 7 + 3)) << "byte " << i;
}

TEST_F(SubsystemTest, PoweroffPoweronThenResetAsInPython)
{
    // subsystem.poweroff(); subsystem.poweron(); nvme0.reset()
    subsystem.poweroff();
    EXPECT_THROW(nvme0.getfeatures(7), nvmetest::UsageError);  // no controller while off
    subsystem.poweron();
    nvme0.reset();
    EXPECT_EQ((nvme0.getfeatures(7).waitdone() & 0xffff) + 1, 64u);
    EXPECT_EQ(nvme0.id_data(1, 0), 0x1b36u);
}

}  // namespace
