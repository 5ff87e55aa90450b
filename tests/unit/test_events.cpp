// SPDX-License-Identifier: BSD-3-Clause
#include <gtest/gtest.h>
#include <linux/nvmetest.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <cerrno>
#include <memory>

#include "nvmetest/events.h"

using namespace nvmetest;

namespace {

struct MsgDeleter {
    void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using Msg = std::unique_ptr<nl_msg, MsgDeleter>;

Msg make(std::uint8_t cmd)
{
    Msg m(nlmsg_alloc());
    genlmsg_put(m.get(), NL_AUTO_PORT, NL_AUTO_SEQ, 0x20, 0, 0, cmd, NVMETEST_GENL_VERSION);
    return m;
}

}  // namespace

TEST(Events, DecodesResetEnd)
{
    Msg m = make(NVMETEST_CMD_EVENT);
    nla_put_u32(m.get(), NVMETEST_ATTR_EVENT, NVMETEST_EVENT_RESET_END);
    nla_put_string(m.get(), NVMETEST_ATTR_BDF, "0000:01:00.0");
    nla_put_u32(m.get(), NVMETEST_ATTR_PID, 4242);
    nla_put_u32(m.get(), NVMETEST_ATTR_RESET_METHOD, NVMETEST_RESET_HOT);
    nla_put_s32(m.get(), NVMETEST_ATTR_ERRNO, -ENODEV);
    nla_put_u64(m.get(), NVMETEST_ATTR_TIMESTAMP_NS, 12345678901ull);

    auto e = decode_event(nlmsg_hdr(m.get()));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, EventType::ResetEnd);
    EXPECT_EQ(e->bdf, "0000:01:00.0");
    EXPECT_EQ(e->pid, 4242u);
    EXPECT_EQ(e->reset_method, ResetMethod::Hot);
    EXPECT_EQ(e->error, -ENODEV);
    EXPECT_EQ(e->timestamp_ns, 12345678901ull);
    EXPECT_FALSE(e->irq_type);
    EXPECT_EQ(e->to_string(),
              "0000:01:00.0 reset-end method=hot result=-19 (ENODEV) pid=4242 t=12.345678901");
}

TEST(Events, DecodesIrqSetupAndPciError)
{
    Msg m = make(NVMETEST_CMD_EVENT);
    nla_put_u32(m.get(), NVMETEST_ATTR_EVENT, NVMETEST_EVENT_IRQ_SETUP);
    nla_put_string(m.get(), NVMETEST_ATTR_BDF, "0000:01:00.0");
    nla_put_u32(m.get(), NVMETEST_ATTR_IRQ_TYPE, NVMETEST_IRQ_MSIX);
    nla_put_u32(m.get(), NVMETEST_ATTR_IRQ_COUNT, 8);
    auto e = decode_event(nlmsg_hdr(m.get()));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, EventType::IrqSetup);
    EXPECT_EQ(e->irq_type, IrqType::Msix);
    EXPECT_EQ(e->irq_count, 8u);
    EXPECT_NE(e->to_string().find("irq-setup type=msix count=8"), std::string::npos);

    Msg p = make(NVMETEST_CMD_EVENT);
    nla_put_u32(p.get(), NVMETEST_ATTR_EVENT, NVMETEST_EVENT_PCI_ERROR);
    nla_put_u32(p.get(), NVMETEST_ATTR_PCI_ERROR_STEP, NVMETEST_PCI_ERROR_DETECTED);
    nla_put_u32(p.get(), NVMETEST_ATTR_PCI_CHANNEL_STATE, 2);
    auto pe = decode_event(nlmsg_hdr(p.get()));
    ASSERT_TRUE(pe);
    EXPECT_EQ(pe->pci_error_step, PciErrorStep::Detected);
    EXPECT_NE(pe->to_string().find("step=error_detected channel=frozen"), std::string::npos);
}

TEST(Events, KeepsUnknownEventTypesVisible)
{
    Msg m = make(NVMETEST_CMD_EVENT);
    nla_put_u32(m.get(), NVMETEST_ATTR_EVENT, 99);
    auto e = decode_event(nlmsg_hdr(m.get()));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, EventType::Unspec);
    EXPECT_EQ(e->raw_type, 99u);
    EXPECT_NE(e->to_string().find("event99"), std::string::npos);
}

TEST(Events, RejectsOtherCommandsAndMissingType)
{
    Msg other = make(NVMETEST_CMD_UNSPEC);
    nla_put_u32(other.get(), NVMETEST_ATTR_EVENT, NVMETEST_EVENT_BIND);
    EXPECT_FALSE(decode_event(nlmsg_hdr(other.get())));

    Msg no_type = make(NVMETEST_CMD_EVENT);
    nla_put_string(no_type.get(), NVMETEST_ATTR_BDF, "0000:01:00.0");
    EXPECT_FALSE(decode_event(nlmsg_hdr(no_type.get())));
    EXPECT_FALSE(decode_event(nullptr));
}

TEST(Events, Names)
{
    EXPECT_EQ(to_string(EventType::Bind), "bind");
    EXPECT_EQ(to_string(EventType::ResetBegin), "reset-begin");
    EXPECT_EQ(to_string(PciErrorStep::SlotReset), "slot_reset");
    EXPECT_EQ(pci_channel_state_name(3), "perm_failure");
}
