// SPDX-License-Identifier: GPL-2.0
// Surprise removal through QEMU: device_del over QMP while the DUT is mapped
// and its interrupts are armed, then device_add with the harness's own
// arguments ($NVMETEST_VM_DIR/<id>.device_add.json) brings it back.
#include "support/checks.h"
#include "support/device.h"
#include "support/events.h"
#include "support/qmp.h"

#include <fstream>
#include <signal.h>

namespace devtest {
namespace {

using namespace std::chrono_literals;

class HotplugTest : public DeviceTest {};

TEST_F(HotplugTest, QmpRemoveWhileMappedAndArmedThenReadd) {
    Qmp qmp;
    ASSERT_TRUE(qmp.open()) << qmp.error();
    auto dev = qmp_find_pci(qmp, bdf_);
    ASSERT_TRUE(dev.has_value()) << "QEMU does not list " << bdf_;
    ASSERT_FALSE(dev->qdev_id.empty());
    const char* vmdir = std::getenv("NVMETEST_VM_DIR");
    ASSERT_NE(vmdir, nullptr) << "NVMETEST_VM_DIR is not set";
    std::string add_file = std::string(vmdir) + "/" + dev->qdev_id + ".device_add.json";
    std::vector<std::string> adds;
    {
        std::ifstream in(add_file);
        std::string line;
        while (std::getline(in, line))
            if (!line.empty())
                adds.push_back(line);
    }
    ASSERT_FALSE(adds.empty()) << "no device_add commands in " << add_file;

    EventListener ev;
    ASSERT_EQ(ev.subscribe(), "");
    Mapping bar0 = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(bar0);
    DmaBuffer buf;
    ASSERT_EQ(buf.allocate(fd_.get(), 16384), 0);
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {efd.get(), efd.get()}), 0);

    qmp.clear_events();
    ASSERT_TRUE(qmp.execute("device_del", "{\"id\":" + Json::quote(dev->qdev_id) + "}"))
        << qmp.error();
    ASSERT_TRUE(wait_until([&] { return !path_exists(pci_dir(bdf_)); }, 60s))
        << "the guest did not remove " << bdf_;
    EXPECT_TRUE(qmp.wait_event("DEVICE_DELETED", 30s).has_value());

    auto seen = ev.collect_until(
        [&](const Event& e) { return e.event == NVMETEST_EVENT_UNBIND && e.bdf == bdf_; }, 10s);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().event, NVMETEST_EVENT_UNBIND) << "no UNBIND event";

    EXPECT_EQ(ioctls_not_enodev(fd_.get(), buf.handle()), "");
    ChildStatus t = touch_in_child(bar0.get());
    EXPECT_TRUE(t.signaled && t.signal == SIGBUS) << t.describe();
    bar0.reset();
    buf.unmap();
    buf.leak();
    EXPECT_EQ(fd_.reset(), 0);
    EXPECT_TRUE(wait_until(
        [] { return read_u64(debugfs_dir() + "/dma_bytes_total").value_or(1) == 0; }, 5s));

    // Re-add with the same arguments; it binds to nvmetest again when named.
    for (const auto& line : adds) {
        auto cmd = Json::parse(line);
        ASSERT_TRUE(cmd.has_value()) << line;
        ASSERT_TRUE(qmp.execute((*cmd)["execute"].str(), (*cmd)["arguments"].dump()))
            << qmp.error();
    }
    ASSERT_TRUE(wait_until([&] { return path_exists(pci_dir(bdf_)); }, 60s))
        << "the guest did not find the re-added device at " << bdf_;
    ASSERT_EQ(bind_to_nvmetest(bdf_), "");
    seen = ev.collect_until(
        [&](const Event& e) { return e.event == NVMETEST_EVENT_BIND && e.bdf == bdf_; }, 10s);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().event, NVMETEST_EVENT_BIND);
    EXPECT_EQ(device_usable(bdf_), "");
}

} // namespace
} // namespace devtest
