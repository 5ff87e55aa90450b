// SPDX-License-Identifier: BSD-3-Clause
// Buffers under a translating IOMMU (profile iommu: dut0 and dut1 in different
// IOMMU groups).  Each device has its own DMA address space, so a Buffer of
// one device is refused in commands to the other before anything reaches the
// device (ControllerCore::check_buffer_device); so is a Buffer in another
// controller's CMB (dut1 has 4 MiB); the device's own Buffers work.
#include <nvmetest/fixtures.h>

#include "support/device.h"

#include <functional>
#include <string>
#include <vector>

namespace {

using nvmetest::Buffer;
using nvmetest::Controller;
using nvmetest::Namespace;
using nvmetest::Pcie;
using nvmetest::Qpair;

// The refusal names the buffer, both devices and the way out.
void expect_refused(const std::function<void()>& submit, const std::string& buf_name,
                    const std::string& owner, const std::string& target)
{
    try {
        submit();
        ADD_FAILURE() << "a Buffer of " << owner << " was accepted by " << target;
    } catch (const nvmetest::UsageError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("Buffer \"" + buf_name + "\" is DMA memory of " + owner + ", not of " +
                            target + ": under an IOMMU each device has its own address space"),
                  std::string::npos)
            << what;
    }
}

class IommuBuffers : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_EQ(addrs.size(), 2u) << "profile iommu has two DUTs ($NVMETEST_DUTS)";
        ASSERT_TRUE(pcie0.info().iommu) << "the DUT's DMA is not translated";
    }
    std::vector<std::string> addrs = devtest::dut_bdfs();
    Pcie pcie0{addrs.at(0)};
    Pcie pcie1{addrs.at(1)};
    Controller nvme0{pcie0};
    Namespace nvme0n1{nvme0};
    Qpair qpair{nvme0, 16};
};

TEST_F(IommuBuffers, BufferOfAnotherDeviceIsRefusedBeforeTheDevice)
{
    Buffer other(4096, {.name = "dut1 memory", .pcie = &pcie1});
    EXPECT_EQ(other.device(), addrs[1]);
    const auto io_before = qpair.cmdlog(0).size();
    const auto admin_before = nvme0.cmdlog(0).size();
    expect_refused([&] { nvme0n1.read(qpair, other, 0, 8); }, "dut1 memory", addrs[1], addrs[0]);
    expect_refused([&] { nvme0n1.write(qpair, other, 0, 8); }, "dut1 memory", addrs[1], addrs[0]);
    expect_refused([&] { nvme0.identify(other); }, "dut1 memory", addrs[1], addrs[0]);
    EXPECT_EQ(qpair.cmdlog(0).size(), io_before);
    EXPECT_EQ(nvme0.cmdlog(0).size(), admin_before);
}

// A Buffer in dut1's Controller Memory Buffer serves dut1 only (peer-to-peer
// is not set up), IOMMU or not.
TEST_F(IommuBuffers, CmbBufferOfAnotherControllerIsRefused)
{
    Controller nvme1(pcie1);
    Buffer cmb(4096, {.name = "dut1 cmb", .nvme = &nvme1});
    ASSERT_TRUE(cmb.in_cmb());
    try {
        nvme0n1.read(qpair, cmb, 0, 8);
        ADD_FAILURE() << "a CMB buffer of " << addrs[1] << " was accepted by " << addrs[0];
    } catch (const nvmetest::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("Buffer \"dut1 cmb\" is in the Controller Memory "
                                             "Buffer of " + addrs[1] + ", not of " + addrs[0] +
                                             ": a CMB buffer serves its own controller only"),
                  std::string::npos)
            << e.what();
    }
    // Its own controller takes it.
    nvmetest::Namespace nvme1n1(nvme1);
    Qpair q1(nvme1, 16);
    nvme1n1.read(q1, cmb, 0, 8).waitdone();
}

// The metadata buffer goes through the same check (a separate-metadata format).
TEST_F(IommuBuffers, MetadataBufferOfAnotherDeviceIsRefused)
{
    ASSERT_EQ(nvme0n1.format(512, 8), 0u);
    Buffer data(512, {.pcie = &pcie0});
    Buffer own_meta(8, {.pcie = &pcie0});
    Buffer other_meta(8, {.name = "dut1 metadata", .pcie = &pcie1});
    const auto before = qpair.cmdlog(0).size();
    expect_refused([&] { nvme0n1.write(qpair, data, 0, 1, {.meta = &other_meta}); },
                   "dut1 metadata", addrs[1], addrs[0]);
    EXPECT_EQ(qpair.cmdlog(0).size(), before);
    nvme0n1.write(qpair, data, 0, 1, {.meta = &own_meta}).waitdone();
    EXPECT_EQ(nvme0n1.format(512, 0), 0u);
}

TEST_F(IommuBuffers, OwnBuffersWorkOnBothDevices)
{
    Buffer w(4096, {.name = "dut0 data", .pvalue = 100, .ptype = 0xbeef, .pcie = &pcie0});
    nvme0n1.write(qpair, w, 8, 8).waitdone();
    Buffer r(4096, {.pcie = &pcie0});
    nvme0n1.read(qpair, r, 8, 8).waitdone();
    EXPECT_TRUE(r == w);

    Controller nvme1(pcie1);
    Buffer id(4096, {.pcie = &pcie1});
    nvme1.identify(id).waitdone();
    EXPECT_EQ(id.data<std::string>(23, 4), "nvmetest-dut1");
    // And dut1's controller refuses dut0's memory the same way.
    expect_refused([&] { nvme1.identify(w); }, "dut0 data", addrs[0], addrs[1]);
}

}  // namespace
