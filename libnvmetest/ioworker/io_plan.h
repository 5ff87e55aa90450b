// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: the workload of one IOWorker, checked and compiled from
// IOWorkerArgs into tables the worker thread draws from with one random
// number per choice: which size, which opcode, which LBA.  Knows nothing of
// queues or devices (unit-tested on the host).
#ifndef NVMETEST_LIB_IOWORKER_IO_PLAN_H
#define NVMETEST_LIB_IOWORKER_IO_PLAN_H

#include <cstdint>
#include <string>
#include <vector>

#include "nvmetest/ioworker.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/random.h"

namespace nvmetest::ioworker {

// What the plan needs to know of the namespace.
struct Geometry {
    std::uint64_t capacity = 0;     // NSZE, LBAs
    std::uint32_t sector_size = 512;
};

struct PlannedIo {
    std::uint64_t slba = 0;
    std::uint32_t nlb = 0;  // 0 for commands without an LBA range (flush)
    std::uint8_t opcode = 0;
    bool random = false;  // the LBA (or, for a zoned write, the zone) is drawn at random
};

// A choice among values with integer weights: cumulative weights, a linear
// scan (tables have a handful of entries).
template <class T>
class WeightedTable {
public:
    void add(T value, std::uint64_t weight)
    {
        if (weight == 0)
            return;
        total_ += weight;
        entries_.push_back({total_, value});
    }
    T pick(Xoshiro256ss& rng) const noexcept
    {
        if (entries_.size() == 1)
            return entries_[0].value;
        const std::uint64_t r = rng() % total_;
        for (const auto& e : entries_)
            if (r < e.cumulative)
                return e.value;
        return entries_.back().value;
    }
    std::uint64_t total() const noexcept { return total_; }
    const auto& entries() const noexcept { return entries_; }

private:
    struct Entry {
        std::uint64_t cumulative;
        T value;
    };
    std::vector<Entry> entries_;
    std::uint64_t total_ = 0;
};

class IoPlan {
public:
    // Throws UsageError, naming the parameter, for anything contradictory or
    // out of range.
    IoPlan(const IOWorkerArgs& args, const Geometry& geometry);

    // The next command of the generated workload.  Sizes are cut to the
    // region (a command never crosses a region's end).
    PlannedIo next(Xoshiro256ss& rng) noexcept;

    // Zoned namespace (zone_writer.h): writes (is_zone_write)
    // come out with slba 0, for the ZoneWriter to place, and leave the
    // sequential position to the other commands; with cut_at_zones (the
    // namespace does not read across zone boundaries), the other commands
    // are cut at the end of their zone as at a region's end.
    void place_writes_in_zones(std::uint64_t zone_size, bool cut_at_zones) noexcept
    {
        zone_size_ = zone_size;
        cut_at_zones_ = cut_at_zones;
    }
    // Whether the opcode mix has writes for a ZoneWriter to place.
    bool has_zone_writes() const noexcept
    {
        for (const auto& e : ops_.entries())
            if (is_zone_write(e.value))
                return true;
        return false;
    }

    // Sequential workload without io_count, lba_count or time: one pass over
    // the regions, then done.
    bool one_pass() const noexcept { return one_pass_; }
    bool pass_complete() const noexcept { return pass_complete_; }

    // Sequential commands start at multiples of lba_align: when a size (or
    // lba_step) is not one, they leave gaps; what to warn, else empty.
    const std::string& sequential_gap() const noexcept { return sequential_gap_; }

    std::uint32_t max_io_size() const noexcept { return max_size_; }
    // Whether some opcode of the mix moves data from the device to the host
    // (needs per-slot read buffers), and to the device (needs the pattern).
    bool reads_data() const noexcept { return reads_data_; }
    bool writes_data() const noexcept { return writes_data_; }
    bool uses_dsm() const noexcept { return uses_dsm_; }

    struct Region {
        std::uint64_t start, end;  // [start, end)
    };
    const std::vector<Region>& regions() const noexcept { return regions_; }

    // The opcode's data direction: 1 host to device, 2 device to host, 0 none.
    // Inline: asked on every submission and completion.
    static constexpr unsigned data_direction(std::uint8_t opcode) noexcept
    {
        if (opcode == nvme::io::kFlush)
            return 0;
        if (opcode == nvme::io::kDatasetManagement)
            return 1;
        return opcode & 3u;
    }
    // Whether the opcode carries slba/nlb.
    static constexpr bool has_lba_range(std::uint8_t opcode) noexcept
    {
        return opcode != nvme::io::kFlush;
    }
    // Whether a zoned namespace takes the opcode at a zone's write pointer
    // only: Write (01h) and Write Zeroes (08h).
    static bool is_zone_write(std::uint8_t opcode) noexcept { return opcode == 0x01 || opcode == 0x08; }

private:
    std::uint64_t random_slba(Xoshiro256ss& rng, std::uint32_t nlb) const noexcept;
    std::uint64_t sequential_slba(std::uint32_t& nlb) noexcept;
    std::uint64_t align_down(std::uint64_t lba) const noexcept { return lba - lba % align_; }
    // nlb cut so that [slba, slba + nlb) stays in slba's zone (cut_at_zones_).
    std::uint32_t within_zone(std::uint64_t slba, std::uint32_t nlb) const noexcept;

    WeightedTable<std::uint32_t> sizes_;
    WeightedTable<std::uint8_t> ops_;
    WeightedTable<std::uint32_t> region_pick_;     // region index, by length
    WeightedTable<std::uint32_t> distribution_;    // part index 0..99
    std::vector<Region> regions_;
    std::uint64_t align_ = 1;
    unsigned random_percent_ = 100;
    bool step_given_ = false;
    std::int64_t step_ = 0;
    std::uint32_t max_size_ = 0;
    bool reads_data_ = false, writes_data_ = false, uses_dsm_ = false;
    bool one_pass_ = false;
    bool pass_complete_ = false;
    std::uint64_t zone_size_ = 0;  // zoned namespace: writes are placed by a ZoneWriter
    bool cut_at_zones_ = false;
    std::string sequential_gap_;

    // Sequential position.
    std::size_t seq_region_ = 0;
    std::uint64_t seq_lba_ = 0;
};

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_IO_PLAN_H
