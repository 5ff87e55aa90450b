// SPDX-License-Identifier: BSD-3-Clause
// The IOWorker on a zoned namespace (profile zns: 4 KiB LBAs, 16 zones of
// 4096 LBAs with a capacity of 3072, at most 4 open and 6 active zones).
// QEMU refuses a write that is not at its zone's write pointer (Zone Invalid
// Write), that crosses the capacity (Zone Boundary Error) or that would
// activate a 7th zone (Too Many Active Zones), and a read that crosses a zone
// boundary (Zone Boundary Error): a worker that ignored zones ends with one of
// those statuses.  After each run, Report Zones must show the write pointers
// moved by exactly the LBAs the worker wrote.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>
#include <nvmetest/nvme/zns.h>
#include <nvmetest/verify.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

using nvmetest::Buffer;
using nvmetest::IOWorkerArgs;
using nvmetest::IOWorkerCmdlogRecord;
using nvmetest::IOWorkerResult;
using nvmetest::Namespace;
using nvmetest::Qpair;
using nvmetest::Warning;
using nvmetest::WarningCapture;
using nvmetest::nvme::ZoneDescriptor;
namespace act = nvmetest::nvme::zone_send_action;
namespace zs = nvmetest::nvme::zone_state;

constexpr std::uint64_t kZone = 4096;  // LBAs per zone
constexpr std::uint64_t kZcap = 3072;
constexpr unsigned kZones = 16;

// Every zone's descriptor (Report Zones, all zones).
std::vector<ZoneDescriptor> report_zones(Namespace& ns, Qpair& q)
{
    Buffer b((kZones + 1) * 64);
    ns.zone_mgmt_receive(q, b).waitdone();
    std::vector<ZoneDescriptor> zones(kZones);
    std::memcpy(zones.data(), b.slice(64, b.size()).data(), kZones * sizeof(ZoneDescriptor));
    return zones;
}

// LBAs written into a zone since its reset.
std::uint64_t written(const ZoneDescriptor& z)
{
    return z.state() == zs::kFull ? z.zcap : z.wp - z.zslba;
}

std::uint64_t written(const std::vector<ZoneDescriptor>& zones, unsigned first, unsigned end)
{
    std::uint64_t sum = 0;
    for (unsigned i = first; i < end; i++)
        sum += written(zones[i]);
    return sum;
}

bool is_active(const ZoneDescriptor& z)
{
    const auto s = z.state();
    return s == zs::kImplicitlyOpened || s == zs::kExplicitlyOpened || s == zs::kClosed;
}

std::string zone_states(const std::vector<ZoneDescriptor>& zones)
{
    std::string out;
    for (const auto& z : zones)
        out += std::string(nvmetest::nvme::zone_state_name(z.state())) + "@" +
               std::to_string(z.wp == ~0ull ? 0 : z.wp - z.zslba) + " ";
    return out;
}

bool warned(const std::vector<Warning>& ws, const std::string& what)
{
    for (const auto& w : ws)
        if (w.message.find(what) != std::string::npos)
            return true;
    return false;
}

constexpr const char* kExhausted = "no zone of the region takes another write";

class IoWorkerZns : public nvmetest::testing::QpairTest {
protected:
    void SetUp() override
    {
        ASSERT_EQ(nvme0n1.sector_size(), 4096u);
        nvme0n1.zone_mgmt_send(qpair, 0, act::kReset, {.select_all = true}).waitdone();
    }
    std::vector<ZoneDescriptor> zones() { return report_zones(nvme0n1, qpair); }
    IOWorkerResult run(IOWorkerArgs args) { return nvme0n1.ioworker(std::move(args)).start().close(); }
};

// Random writes over zones 0-7: every write at a write pointer (QEMU accepts
// nothing else), spread over several zones, and the write pointers moved by
// exactly lba_count_write.  Zones 8-15 are untouched.
TEST_F(IoWorkerZns, RandomWritesGoToWritePointers)
{
    const auto r = run({.io_size = {8, 64, 100}, .io_count = 300, .read_percentage = 0,
                        .qdepth = 32, .region_start = 0, .region_end = 8 * kZone});
    ASSERT_EQ(r.error, 0) << std::hex << r.error_cpl[3];
    EXPECT_EQ(r.io_count_write, 300u);
    const auto z = zones();
    EXPECT_EQ(written(z, 0, 8), r.lba_count_write) << zone_states(z);
    EXPECT_EQ(written(z, 8, kZones), 0u);
    unsigned touched = 0, active = 0;
    for (const auto& d : z) {
        touched += written(d) > 0;
        active += is_active(d);
    }
    EXPECT_GE(touched, 3u) << "random writes pick among several zones: " << zone_states(z);
    EXPECT_LE(active, 6u);
}

// A sequential write pass (no time, count or lba_count) fills every zone of
// its region from the zone of lba_start on, then the zones before it; each
// zone's last write is cut to its capacity; no warning.
TEST_F(IoWorkerZns, SequentialPassFillsTheRegionInOrder)
{
    std::vector<IOWorkerCmdlogRecord> log(200);
    WarningCapture capture;
    const auto r = run({.io_size = 100, .lba_random = false, .lba_start = 3 * kZone + 7,
                        .read_percentage = 0, .qdepth = 8, .region_start = 2 * kZone,
                        .region_end = 5 * kZone, .output_cmdlog_list = &log});
    ASSERT_EQ(r.error, 0) << std::hex << r.error_cpl[3];
    // 3072 = 30 * 100 + 72: 31 writes per zone.
    EXPECT_EQ(r.lba_count_write, 3 * kZcap);
    EXPECT_EQ(r.io_count_write, 3 * 31u);
    const auto z = zones();
    for (unsigned i = 0; i < kZones; i++)
        EXPECT_EQ(z[i].state(), i >= 2 && i < 5 ? zs::kFull : zs::kEmpty) << i;
    ASSERT_EQ(log.size(), 93u);
    // The log is in completion order.  Within a zone one write is in flight
    // at a time, so its writes complete in LBA order; the next zone's first
    // write may overtake the previous zone's last one, so the zones' order
    // (3, 4, then 2) shows in when each zone's first write was sent.
    std::uint64_t next[kZones] = {}, first_sent[kZones] = {};
    for (unsigned zone = 2; zone < 5; zone++)
        next[zone] = zone * kZone;
    for (std::size_t i = 0; i < log.size(); i++) {
        const std::uint64_t zone = log[i].slba / kZone;
        ASSERT_TRUE(zone >= 2 && zone < 5) << i << ": slba " << log[i].slba;
        EXPECT_EQ(log[i].slba, next[zone]) << i;
        EXPECT_EQ(log[i].nlb, log[i].slba % kZone == 30 * 100 ? 72u : 100u) << i;
        if (log[i].slba % kZone == 0)
            first_sent[zone] = log[i].time_sent_us + 1;
        next[zone] = log[i].slba + log[i].nlb;
    }
    for (unsigned zone = 2; zone < 5; zone++)
        EXPECT_EQ(next[zone], zone * kZone + kZcap) << "zone " << zone;
    EXPECT_LE(first_sent[3], first_sent[4]);
    EXPECT_LE(first_sent[4], first_sent[2]);
    EXPECT_FALSE(warned(capture.warnings(), kExhausted));
}

// Reads anywhere in the region (beyond write pointers too, never across a
// zone boundary: 96-LBA reads at random LBAs cross one about every 43
// reads, and some are cut there), and writes.
TEST_F(IoWorkerZns, MixedReadWrite)
{
    const auto r = run({.io_size = 96, .io_count = 500, .read_percentage = 70, .qdepth = 16,
                        .region_start = 2 * kZone, .region_end = 16 * kZone});
    ASSERT_EQ(r.error, 0) << std::hex << r.error_cpl[3];
    EXPECT_GT(r.io_count_read, 300u);
    EXPECT_GT(r.io_count_write, 100u);
    EXPECT_EQ(r.io_count_read + r.io_count_write, 500u);
    EXPECT_LT(r.lba_count_read, 96 * r.io_count_read);  // cut at zone boundaries
    const auto z = zones();
    EXPECT_EQ(written(z, 2, kZones), r.lba_count_write) << zone_states(z);
    EXPECT_EQ(written(z, 0, 2), 0u);
}

// Zones 12 and 13 explicitly open, 14 and 15 closed: 4 of the 6 active and 2
// of the 4 open resources are taken.  The worker writes at most 2 zones of
// its region at a time, fills zones and moves on; QEMU never refuses a write
// (a 7th active zone would be Too Many Active Zones), and the zones opened
// before keep their state.
TEST_F(IoWorkerZns, KeepsWithinOpenAndActiveZoneResources)
{
    Buffer w(8 * 4096);
    nvme0n1.zone_mgmt_send(qpair, 12 * kZone, act::kOpen).waitdone();
    nvme0n1.zone_mgmt_send(qpair, 13 * kZone, act::kOpen).waitdone();
    for (unsigned i : {14u, 15u}) {
        nvme0n1.write(qpair, w, i * kZone, 8).waitdone();
        nvme0n1.zone_mgmt_send(qpair, i * kZone, act::kClose).waitdone();
    }
    const auto r = run({.io_size = 128, .lba_count = 5 * kZcap + 1000, .read_percentage = 0,
                        .qdepth = 32, .region_start = 0, .region_end = 8 * kZone});
    ASSERT_EQ(r.error, 0) << std::hex << r.error_cpl[3];
    EXPECT_EQ(r.lba_count_write, 5 * kZcap + 1000);
    const auto z = zones();
    EXPECT_EQ(written(z, 0, 8), r.lba_count_write) << zone_states(z);
    unsigned full = 0, partial = 0, active = 0;
    for (unsigned i = 0; i < 8; i++) {
        full += z[i].state() == zs::kFull;
        partial += is_active(z[i]);
    }
    for (const auto& d : z)
        active += is_active(d);
    EXPECT_GE(full, 4u) << zone_states(z);  // 5 capacities and 1000 LBAs over at most 2 partial zones
    EXPECT_LE(partial, 2u) << zone_states(z);
    EXPECT_LE(active, 6u) << zone_states(z);
    EXPECT_EQ(z[12].state(), zs::kExplicitlyOpened);
    EXPECT_EQ(z[13].state(), zs::kExplicitlyOpened);
    EXPECT_EQ(z[14].state(), zs::kClosed);
    EXPECT_EQ(z[15].state(), zs::kClosed);
}

// Every active resource taken outside the region (6 closed zones): the worker
// cannot open a zone, sends nothing and says why.
TEST_F(IoWorkerZns, NoActiveResourceLeftSendsNothing)
{
    Buffer w(4096);
    for (unsigned i = 10; i < 16; i++) {
        nvme0n1.write(qpair, w, i * kZone, 1).waitdone();
        nvme0n1.zone_mgmt_send(qpair, i * kZone, act::kClose).waitdone();
    }
    WarningCapture capture;
    const auto r = run({.io_size = 8, .time = 1, .read_percentage = 0, .region_start = 0,
                        .region_end = 4 * kZone});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.io_count_write, 0u);
    EXPECT_TRUE(warned(capture.warnings(), kExhausted));
    EXPECT_EQ(written(zones(), 0, 4), 0u);
}

// A full region: the worker stops writing (no zone is reset, no data lost),
// ends well before its time, and warns.  Filling a region's last zone during
// the run ends it the same way, after exactly its capacity.
TEST_F(IoWorkerZns, FullRegionEndsTheWorker)
{
    nvme0n1.zone_mgmt_send(qpair, 0, act::kFinish).waitdone();
    nvme0n1.zone_mgmt_send(qpair, kZone, act::kFinish).waitdone();
    {
        WarningCapture capture;
        const auto r = run({.io_size = 8, .time = 10, .read_percentage = 0, .region_start = 0,
                            .region_end = 2 * kZone});
        EXPECT_EQ(r.error, 0);
        EXPECT_EQ(r.io_count_write, 0u);
        EXPECT_LT(r.mseconds, 1000u);
        EXPECT_TRUE(warned(capture.warnings(), kExhausted));
    }
    WarningCapture capture;
    const auto r = run({.io_size = 128, .time = 10, .read_percentage = 0, .region_start = 5 * kZone,
                        .region_end = 6 * kZone});
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.lba_count_write, kZcap);
    EXPECT_LT(r.mseconds, 9000u);
    EXPECT_TRUE(warned(capture.warnings(), kExhausted));
    const auto z = zones();
    EXPECT_EQ(z[0].state(), zs::kFull);
    EXPECT_EQ(z[1].state(), zs::kFull);
    EXPECT_EQ(z[5].state(), zs::kFull);
    EXPECT_EQ(written(z, 6, kZones) + written(z, 2, 5), 0u);
}

// With data verification on: the random writes inject and store check
// values, and a sequential read-back pass of the region (100-LBA reads, cut at
// every zone boundary) checks every LBA written and finds nothing.
class IoWorkerZnsVerify : public IoWorkerZns {
protected:
    nvmetest::testing::Verify verify{nvme0n1};
};

TEST_F(IoWorkerZnsVerify, VerifiedWritesReadBack)
{
    ASSERT_TRUE(verify);
    WarningCapture capture;
    const auto w = run({.io_size = {8, 64}, .io_count = 200, .read_percentage = 0, .qdepth = 16,
                        .region_start = 0, .region_end = 4 * kZone});
    ASSERT_EQ(w.error, 0) << std::hex << w.error_cpl[3];
    const auto z = zones();
    EXPECT_EQ(written(z, 0, 4), w.lba_count_write);
    // The check values of what was written are known, and beyond it unknown.
    const auto& map = nvme0n1.verifier()->map();
    for (unsigned i = 0; i < 4; i++) {
        if (written(z[i]) == 0)
            continue;
        EXPECT_NE(map.get(z[i].zslba), nvmetest::verify::CheckMap::kUnknown) << i;
        EXPECT_NE(map.get(z[i].zslba + written(z[i]) - 1), nvmetest::verify::CheckMap::kUnknown) << i;
    }
    const auto r = run({.io_size = 100, .lba_random = false, .read_percentage = 100, .qdepth = 8,
                        .region_start = 0, .region_end = 4 * kZone});
    EXPECT_EQ(r.error, 0) << std::hex << r.error_cpl[3];
    EXPECT_EQ(r.lba_count_read, 4 * kZone);
    EXPECT_TRUE(capture.warnings().empty()) << capture.warnings()[0].message;
}

}  // namespace
