// SPDX-License-Identifier: BSD-3-Clause
// Zoned namespace (profile zns): 4 KiB LBAs, 16 zones of 16 MiB (4096 LBAs)
// with a capacity of 12 MiB (3072 LBAs), at most 4 open and 6 active zones,
// zone append limited to 128 KiB (zasl 5).
#include <nvmetest/fixtures.h>
#include <nvmetest/nvme/registers.h>
#include <nvmetest/nvme/status.h>
#include <nvmetest/nvme/zns.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace {

using nvmetest::Buffer;
using nvmetest::Namespace;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;
using nvmetest::nvme::ZoneDescriptor;
using nvmetest::testing::QpairTest;
namespace act = nvmetest::nvme::zone_send_action;
namespace zs = nvmetest::nvme::zone_state;
namespace st = nvmetest::nvme::status;

constexpr std::uint64_t kZoneLbas = 4096;
constexpr std::uint64_t kZcap = 3072;

class ZnsTest : public QpairTest {
protected:
    void SetUp() override
    {
        // Every test starts from empty zones.
        nvme0n1.zone_mgmt_send(qpair, 0, act::kReset, {.select_all = true}).waitdone();
    }

    std::vector<ZoneDescriptor> report(std::uint64_t slba = 0, std::uint8_t filter = 0)
    {
        Buffer b(64 + 16 * 64);
        nvme0n1.zone_mgmt_receive(qpair, b, slba, {.filter = filter}).waitdone();
        const std::uint64_t n = b.data(7, 0);
        std::vector<ZoneDescriptor> out(std::min<std::uint64_t>(n, 16));
        for (std::size_t i = 0; i < out.size(); i++)
            std::memcpy(&out[i], b.slice(64 + i * 64, 128 + i * 64).data(), 64);
        return out;
    }
    ZoneDescriptor zone(unsigned i) { return report(i * kZoneLbas).at(0); }

    // The status field of one command, waited for.
    template <class F>
    std::uint16_t status_of(F&& submit)
    {
        std::uint16_t s = 0xffff;
        submit([&s](const Cqe& c) { s = c.status() & 0x7ff; });
        qpair.waitdone();
        return s;
    }
};

// Commands Supported and Effects per command set: with every I/O command set
// enabled (CC.CSS = 110b, the default initialization on QEMU), QEMU 7.2
// answers CSI 0 with the NVM set and CSI 2 with the zoned set; supports()
// counts an I/O opcode listed in either.
TEST_F(ZnsTest, SupportsTheZonedCommandSet)
{
    EXPECT_EQ(nvmetest::nvme::cc::css(nvme0[nvmetest::nvme::reg::kCc]), 6u);
    for (std::uint32_t op : {0x79u, 0x7au, 0x7du}) {  // zone mgmt send, receive, append
        EXPECT_TRUE(nvme0.supports(0x100 + op)) << std::hex << op;
        EXPECT_TRUE(nvme0.supports(0x100 + op, 2)) << std::hex << op;
        EXPECT_FALSE(nvme0.supports(0x100 + op, 0)) << std::hex << op;
        EXPECT_TRUE(nvme0n1.supports(static_cast<std::uint8_t>(op))) << std::hex << op;
    }
    EXPECT_TRUE(nvme0.supports(0x102, 2));   // read: in the zoned set too
    EXPECT_TRUE(nvme0.supports(0x102, 0));
    EXPECT_FALSE(nvme0.supports(0x104));     // write uncorrectable: in neither
    EXPECT_FALSE(nvme0.supports(0x17d, 1));  // key value: QEMU lists no I/O commands
    EXPECT_TRUE(nvme0.supports(0x06, 2));    // admin commands whatever the CSI
}

TEST_F(ZnsTest, Geometry)
{
    EXPECT_EQ(nvme0n1.sector_size(), 4096u);
    EXPECT_EQ(nvme0n1.capacity(), 16 * kZoneLbas);
    // CC.CSS selects all I/O command sets (CAP.CSS bit 6).
    EXPECT_EQ(nvmetest::nvme::cc::css(nvme0[0x14]), 6u);
    EXPECT_EQ(nvme0n1.id_data(7, 0), 16 * kZoneLbas);
}

TEST_F(ZnsTest, ReportZones)
{
    const auto zones = report();
    ASSERT_EQ(zones.size(), 16u);
    for (unsigned i = 0; i < 16; i++) {
        EXPECT_EQ(zones[i].zslba, i * kZoneLbas);
        EXPECT_EQ(zones[i].zcap, kZcap);
        EXPECT_EQ(zones[i].wp, i * kZoneLbas);
        EXPECT_EQ(zones[i].type(), nvmetest::nvme::zone_type::kSequentialWriteRequired);
        EXPECT_EQ(zones[i].state(), zs::kEmpty) << "zone " << i;
    }
    // From zone 5 on: 11 zones; filter "full": none.
    EXPECT_EQ(report(5 * kZoneLbas).size(), 11u);
    EXPECT_EQ(report(0, 5).size(), 0u);
}

TEST_F(ZnsTest, WritesAreSequentialPerZone)
{
    Buffer w(8 * 4096, {.pvalue = 100, .ptype = 0xbeef});
    nvme0n1.write(qpair, w, 0, 8).waitdone();
    nvme0n1.write(qpair, w, 8, 8).waitdone();
    auto z = zone(0);
    EXPECT_EQ(z.wp, 16u);
    EXPECT_EQ(z.state(), zs::kImplicitlyOpened);
    // Not at the write pointer: Zone Invalid Write.
    EXPECT_EQ(status_of([&](auto cb) { nvme0n1.write(qpair, w, 100, 8, {.cb = cb}); }),
              st::kZoneInvalidWrite);
    EXPECT_EQ(status_of([&](auto cb) { nvme0n1.write(qpair, w, 0, 8, {.cb = cb}); }),
              st::kZoneInvalidWrite);
    EXPECT_EQ(zone(0).wp, 16u);
    Buffer r(8 * 4096);
    nvme0n1.read(qpair, r, 8, 8).waitdone();
    EXPECT_TRUE(r == w);
    // Another zone has its own write pointer.
    nvme0n1.write(qpair, w, kZoneLbas, 8).waitdone();
    EXPECT_EQ(zone(1).wp, kZoneLbas + 8);
}

TEST_F(ZnsTest, ZoneAppendReturnsTheLba)
{
    const std::uint64_t z2 = 2 * kZoneLbas;
    Buffer w(4 * 4096, {.pvalue = 100, .ptype = 0xbeef});
    std::uint64_t lba = 0;
    nvme0n1.zone_append(qpair, w, z2, 4, {.cb = [&](const Cqe& c) {
        lba = Namespace::zone_append_lba(c);
    }}).waitdone();
    EXPECT_EQ(lba, z2);
    // Three appends in flight: each gets its own range, in any completion order.
    std::vector<std::uint64_t> lbas;
    auto cb = [&](const Cqe& c) { lbas.push_back(Namespace::zone_append_lba(c)); };
    for (int i = 0; i < 3; i++)
        nvme0n1.zone_append(qpair, w, z2, 4, {.cb = cb});
    qpair.waitdone(3);
    std::sort(lbas.begin(), lbas.end());
    EXPECT_EQ(lbas, (std::vector<std::uint64_t>{z2 + 4, z2 + 8, z2 + 12}));
    EXPECT_EQ(zone(2).wp, z2 + 16);
    Buffer r(4 * 4096);
    for (std::uint64_t l : lbas) {
        nvme0n1.read(qpair, r, l, 4).waitdone();
        EXPECT_TRUE(r == w) << "LBA " << l;
    }
    // ZSLBA must be the start of a zone: Invalid Field.
    EXPECT_EQ(status_of([&](auto c) { nvme0n1.zone_append(qpair, w, 2 * kZoneLbas + 1, 1, {.cb = c}); }),
              st::kInvalidField);
    // Larger than ZASL (128 KiB): Invalid Field.
    Buffer big(64 * 4096);
    EXPECT_EQ(status_of([&](auto c) { nvme0n1.zone_append(qpair, big, 2 * kZoneLbas, 64, {.cb = c}); }),
              st::kInvalidField);
}

TEST_F(ZnsTest, OpenCloseFinishReset)
{
    const std::uint64_t z3 = 3 * kZoneLbas;
    nvme0n1.zone_mgmt_send(qpair, z3, act::kOpen).waitdone();
    EXPECT_EQ(zone(3).state(), zs::kExplicitlyOpened);
    nvme0n1.zone_mgmt_send(qpair, z3, act::kClose).waitdone();
    EXPECT_EQ(zone(3).state(), zs::kClosed);
    nvme0n1.zone_mgmt_send(qpair, z3, act::kFinish).waitdone();
    auto z = zone(3);
    EXPECT_EQ(z.state(), zs::kFull);
    EXPECT_EQ(z.wp, ~0ull);  // QEMU reports no write pointer for a full zone
    Buffer w(4096);
    EXPECT_EQ(status_of([&](auto cb) { nvme0n1.zone_append(qpair, w, z3, 1, {.cb = cb}); }),
              st::kZoneIsFull);
    // Full -> open is not a valid transition.
    EXPECT_EQ(status_of([&](auto cb) { nvme0n1.zone_mgmt_send(qpair, z3, act::kOpen, {.cb = cb}); }),
              st::kInvalidZoneStateTransition);
    nvme0n1.zone_mgmt_send(qpair, z3, act::kReset).waitdone();
    z = zone(3);
    EXPECT_EQ(z.state(), zs::kEmpty);
    EXPECT_EQ(z.wp, z3);
    nvme0n1.zone_mgmt_send(qpair, z3, act::kOpen).waitdone();
    EXPECT_EQ(report(0, 3).size(), 1u);  // filter: explicitly opened
}

TEST_F(ZnsTest, OpenAndActiveLimits)
{
    for (unsigned i = 0; i < 4; i++)
        nvme0n1.zone_mgmt_send(qpair, i * kZoneLbas, act::kOpen).waitdone();
    EXPECT_EQ(status_of([&](auto cb) {
                  nvme0n1.zone_mgmt_send(qpair, 4 * kZoneLbas, act::kOpen, {.cb = cb});
              }),
              st::kTooManyOpenZones);
    // Closed zones stay active: 4 closed + 2 open = 6 active, a 7th is refused.
    for (unsigned i = 0; i < 4; i++)
        nvme0n1.zone_mgmt_send(qpair, i * kZoneLbas, act::kClose).waitdone();
    nvme0n1.zone_mgmt_send(qpair, 4 * kZoneLbas, act::kOpen).waitdone();
    nvme0n1.zone_mgmt_send(qpair, 5 * kZoneLbas, act::kOpen).waitdone();
    EXPECT_EQ(status_of([&](auto cb) {
                  nvme0n1.zone_mgmt_send(qpair, 6 * kZoneLbas, act::kOpen, {.cb = cb});
              }),
              st::kTooManyActiveZones);
    Buffer w(4096);
    EXPECT_EQ(status_of([&](auto cb) { nvme0n1.write(qpair, w, 7 * kZoneLbas, 1, {.cb = cb}); }),
              st::kTooManyActiveZones);
    nvme0n1.zone_mgmt_send(qpair, 0, act::kReset, {.select_all = true}).waitdone();
    EXPECT_EQ(report(0, 1).size(), 16u);  // filter: empty
}

TEST_F(ZnsTest, WriteBeyondZoneCapacity)
{
    // Fill zone 4 up to 8 LBAs below its capacity, then write 16.
    const std::uint64_t z4 = 4 * kZoneLbas;
    Buffer big(64 * 4096);  // 256 KiB, within MDTS
    for (std::uint64_t lba = z4; lba < z4 + kZcap - 8; lba += 64) {
        const std::uint32_t n =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(64, z4 + kZcap - 8 - lba));
        nvme0n1.write(qpair, big, lba, n).waitdone();
    }
    EXPECT_EQ(zone(4).wp, z4 + kZcap - 8);
    EXPECT_EQ(status_of([&](auto cb) { nvme0n1.write(qpair, big, z4 + kZcap - 8, 16, {.cb = cb}); }),
              st::kZoneBoundaryError);
    nvme0n1.write(qpair, big, z4 + kZcap - 8, 8).waitdone();
    EXPECT_EQ(zone(4).state(), zs::kFull);
}

}  // namespace
