// SPDX-License-Identifier: GPL-2.0
// The device writes into DMA memory: Identify Controller through an admin
// queue the test builds in DMA memory, submitted through the BAR0 mapping.
// Runs in the default profile (physical addresses) and in the iommu profile
// (the iova is translated by intel-iommu).
#include "support/device.h"
#include "support/nvme.h"
#include "support/qmp.h"

#include <cstdlib>
#include <sstream>

namespace devtest {
namespace {

// The serial QEMU was given for the DUT: asked from QEMU itself over QMP.
std::string expected_serial(const std::string& bdf, std::string* why) {
    Qmp qmp;
    if (!qmp.open()) {
        *why = qmp.error();
        return "";
    }
    auto dev = qmp_find_pci(qmp, bdf);
    if (!dev || dev->qdev_id.empty()) {
        *why = "QEMU's query-pci does not list " + bdf + " with an id";
        return "";
    }
    auto serial =
        qmp.execute("qom-get", "{\"path\":" + Json::quote("/machine/peripheral/" + dev->qdev_id) +
                                   ",\"property\":\"serial\"}");
    if (!serial || !serial->is_string()) {
        *why = qmp.error();
        return "";
    }
    return serial->str();
}

class IdentifyTest : public Bar0Test {
protected:
    void TearDown() override {
        if (bar0_)
            nvme::AdminQueue(fd_.get(), bar0_.get()).disable();
        Bar0Test::TearDown();
    }
};

TEST_F(IdentifyTest, IdentifyControllerFillsDmaBuffer) {
    EXPECT_EQ(!!(info_.flags & NVMETEST_INFO_IOMMU), profile() == "iommu");
    nvme::AdminQueue aq(fd_.get(), bar0_.get());
    ASSERT_EQ(aq.init(), "");
    nvme::IdentifyController id;
    ASSERT_EQ(aq.identify_controller(&id), "");
    EXPECT_EQ(id.vid, 0x1b36);
    EXPECT_EQ(id.ssvid, 0x1af4);
    EXPECT_EQ(id.model, "QEMU NVMe Ctrl");
    std::string why;
    std::string serial = expected_serial(bdf_, &why);
    ASSERT_FALSE(serial.empty()) << "cannot learn the DUT's serial from QEMU: " << why;
    EXPECT_EQ(id.serial, serial);
    EXPECT_EQ(id.serial.rfind("nvmetest-", 0), 0u) << "the harness names serials nvmetest-<id>";
}

// A command whose data pointer is the second page of a two-page allocation:
// the data lands there and nowhere else, so iova + offset is honoured.
TEST_F(IdentifyTest, DataLandsAtIovaOffset) {
    nvme::AdminQueue aq(fd_.get(), bar0_.get());
    ASSERT_EQ(aq.init(), "");
    DmaBuffer two;
    ASSERT_EQ(two.allocate(fd_.get(), 8192), 0);
    std::memset(two.data(), 0xee, 8192);
    nvme::Sqe sqe{};
    sqe.cdw0 = nvme::kOpIdentify;
    sqe.prp1 = two.iova() + 4096;
    sqe.cdw10 = 1;
    aq.submit(sqe);
    auto cqe = aq.wait(std::chrono::seconds(10));
    ASSERT_TRUE(cqe.has_value());
    EXPECT_EQ(cqe->sf(), 0);
    for (size_t i = 0; i < 4096; i++)
        ASSERT_EQ(two.data()[i], 0xee) << "the first page was written at " << i;
    auto id = nvme::parse_identify_controller(two.data() + 4096);
    EXPECT_EQ(id.vid, 0x1b36);
}

// Several commands in a row: the queue wraps and the phase flips.
TEST_F(IdentifyTest, QueueWrapsAround) {
    nvme::AdminQueue aq(fd_.get(), bar0_.get());
    ASSERT_EQ(aq.init(), "");
    for (int i = 0; i < nvme::AdminQueue::kDepth + 5; i++) {
        nvme::IdentifyController id;
        ASSERT_EQ(aq.identify_controller(&id), "") << "command " << i;
        ASSERT_EQ(id.vid, 0x1b36) << "command " << i;
    }
}

// Identify Namespace 1 (the harness gives every DUT namespace 1).
TEST_F(IdentifyTest, IdentifyNamespace) {
    nvme::AdminQueue aq(fd_.get(), bar0_.get());
    ASSERT_EQ(aq.init(), "");
    aq.submit_identify(0, 1);
    auto cqe = aq.wait(std::chrono::seconds(10));
    ASSERT_TRUE(cqe.has_value());
    EXPECT_EQ(cqe->sf(), 0);
    uint64_t nsze;
    std::memcpy(&nsze, aq.data().data(), 8);
    EXPECT_GT(nsze, 0u);
}

} // namespace
} // namespace devtest
