// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: where an IOWorker's writes go on a zoned namespace (CSI 02h).
// A zone of type Sequential Write Required takes a write only at its write
// pointer, so the worker keeps its own write pointer per zone of its regions,
// learnt from Report Zones at start() and advanced as it submits.
//
// Rules (docs/porting-from-pynvme.md, "IOWorker on a zoned namespace"):
// - One write in flight per zone.  The NVMe specification lets a controller
//   execute the commands of one submission queue in any order, so two writes
//   at increasing LBAs of a zone could reach the write pointer swapped and the
//   second fail with Zone Invalid Write.  QEMU 7.2 happens to check and
//   advance the write pointer in submission order; real drives need not (and
//   Linux's mq-deadline zone write locking serializes per zone for that
//   reason).  Concurrency comes from writing several zones at once.
// - The zones written at once are "streams": one for sequential workloads
//   (zones in LBA order from the zone of lba_start), up to qdepth for random
//   ones (lba_random: a write picks one of the streams at random, a filled
//   stream is replaced by a random zone of the region).  A new stream must
//   fit the namespace's open and active resources (MOR/MAR) together with the
//   zones open or closed at start(): an empty zone takes one of each, a closed
//   one an open resource, an open one nothing.  A zone's resources come back
//   when the write that fills it completes (the controller counts it active
//   until then).
// - A write is cut to the room left before the zone capacity (or the end of
//   the region): it never crosses a zone boundary.  lba_align does not apply.
// - When no zone can take a write (every zone of the regions full, read only,
//   offline, or beyond the resources, with no filling write in flight), the
//   worker sends no more commands: place_write() says kExhausted.
//
// No allocation after construction: the zone table, the candidate pool and
// the streams are sized once.  Knows nothing of queues (unit-tested on the
// host).
#ifndef NVMETEST_LIB_IOWORKER_ZONE_WRITER_H
#define NVMETEST_LIB_IOWORKER_ZONE_WRITER_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ioworker/io_plan.h"
#include "nvmetest/random.h"

namespace nvmetest::ioworker {

// The namespace's zone resources (Identify Namespace, Zoned command set) and
// their use at start() (Report Zones).
struct ZoneResources {
    std::uint32_t max_open = 0;    // MOR + 1; 0: no limit
    std::uint32_t max_active = 0;  // MAR + 1; 0: no limit
    std::uint32_t open = 0;        // zones implicitly or explicitly open, namespace-wide
    std::uint32_t active = 0;      // zones open or closed, namespace-wide
};

// One zone descriptor of Report Zones, as the writer needs it.
struct ZoneReport {
    std::uint64_t zslba = 0;
    std::uint64_t zcap = 0;
    std::uint64_t wp = 0;
    std::uint8_t state = 0;  // nvme::zone_state
};

class ZoneWriter {
public:
    enum class Placed {
        kOk,         // io.slba set, io.nlb possibly cut
        kBusy,       // every zone that may take the write has one in flight: later
        kExhausted,  // no zone will take a write any more
    };

    // zones: the reports of the zones that overlap the regions, in LBA order,
    // consecutive.  streams: how many zones are written at once at most.
    // random: new streams are drawn at random (else in LBA order from the
    // zone of first_lba).
    ZoneWriter(std::uint64_t zone_size, const std::vector<ZoneReport>& zones,
               const std::vector<IoPlan::Region>& regions, const ZoneResources& resources,
               unsigned streams, bool random, std::uint64_t first_lba);

    // Picks the zone of a write (io.random: any stream, else the oldest one),
    // sets io.slba to its write pointer and cuts io.nlb to the room left.
    Placed place_write(PlannedIo& io, Xoshiro256ss& rng) noexcept;
    // The write at slba placed by place_write() completed (ok) or failed or
    // was not sent (!ok: the zone takes no more writes from this worker).
    void write_done(std::uint64_t slba, bool ok) noexcept;

    std::uint32_t open() const noexcept { return res_.open; }
    std::uint32_t active() const noexcept { return res_.active; }
    std::size_t streams() const noexcept { return streams_.size(); }
    std::size_t zones() const noexcept { return zones_.size(); }

private:
    struct Zone {
        std::uint64_t wp = 0;       // the worker's write pointer, advanced at submission
        std::uint64_t limit = 0;    // where its writes end: the capacity or the region's end
        std::uint64_t cap_end = 0;  // zslba + zcap: reaching it makes the zone full
        std::uint8_t cost_open = 0, cost_active = 0;  // resources its first write takes
        bool busy = false;   // a write in flight
        bool fills = false;  // that write makes it full
        bool done = false;   // takes no more writes
    };

    Zone& zone_of(std::uint64_t lba) noexcept { return zones_[lba / zone_size_ - first_zone_]; }
    bool fits(const Zone& z) const noexcept;
    void refill(Xoshiro256ss& rng) noexcept;
    void drop_stream(std::size_t i) noexcept;

    std::uint64_t zone_size_ = 0;
    std::uint64_t first_zone_ = 0;  // zone number of zones_[0]
    std::vector<Zone> zones_;
    std::vector<std::uint32_t> pool_;     // zones_ indexes not yet written, in pick order
    std::size_t pool_next_ = 0;           // pool_[pool_next_..] are still candidates
    std::vector<std::uint32_t> streams_;  // zones_ indexes being written, oldest first
    std::size_t max_streams_ = 1;
    bool random_ = false;
    ZoneResources res_;
    std::uint32_t fills_in_flight_ = 0;
};

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_ZONE_WRITER_H
