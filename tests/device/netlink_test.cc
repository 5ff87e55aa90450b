// SPDX-License-Identifier: GPL-2.0
// Generic netlink events that can be caused without disturbing the DUT:
// interrupt setup changes. (Bind/unbind, reset and removal events are checked
// by the tests that cause them: reset_test.cc, unbind_test.cc, hotplug_test.cc.)
#include "support/device.h"
#include "support/events.h"

#include <unistd.h>

namespace devtest {
namespace {

using namespace std::chrono_literals;

class NetlinkTest : public DeviceTest {};

TEST_F(NetlinkTest, FamilyAndGroupResolve) {
    EventListener ev;
    EXPECT_EQ(ev.subscribe(), "");
}

TEST_F(NetlinkTest, IrqSetupEvents) {
    EventListener ev;
    ASSERT_EQ(ev.subscribe(), "");
    UniqueFd a = make_eventfd(), b = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {a.get(), b.get()}), 0);
    auto seen = ev.collect_until(
        [&](const Event& e) { return e.event == NVMETEST_EVENT_IRQ_SETUP && e.bdf == bdf_; }, 5s);
    ASSERT_FALSE(seen.empty()) << "no IRQ_SETUP event";
    const Event& e = seen.back();
    ASSERT_EQ(e.event, NVMETEST_EVENT_IRQ_SETUP) << e.describe();
    EXPECT_EQ(e.irq_type, NVMETEST_IRQ_MSIX);
    EXPECT_EQ(e.irq_count, 2u);
    EXPECT_EQ(e.pid, static_cast<uint32_t>(::getpid()));
    EXPECT_TRUE(e.timestamp_ns.has_value());

    ASSERT_EQ(irq_set_none(fd_.get()), 0);
    seen = ev.collect_until(
        [&](const Event& e) { return e.event == NVMETEST_EVENT_IRQ_SETUP && e.bdf == bdf_; }, 5s);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().irq_type, NVMETEST_IRQ_NONE) << seen.back().describe();
    EXPECT_EQ(seen.back().irq_count, 0u);
}

// A rejected call sends no event.
TEST_F(NetlinkTest, RejectedSetupSendsNothing) {
    EventListener ev;
    ASSERT_EQ(ev.subscribe(), "");
    EXPECT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {}), -EINVAL);
    for (const auto& e : ev.collect_for(500ms))
        EXPECT_NE(e.bdf, bdf_) << "unexpected " << e.describe();
}

// Closing the file that owns interrupts tears them down: an event says so.
TEST_F(NetlinkTest, OwnerCloseTearsDownWithEvent) {
    EventListener ev;
    ASSERT_EQ(ev.subscribe(), "");
    {
        UniqueFd owner(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
        ASSERT_TRUE(owner);
        ASSERT_EQ(irq_set(owner.get(), NVMETEST_IRQ_MSIX, {-1}), 0);
    }
    auto seen = ev.collect_until(
        [&](const Event& e) {
            return e.event == NVMETEST_EVENT_IRQ_SETUP && e.irq_type == NVMETEST_IRQ_NONE;
        },
        5s);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().irq_type, NVMETEST_IRQ_NONE) << "no teardown event on close";
}

} // namespace
} // namespace devtest
