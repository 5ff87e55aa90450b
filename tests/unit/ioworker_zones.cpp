// SPDX-License-Identifier: BSD-3-Clause
// The IOWorker on a zoned namespace (libnvmetest/ioworker/zone_writer.h and
// IoPlan::place_writes_in_zones): writes at each zone's write pointer, one in
// flight per zone, within the open/active resources, cut at the capacity;
// other commands cut at zone boundaries.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "ioworker/io_plan.h"
#include "ioworker/zone_writer.h"
#include "nvmetest/nvme/zns.h"

namespace {

using nvmetest::Xoshiro256ss;
using nvmetest::ioworker::IoPlan;
using nvmetest::ioworker::PlannedIo;
using nvmetest::ioworker::ZoneReport;
using nvmetest::ioworker::ZoneResources;
using nvmetest::ioworker::ZoneWriter;
using Placed = ZoneWriter::Placed;
namespace zs = nvmetest::nvme::zone_state;

constexpr std::uint64_t kZone = 100;  // LBAs per zone
constexpr std::uint64_t kCap = 60;    // zone capacity

std::vector<ZoneReport> empty_zones(unsigned n)
{
    std::vector<ZoneReport> z;
    for (unsigned i = 0; i < n; i++)
        z.push_back({.zslba = i * kZone, .zcap = kCap, .wp = i * kZone, .state = zs::kEmpty});
    return z;
}

PlannedIo write(std::uint32_t nlb, bool random = false)
{
    return {.slba = 0, .nlb = nlb, .opcode = 0x01, .random = random};
}

// Where a write of nlb LBAs went: {slba, nlb}; {~0, 0} when not placed.
std::pair<std::uint64_t, std::uint32_t> place(ZoneWriter& w, Xoshiro256ss& rng, std::uint32_t nlb)
{
    PlannedIo io = write(nlb);
    if (w.place_write(io, rng) != Placed::kOk)
        return {~0ull, 0};
    return {io.slba, io.nlb};
}

TEST(IoWorkerZones, SequentialWritesFollowTheWritePointerOneAtATime)
{
    Xoshiro256ss rng(1);
    ZoneWriter w(kZone, empty_zones(2), {{0, 2 * kZone}}, {}, 1, false, 0);
    using Range = std::pair<std::uint64_t, std::uint32_t>;
    EXPECT_EQ(place(w, rng, 25), Range(0, 25));
    // The zone has a write in flight: the next waits.
    PlannedIo next = write(25);
    EXPECT_EQ(w.place_write(next, rng), Placed::kBusy);
    w.write_done(0, true);
    EXPECT_EQ(place(w, rng, 25), Range(25, 25));
    w.write_done(25, true);
    // Cut at the zone capacity (60), never across it.
    EXPECT_EQ(place(w, rng, 25), Range(50, 10));
    // The next zone: a write of its own may go while the filling one is in flight.
    EXPECT_EQ(place(w, rng, 8), Range(kZone, 8));
}

TEST(IoWorkerZones, SequentialStartsAtTheZoneOfLbaStartAndSkipsFullZones)
{
    Xoshiro256ss rng(1);
    auto zones = empty_zones(4);
    zones[3].state = zs::kFull;
    zones[3].wp = ~0ull;
    zones[0].state = zs::kImplicitlyOpened;
    zones[0].wp = 10;
    ZoneWriter w(kZone, zones, {{0, 4 * kZone}}, {}, 1, false, 2 * kZone + 5);
    std::vector<std::uint64_t> starts;
    for (;;) {
        PlannedIo io = write(60);
        const Placed p = w.place_write(io, rng);
        if (p == Placed::kExhausted)
            break;
        ASSERT_EQ(p, Placed::kOk);
        starts.push_back(io.slba);
        w.write_done(io.slba, true);
    }
    // Zone 2 (of lba_start), then on: zone 3 is full, zone 0 from its write pointer, zone 1.
    EXPECT_EQ(starts, (std::vector<std::uint64_t>{200, 10, 100}));
}

TEST(IoWorkerZones, RandomWritesSpreadOverStreamsWithinTheResources)
{
    Xoshiro256ss rng(7);
    // 1 zone open and 2 active elsewhere; at most 3 open and 4 active: two
    // empty zones of the region may be written at once.
    const ZoneResources res{.max_open = 3, .max_active = 4, .open = 1, .active = 2};
    ZoneWriter w(kZone, empty_zones(8), {{0, 8 * kZone}}, res, 16, true, 0);
    PlannedIo a = write(8, true), b = write(8, true), c = write(8, true);
    ASSERT_EQ(w.place_write(a, rng), Placed::kOk);
    ASSERT_EQ(w.place_write(b, rng), Placed::kOk);
    EXPECT_NE(a.slba / kZone, b.slba / kZone);
    EXPECT_EQ(a.slba % kZone, 0u);
    EXPECT_EQ(b.slba % kZone, 0u);
    EXPECT_EQ(w.streams(), 2u);
    EXPECT_EQ(w.open(), 3u);
    EXPECT_EQ(w.active(), 4u);
    EXPECT_EQ(w.place_write(c, rng), Placed::kBusy);  // both zones have a write in flight
    w.write_done(a.slba, true);
    ASSERT_EQ(w.place_write(c, rng), Placed::kOk);
    EXPECT_EQ(c.slba, a.slba + 8);
    w.write_done(c.slba, true);
    w.write_done(b.slba, true);
    // Fill every zone: the resources never exceed the limits, every write is
    // at its zone's write pointer, every zone ends full.
    std::vector<std::uint64_t> wp(8);
    for (unsigned i = 0; i < 8; i++)
        wp[i] = i * kZone;
    wp[a.slba / kZone] += 16;
    wp[b.slba / kZone] += 8;
    std::uint64_t written = 24;
    for (;;) {
        PlannedIo io = write(7, true);
        const Placed p = w.place_write(io, rng);
        if (p == Placed::kExhausted)
            break;
        ASSERT_EQ(p, Placed::kOk);
        ASSERT_LE(w.open(), 3u);
        ASSERT_LE(w.active(), 4u);
        ASSERT_EQ(io.slba, wp[io.slba / kZone]);
        ASSERT_LE(io.slba + io.nlb, io.slba / kZone * kZone + kCap);
        wp[io.slba / kZone] += io.nlb;
        written += io.nlb;
        w.write_done(io.slba, true);
    }
    EXPECT_EQ(written, 8 * kCap);
    EXPECT_EQ(w.open(), 1u);  // what was open at start, elsewhere
    EXPECT_EQ(w.active(), 2u);
}

TEST(IoWorkerZones, ResourcesComeBackWhenTheFillingWriteCompletes)
{
    Xoshiro256ss rng(1);
    const ZoneResources res{.max_open = 1, .max_active = 1};
    ZoneWriter w(kZone, empty_zones(2), {{0, 2 * kZone}}, res, 4, true, 0);
    PlannedIo fill = write(60, true);
    ASSERT_EQ(w.place_write(fill, rng), Placed::kOk);
    PlannedIo next = write(8, true);
    // Zone 0 counts as open until its last write completes.
    EXPECT_EQ(w.place_write(next, rng), Placed::kBusy);
    w.write_done(fill.slba, true);
    ASSERT_EQ(w.place_write(next, rng), Placed::kOk);
    EXPECT_EQ(next.slba, fill.slba == 0 ? kZone : 0u);  // the other zone
}

TEST(IoWorkerZones, OpenZonesAreTakenFirstWhenResourcesAreShort)
{
    Xoshiro256ss rng(3);
    auto zones = empty_zones(4);
    zones[2].state = zs::kImplicitlyOpened;
    zones[2].wp = 2 * kZone + 30;
    zones[1].state = zs::kClosed;
    zones[1].wp = kZone + 5;
    // Open limit reached by zone 2; active limit by zones 1 and 2.
    const ZoneResources res{.max_open = 1, .max_active = 2, .open = 1, .active = 2};
    ZoneWriter w(kZone, zones, {{0, 4 * kZone}}, res, 4, true, 0);
    PlannedIo io = write(8, true);
    ASSERT_EQ(w.place_write(io, rng), Placed::kOk);
    EXPECT_EQ(io.slba, 2 * kZone + 30);
    EXPECT_EQ(w.streams(), 1u);
}

TEST(IoWorkerZones, NothingWritableIsExhausted)
{
    Xoshiro256ss rng(1);
    auto zones = empty_zones(2);
    for (auto& z : zones) {
        z.state = zs::kFull;
        z.wp = ~0ull;
    }
    ZoneWriter full(kZone, zones, {{0, 2 * kZone}}, {}, 4, true, 0);
    PlannedIo io = write(8, true);
    EXPECT_EQ(full.place_write(io, rng), Placed::kExhausted);
    // Empty zones, but every active resource is taken elsewhere.
    ZoneWriter no_room(kZone, empty_zones(2), {{0, 2 * kZone}},
                       {.max_open = 4, .max_active = 2, .open = 0, .active = 2}, 4, true, 0);
    EXPECT_EQ(no_room.place_write(io, rng), Placed::kExhausted);
}

TEST(IoWorkerZones, RegionEndCutsWritesAndAFailedZoneIsLeft)
{
    Xoshiro256ss rng(1);
    // The region ends in the middle of zone 1's capacity.
    ZoneWriter w(kZone, empty_zones(2), {{0, kZone + 20}}, {}, 1, false, 0);
    PlannedIo io = write(60);
    ASSERT_EQ(w.place_write(io, rng), Placed::kOk);
    EXPECT_EQ(io.nlb, 60u);
    PlannedIo second = write(60);
    ASSERT_EQ(w.place_write(second, rng), Placed::kOk);
    EXPECT_EQ(second.slba, kZone);
    EXPECT_EQ(second.nlb, 20u);
    w.write_done(io.slba, true);
    w.write_done(second.slba, true);
    PlannedIo more = write(1);
    EXPECT_EQ(w.place_write(more, rng), Placed::kExhausted);

    ZoneWriter f(kZone, empty_zones(1), {{0, kZone}}, {}, 1, false, 0);
    PlannedIo a = write(8);
    ASSERT_EQ(f.place_write(a, rng), Placed::kOk);
    f.write_done(a.slba, false);  // its write pointer is unknown now
    EXPECT_EQ(f.place_write(a, rng), Placed::kExhausted);
}

TEST(IoWorkerZones, PlanLeavesWritesToTheZonesAndCutsReadsAtZoneBoundaries)
{
    IoPlan plan({.io_size = 30, .time = 1, .lba_random = false, .read_percentage = 50,
                 .region_start = 0, .region_end = 400},
                {.capacity = 400, .sector_size = 4096});
    plan.place_writes_in_zones(kZone, true);
    EXPECT_TRUE(plan.has_zone_writes());
    Xoshiro256ss rng(5);
    std::uint64_t next_read = 0;
    for (int i = 0; i < 200; i++) {
        const PlannedIo io = plan.next(rng);
        EXPECT_FALSE(io.random);
        if (io.opcode == 0x01) {
            EXPECT_EQ(io.slba, 0u);  // for the ZoneWriter
            EXPECT_EQ(io.nlb, 30u);
            continue;
        }
        // Reads: the sequential position moves with reads only, cut at zones.
        EXPECT_EQ(io.slba, next_read) << i;
        EXPECT_EQ(io.slba / kZone, (io.slba + io.nlb - 1) / kZone) << i;
        next_read = (io.slba + io.nlb) % 400;
    }
    IoPlan random({.io_size = 50, .time = 1, .read_percentage = 100}, {.capacity = 400});
    random.place_writes_in_zones(kZone, true);
    EXPECT_FALSE(random.has_zone_writes());
    for (int i = 0; i < 500; i++) {
        const PlannedIo io = random.next(rng);
        EXPECT_TRUE(io.random);
        EXPECT_EQ(io.slba / kZone, (io.slba + io.nlb - 1) / kZone) << io.slba << "+" << io.nlb;
    }
}

}  // namespace
