// SPDX-License-Identifier: BSD-3-Clause
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "nvmetest/pci_caps.h"

using namespace nvmetest::pci;

namespace {

// A synthetic config space image with helpers to lay out capability lists.
struct Config {
    std::vector<std::uint8_t> b;
    explicit Config(std::size_t size = 4096) : b(size, 0)
    {
        put16(0x00, 0x1b36);  // vendor
        put16(0x02, 0x0010);  // device
        put16(kStatus, kStatusCapList);
    }
    void put8(std::size_t o, std::uint8_t v) { b[o] = v; }
    void put16(std::size_t o, std::uint16_t v) { std::memcpy(&b[o], &v, 2); }
    void put32(std::size_t o, std::uint32_t v) { std::memcpy(&b[o], &v, 4); }
    void cap(std::size_t o, std::uint8_t id, std::uint8_t next)
    {
        put8(o, id);
        put8(o + 1, next);
    }
    void ext(std::size_t o, std::uint16_t id, unsigned ver, std::size_t next)
    {
        put32(o, id | ver << 16 | static_cast<std::uint32_t>(next) << 20);
    }
};

// Like QEMU's NVMe controller behind a root port, plus a few extended capabilities.
Config nvme_like()
{
    Config c;
    c.put8(kCapPtr, 0x40);
    c.cap(0x40, kCapPm, 0x50);
    c.put16(0x42, 0x0003);  // PM version 3
    c.cap(0x50, kCapMsi, 0x70);
    c.put16(0x52, 0x0080 | (5 << 1));  // 64-bit, 32 vectors capable
    c.cap(0x70, kCapPcie, 0xb0);
    c.put16(0x72, 0x0002);              // version 2, endpoint
    c.put32(0x74, (1u << 28) | 1);      // FLR, MPS 256
    c.put32(0x7c, 0x00000043);          // max 8GT/s x4
    c.put16(0x82, 0x0041);              // link 2.5GT/s x4
    c.cap(0xb0, kCapMsix, 0x00);
    c.put16(0xb2, 64);                  // 65 vectors
    c.put32(0xb4, 0x00002000);          // table BAR0 + 0x2000
    c.put32(0xb8, 0x00003000);          // PBA BAR0 + 0x3000
    c.ext(0x100, kExtCapAer, 2, 0x148);
    c.ext(0x148, kExtCapDsn, 1, 0x160);
    c.put32(0x14c, 0x44332211);
    c.put32(0x150, 0x88776655);
    c.ext(0x160, kExtCapSriov, 1, 0x000);
    c.put16(0x160 + 0x0e, 127);
    return c;
}

}  // namespace

TEST(PciCaps, WalksStandardAndExtendedLists)
{
    const Config c = nvme_like();
    const auto list = walk_capabilities(c.b);
    EXPECT_TRUE(list.problems.empty());
    ASSERT_EQ(list.caps.size(), 7u);
    const std::vector<std::pair<std::uint16_t, std::uint16_t>> want = {
        {0x40, kCapPm}, {0x50, kCapMsi}, {0x70, kCapPcie}, {0xb0, kCapMsix},
        {0x100, kExtCapAer}, {0x148, kExtCapDsn}, {0x160, kExtCapSriov}};
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(list.caps[i].offset, want[i].first) << i;
        EXPECT_EQ(list.caps[i].id, want[i].second) << i;
        EXPECT_EQ(list.caps[i].extended, i >= 4) << i;
    }
    EXPECT_EQ(list.caps[4].version, 2);
    EXPECT_EQ(list.caps[0].name(), "Power Management");
    EXPECT_EQ(list.caps[3].abbrev(), "MSI-X");
    EXPECT_EQ(list.caps[4].name(), "Advanced Error Reporting");
    EXPECT_EQ(list.caps[6].abbrev(), "SR-IOV");
}

TEST(PciCaps, FindsByIdLikePynvmeCapOffset)
{
    const Config c = nvme_like();
    EXPECT_EQ(find_capability(c.b, kCapPcie), 0x70);
    EXPECT_EQ(find_capability(c.b, kCapPm), 0x40);
    EXPECT_FALSE(find_capability(c.b, kCapVpd));
    EXPECT_EQ(find_ext_capability(c.b, kExtCapDsn), 0x148);
    EXPECT_FALSE(find_ext_capability(c.b, kExtCapAts));
}

TEST(PciCaps, DescribesMainFields)
{
    const Config c = nvme_like();
    const auto list = walk_capabilities(c.b);
    EXPECT_EQ(describe_capability(c.b, list.caps[3]),
              "65 vectors, table BAR0+0x2000, PBA BAR0+0x3000, disabled");
    const std::string msi = describe_capability(c.b, list.caps[1]);
    EXPECT_NE(msi.find("32 vectors capable"), std::string::npos) << msi;
    EXPECT_NE(msi.find("64-bit"), std::string::npos) << msi;
    const std::string pcie = describe_capability(c.b, list.caps[2]);
    EXPECT_NE(pcie.find("Endpoint"), std::string::npos) << pcie;
    EXPECT_NE(pcie.find("FLR+"), std::string::npos) << pcie;
    EXPECT_NE(pcie.find("2.5GT/s x4 (max 8GT/s x4)"), std::string::npos) << pcie;
    EXPECT_EQ(describe_capability(c.b, list.caps[5]), "serial 88-77-66-55-44-33-22-11");
    EXPECT_NE(describe_capability(c.b, list.caps[6]).find("TotalVFs 127"), std::string::npos);
}

TEST(PciCaps, NoCapListBitMeansNoStandardList)
{
    Config c = nvme_like();
    c.put16(kStatus, 0);
    const auto list = walk_capabilities(c.b);
    ASSERT_EQ(list.caps.size(), 3u);
    EXPECT_TRUE(list.caps[0].extended);
}

TEST(PciCaps, A256ByteImageHasNoExtendedList)
{
    Config full = nvme_like();
    std::vector<std::uint8_t> small(full.b.begin(), full.b.begin() + 256);
    const auto list = walk_capabilities(small);
    EXPECT_EQ(list.caps.size(), 4u);
    EXPECT_TRUE(list.problems.empty());
}

TEST(PciCaps, StopsAtLoopsAndReportsThem)
{
    Config c;
    c.put8(kCapPtr, 0x40);
    c.cap(0x40, kCapPm, 0x50);
    c.cap(0x50, kCapMsix, 0x40);  // back to the first
    c.ext(0x100, kExtCapAer, 1, 0x100);  // points at itself
    const auto list = walk_capabilities(c.b);
    EXPECT_EQ(list.caps.size(), 3u);
    ASSERT_EQ(list.problems.size(), 2u);
    EXPECT_NE(list.problems[0].find("loops"), std::string::npos);
    EXPECT_NE(list.problems[1].find("loops"), std::string::npos);
}

TEST(PciCaps, StopsAtPointersIntoTheHeaderAndMasksLowBits)
{
    Config c;
    c.put8(kCapPtr, 0x43);  // low bits set: read as 0x40
    c.cap(0x40, kCapPm, 0x10);  // into the header
    const auto list = walk_capabilities(c.b);
    ASSERT_EQ(list.caps.size(), 1u);
    EXPECT_EQ(list.caps[0].offset, 0x40);
    ASSERT_EQ(list.problems.size(), 2u);
    EXPECT_NE(list.problems[0].find("aligned"), std::string::npos);
    EXPECT_NE(list.problems[1].find("outside"), std::string::npos);
}

TEST(PciCaps, AllOnesMeansNotResponding)
{
    std::vector<std::uint8_t> dead(4096, 0xff);
    const auto list = walk_capabilities(dead);
    EXPECT_TRUE(list.caps.empty());
    ASSERT_EQ(list.problems.size(), 1u);
    EXPECT_NE(list.problems[0].find("does not respond"), std::string::npos);
}

TEST(PciCaps, EmptyExtendedHeaderEndsQuietly)
{
    Config c;
    c.put16(kStatus, 0);
    c.put32(0x100, 0xffffffff);
    EXPECT_TRUE(walk_capabilities(c.b).caps.empty());
    EXPECT_TRUE(walk_capabilities(c.b).problems.empty());
}

TEST(PciCaps, EveryAssignedIdHasANameAndUnknownOnesSayUnknown)
{
    for (unsigned id = 1; id <= 0x15; ++id) {
        EXPECT_FALSE(cap_name(static_cast<std::uint8_t>(id)).empty()) << id;
        EXPECT_FALSE(cap_abbrev(static_cast<std::uint8_t>(id)).empty()) << id;
    }
    for (unsigned id = 1; id <= 0x34; ++id) {
        EXPECT_FALSE(ext_cap_name(static_cast<std::uint16_t>(id)).empty()) << id;
        EXPECT_FALSE(ext_cap_abbrev(static_cast<std::uint16_t>(id)).empty()) << id;
    }
    EXPECT_EQ(cap_name(kCapMsi), "Message Signaled Interrupts");
    EXPECT_EQ(cap_name(kCapEa), "Enhanced Allocation");
    EXPECT_EQ(ext_cap_name(kExtCapAri), "Alternative Routing-ID Interpretation");
    EXPECT_EQ(ext_cap_name(kExtCapDoe), "Data Object Exchange");
    EXPECT_EQ(ext_cap_name(kExtCapL1ss), "L1 PM Substates");
    EXPECT_TRUE(cap_name(0x42).empty());
    EXPECT_EQ((Capability{false, 0x42, 0x40, 0}).name(), "Unknown capability 0x42");
    EXPECT_EQ((Capability{true, 0x99, 0x100, 1}).name(), "Unknown extended capability 0x0099");
}

TEST(PciCaps, ReadersTreatOutOfRangeAsAllOnes)
{
    std::vector<std::uint8_t> b = {0x11, 0x22, 0x33};
    EXPECT_EQ(cfg16(b, 0), 0x2211);
    EXPECT_EQ(cfg32(b, 0), 0xff332211u);
    EXPECT_EQ(cfg8(b, 100), 0xff);
}
