// SPDX-License-Identifier: BSD-3-Clause
// SR-IOV (profile sriov: QEMU 7.2 NVMe PF with 2 VFs and flexible resources
// of 4 queues and 2 interrupts): the PF gives a secondary controller its
// resources with Virtualization Management, sysfs sriov_numvfs enables the
// VF, the VF is bound to nvmetest.ko and opened as Pcie(pf, {.vf = 1}).
#include <nvmetest/fixtures.h>

#include "support/device.h"

#include <string>

namespace {

using nvmetest::Buffer;
using nvmetest::Controller;
using nvmetest::Pcie;
using nvmetest::testing::Nvme0Test;

constexpr std::uint16_t kExtCapSriov = 0x10;
constexpr std::uint8_t kCnsPrimaryCaps = 0x14;
constexpr std::uint8_t kCnsSecondaryList = 0x15;
// Virtualization Management actions and resource types.
constexpr std::uint8_t kActAssign = 0x8, kActOnline = 0x9, kActOffline = 0x7;
constexpr std::uint8_t kRtQueue = 0, kRtInterrupt = 1;

// One entry of the Secondary Controller List (Identify CNS 15h).
struct Secondary {
    std::uint16_t scid, pcid;
    std::uint8_t scs;
    std::uint16_t vfn, nvq, nvi;
};

std::vector<Secondary> secondary_list(Controller& nvme)
{
    Buffer b(4096);
    nvme.identify(b, {.cns = kCnsSecondaryList}).waitdone();
    std::vector<Secondary> out;
    for (unsigned i = 0; i < b[0]; i++) {
        const std::size_t e = 32 + i * 32;
        out.push_back({static_cast<std::uint16_t>(b.data(e + 1, e)),
                       static_cast<std::uint16_t>(b.data(e + 3, e + 2)), b[e + 4],
                       static_cast<std::uint16_t>(b.data(e + 9, e + 8)),
                       static_cast<std::uint16_t>(b.data(e + 11, e + 10)),
                       static_cast<std::uint16_t>(b.data(e + 13, e + 12))});
    }
    return out;
}

class SriovTest : public Nvme0Test {
protected:
    void TearDown() override
    {
        devtest::write_file(devtest::pci_dir(pcie.addr()) + "/sriov_numvfs", "0");
    }
    std::string numvfs_path() { return devtest::pci_dir(pcie.addr()) + "/sriov_numvfs"; }
};

TEST_F(SriovTest, PrimaryControllerAndItsSecondaries)
{
    const auto sriov = pcie.cap_offset(kExtCapSriov, true);
    ASSERT_TRUE(sriov);
    EXPECT_EQ(pcie.cfg_word_read(*sriov + 0x0e), 2u);  // TotalVFs
    EXPECT_EQ(pcie.cfg_word_read(*sriov + 0x10), 0u);  // NumVFs: none enabled
    // A VF that is not enabled is refused with the way to enable it.
    try {
        Pcie vf(pcie.addr(), {.vf = 1});
        FAIL() << "vf 1 opened while NumVFs is 0";
    } catch (const nvmetest::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("is not enabled (NumVFs is 0)"), std::string::npos)
            << e.what();
    }

    Buffer caps(4096);
    nvme0.identify(caps, {.cns = kCnsPrimaryCaps}).waitdone();
    const std::uint16_t cntlid = static_cast<std::uint16_t>(nvme0.id_data(79, 78));
    EXPECT_EQ(caps.data(1, 0), cntlid);
    EXPECT_EQ(caps[4] & 3u, 3u) << "CRT: VQ and VI resources";
    EXPECT_EQ(caps.data(35, 32), 4u) << "VQFRT: flexible queue resources";
    EXPECT_EQ(caps.data(67, 64), 2u) << "VIFRT: flexible interrupt resources";

    const auto list = secondary_list(nvme0);
    ASSERT_EQ(list.size(), 2u);
    for (unsigned i = 0; i < 2; i++) {
        EXPECT_EQ(list[i].pcid, cntlid);
        EXPECT_EQ(list[i].vfn, i + 1);
        EXPECT_EQ(list[i].scs, 0u) << "offline";
        EXPECT_EQ(list[i].nvq, 0u);
        EXPECT_EQ(list[i].nvi, 0u);
    }
}

TEST_F(SriovTest, VfComesUpBoundAndDoesIo)
{
    const auto list = secondary_list(nvme0);
    ASSERT_EQ(list.size(), 2u);
    const std::uint16_t scid = list[0].scid;
    // Resources first (the secondary is offline), then the VF, then online.
    nvme0.virt_mgmt(scid, kActAssign, kRtQueue, 2).waitdone();
    nvme0.virt_mgmt(scid, kActAssign, kRtInterrupt, 1).waitdone();
    ASSERT_EQ(devtest::write_file(numvfs_path(), "1"), 0);
    nvme0.virt_mgmt(scid, kActOnline).waitdone();
    const auto online = secondary_list(nvme0);
    EXPECT_EQ(online[0].scs, 1u) << "online";
    EXPECT_EQ(online[0].nvq, 2u);
    EXPECT_EQ(online[0].nvi, 1u);

    const auto vf_link = devtest::read_file(devtest::pci_dir(pcie.addr()) + "/virtfn0/uevent");
    ASSERT_TRUE(vf_link) << "no virtfn0 after sriov_numvfs = 1";
    {
        // Find the VF's address the way Pcie does (First VF Offset, VF Stride)
        // and bind it.
        try {
            Pcie probe(pcie.addr(), {.vf = 1});
            FAIL() << "the VF opened before it was bound to nvmetest";
        } catch (const nvmetest::Error& e) {
            SUCCEED() << e.what();
        }
        const std::string uevent = *vf_link;
        const auto at = uevent.find("PCI_SLOT_NAME=");
        ASSERT_NE(at, std::string::npos);
        const std::string vf_addr = uevent.substr(at + 14, uevent.find('\n', at) - at - 14);
        ASSERT_EQ(devtest::bind_to_nvmetest(vf_addr), "");

        Pcie vf(pcie.addr(), {.vf = 1});
        EXPECT_EQ(vf.addr(), vf_addr);
        Controller nvme_vf(vf);
        EXPECT_EQ(nvme_vf.id_data(79, 78), scid) << "the VF is the secondary controller";
        nvmetest::Namespace ns(nvme_vf);
        nvmetest::Qpair q(nvme_vf, 16);
        Buffer w(4096, {.pvalue = 100, .ptype = 0xbeef});
        // One interrupt resource: the VF's admin and I/O queues share vector 0.
        q.msix_clear();
        ns.write(q, w, 64, 8).waitdone();
        EXPECT_TRUE(q.wait_msix(2000)) << "no MSI-X interrupt from the VF";
        Buffer r(4096);
        ns.read(q, r, 64, 8).waitdone();
        EXPECT_TRUE(r == w);
        // The PF's namespace is the same (shared in the subsystem).
        nvmetest::Namespace pf_ns(nvme0);
        nvmetest::Qpair pf_q(nvme0, 16);
        Buffer r_pf(4096);
        pf_ns.read(pf_q, r_pf, 64, 8).waitdone();
        EXPECT_TRUE(r_pf == w);
    }
    nvme0.virt_mgmt(scid, kActOffline).waitdone();
    EXPECT_EQ(secondary_list(nvme0)[0].scs, 0u);
}

// QEMU 7.2's answers to Virtualization Management out of order.
TEST_F(SriovTest, VirtualizationManagementOutOfOrderIsRefused)
{
    const std::uint16_t scid = secondary_list(nvme0).at(0).scid;
    ASSERT_EQ(devtest::write_file(numvfs_path(), "1"), 0);
    // Online without queue and interrupt resources.
    EXPECT_WARNS(nvme0.virt_mgmt(scid, kActOnline).waitdone(),
                 "ERROR status: 01/20 Invalid Secondary Controller State");
    // More queues than one VF may have (sriov_max_vq_per_vf = 2).
    EXPECT_WARNS(nvme0.virt_mgmt(scid, kActAssign, kRtQueue, 3).waitdone(),
                 "ERROR status: 01/21 Invalid Number of Controller Resources");
    // Resources of an online secondary cannot change.
    nvme0.virt_mgmt(scid, kActAssign, kRtQueue, 2).waitdone();
    nvme0.virt_mgmt(scid, kActAssign, kRtInterrupt, 1).waitdone();
    nvme0.virt_mgmt(scid, kActOnline).waitdone();
    EXPECT_WARNS(nvme0.virt_mgmt(scid, kActAssign, kRtQueue, 1).waitdone(),
                 "ERROR status: 01/20 Invalid Secondary Controller State");
    nvme0.virt_mgmt(scid, kActOffline).waitdone();
    // QEMU 7.2's Secondary Offline also hands the resources back to the pool.
    const auto s = secondary_list(nvme0).at(0);
    EXPECT_EQ(s.scs, 0u);
    EXPECT_EQ(s.nvq, 0u);
    EXPECT_EQ(s.nvi, 0u);
}

}  // namespace
