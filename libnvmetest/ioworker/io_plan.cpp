// SPDX-License-Identifier: BSD-3-Clause
#include "ioworker/io_plan.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "nvmetest/errors.h"

namespace nvmetest::ioworker {
namespace {

constexpr std::uint8_t kFlush = 0x00, kDsm = 0x09, kRead = 0x02, kWrite = 0x01;
constexpr std::uint32_t kMaxNlb = 65536;  // NLB is a 16-bit, 0-based field

[[noreturn]] void refuse(const std::string& what)
{
    throw UsageError("ioworker: " + what + "; nothing was started");
}

std::string hex(std::uint64_t v)
{
    char s[24];
    std::snprintf(s, sizeof(s), "0x%llx", static_cast<unsigned long long>(v));
    return s;
}

std::uint64_t align_up(std::uint64_t lba, std::uint64_t align)
{
    return (lba + align - 1) / align * align;
}

void check_percent(const char* name, int value)
{
    if (value < 0 || value > 100)
        refuse(std::string(name) + " = " + std::to_string(value) + " is not a percentage (0..100)");
}

}  // namespace
}  // namespace nvmetest::ioworker

namespace nvmetest {

IoSize::IoSize(std::initializer_list<std::uint32_t> sizes)
{
    for (std::uint32_t s : sizes)
        weights_[s] = 1;
}

IoSize IoSize::range(std::uint32_t begin, std::uint32_t end)
{
    std::map<std::uint32_t, std::uint32_t> w;
    for (std::uint32_t s = begin; s < end; s++)
        w[s] = 1;
    return IoSize(std::move(w));
}

}  // namespace nvmetest

namespace nvmetest::ioworker {

IoPlan::IoPlan(const IOWorkerArgs& a, const Geometry& g)
{
    // ---- sizes
    if (a.io_size.weights().empty())
        refuse("io_size is empty: give at least one size in LBAs");
    for (const auto& [size, weight] : a.io_size.weights()) {
        if (size == 0 || size > kMaxNlb)
            refuse("io_size " + std::to_string(size) + " is outside 1.." +
                   std::to_string(kMaxNlb) + " LBAs");
        sizes_.add(size, weight);
        if (weight)
            max_size_ = std::max(max_size_, size);
    }
    if (sizes_.total() == 0)
        refuse("every io_size weight is 0: give at least one a positive weight");
    if (a.lba_align == 0)
        refuse("lba_align = 0: the alignment is at least 1 LBA");
    align_ = a.lba_align;

    // ---- limits
    if (!(a.time >= 0) || !std::isfinite(a.time))
        refuse("time = " + std::to_string(a.time) + " is not a number of seconds >= 0");
    if (a.slow_latency == 0)
        refuse("slow_latency = 0 would warn about every command: give microseconds > 0");

    // ---- opcodes
    check_percent("read_percentage", a.read_percentage);
    if (a.op_percentage.empty()) {
        ops_.add(kRead, static_cast<std::uint64_t>(a.read_percentage) * 100);
        ops_.add(kWrite, static_cast<std::uint64_t>(100 - a.read_percentage) * 100);
    } else {
        std::uint64_t sum = 0;
        for (const auto& [op, percent] : a.op_percentage) {
            if (!(percent >= 0) || percent > 100)
                refuse("op_percentage of opcode " + hex(op) + " is " + std::to_string(percent) +
                       ", not a percentage (0..100)");
            const auto hundredths = static_cast<std::uint64_t>(std::llround(percent * 100));
            if (std::abs(percent * 100 - static_cast<double>(hundredths)) > 1e-6)
                refuse("op_percentage of opcode " + hex(op) + " is " + std::to_string(percent) +
                       ": percentages have at most two decimals");
            if (data_direction(op) == 3)
                refuse("opcode " + hex(op) +
                       " of op_percentage transfers data both ways (bits 1:0 = 11b): not "
                       "supported by ioworker");
            sum += hundredths;
            ops_.add(op, hundredths);
        }
        if (sum != 10000)
            refuse("op_percentage sums to " + std::to_string(sum / 100) + "." +
                   (sum % 100 < 10 ? "0" : "") + std::to_string(sum % 100) +
                   ", not 100.00");
    }

    if (a.sgl_percentage > 100)
        refuse("sgl_percentage = " + std::to_string(a.sgl_percentage) +
               " is not a percentage (0..100)");

    // ---- regions
    const auto& starts = a.region_start.lbas();
    const auto& ends = a.region_end.lbas();
    if (starts.empty())
        refuse("region_start is an empty list");
    if (!ends.empty() && ends.size() != starts.size())
        refuse("region_start has " + std::to_string(starts.size()) + " entries and region_end " +
               std::to_string(ends.size()) + ": give one end per start");
    if (ends.empty() && starts.size() > 1)
        refuse("region_start is a list: region_end must list the end of each region");
    for (std::size_t i = 0; i < starts.size(); i++) {
        const std::uint64_t start = starts[i];
        const std::uint64_t end = ends.empty() ? g.capacity : ends[i];
        if (end > g.capacity)
            refuse("region_end " + hex(end) + " is beyond the namespace's capacity of " +
                   hex(g.capacity) + " LBAs");
        if (start >= end)
            refuse("region " + std::to_string(i) + " [" + hex(start) + ", " + hex(end) +
                   ") is empty: region_start must be below region_end");
        if (align_up(start, align_) + max_size_ > end)
            refuse("region " + std::to_string(i) + " [" + hex(start) + ", " + hex(end) +
                   ") cannot hold a command of " + std::to_string(max_size_) +
                   " LBAs aligned to lba_align " + std::to_string(align_));
        regions_.push_back({start, end});
        region_pick_.add(static_cast<std::uint32_t>(i), end - start);
    }

    // ---- LBA choice
    check_percent("lba_random", a.lba_random.percent());
    random_percent_ = static_cast<unsigned>(a.lba_random.percent());
    if (a.lba_step) {
        if (random_percent_ != 0)
            refuse("lba_step is for sequential I/O only: set lba_random = false");
        step_given_ = true;
        step_ = *a.lba_step;
    }
    seq_lba_ = regions_[0].start;
    if (a.lba_start) {
        const Region& r = regions_[0];
        if (*a.lba_start < r.start || *a.lba_start >= r.end)
            refuse("lba_start " + hex(*a.lba_start) + " is outside the first region [" +
                   hex(r.start) + ", " + hex(r.end) + ")");
        seq_lba_ = *a.lba_start;
    }
    if (!a.distribution.empty()) {
        if (a.distribution.size() != 100)
            refuse("distribution has " + std::to_string(a.distribution.size()) +
                   " entries: it gives 100 parts of the LBA space");
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < 100; i++) {
            sum += a.distribution[i];
            distribution_.add(static_cast<std::uint32_t>(i), a.distribution[i]);
        }
        if (sum != 10000)
            refuse("distribution sums to " + std::to_string(sum) + ", not 10000");
        if (regions_.size() != 1)
            refuse("distribution applies to one region: give a single region_start/region_end");
        if (random_percent_ == 0)
            refuse("distribution places random I/O: it needs lba_random");
    }

    // ---- what the data buffers must hold
    for (const auto& e : ops_.entries()) {
        const unsigned dir = data_direction(e.value);
        reads_data_ |= dir == 2;
        writes_data_ |= dir == 1 && e.value != kDsm;
        uses_dsm_ |= e.value == kDsm;
    }
    for (const IoSequenceEntry& e : a.io_sequence) {
        if (has_lba_range(e.opcode) && (e.nlb == 0 || e.nlb > kMaxNlb))
            refuse("io_sequence command at LBA " + hex(e.slba) + " has nlb " +
                   std::to_string(e.nlb) + ", outside 1.." + std::to_string(kMaxNlb));
        if (e.slba + e.nlb > g.capacity)
            refuse("io_sequence command at LBA " + hex(e.slba) + " of " + std::to_string(e.nlb) +
                   " LBAs ends beyond the capacity " + hex(g.capacity));
        const unsigned dir = data_direction(e.opcode);
        if (dir == 3)
            refuse("io_sequence opcode " + hex(e.opcode) + " transfers data both ways");
        reads_data_ |= dir == 2;
        writes_data_ |= dir == 1 && e.opcode != kDsm;
        uses_dsm_ |= e.opcode == kDsm;
        max_size_ = std::max(max_size_, e.nlb);
    }
    for (std::size_t i = 1; i < a.io_sequence.size(); i++)
        if (a.io_sequence[i].time_sent_us < a.io_sequence[i - 1].time_sent_us)
            refuse("io_sequence times must not decrease (entry " + std::to_string(i) + ")");

    // ---- sequential commands and lba_align: each starts at a multiple of
    // lba_align, so a size or a forward step that is not one leaves LBAs out.
    if (random_percent_ < 100 && align_ > 1) {
        if (step_given_ && step_ > 0 && static_cast<std::uint64_t>(step_) % align_) {
            sequential_gap_ = "lba_step " + std::to_string(step_) + " is not a multiple of lba_align " +
                              std::to_string(align_) + ": each sequential command starts at the next "
                              "multiple of " + std::to_string(align_) + " after the step";
        } else if (!step_given_) {
            for (const auto& e : sizes_.entries())
                if (e.value % align_) {
                    sequential_gap_ =
                        "io_size " + std::to_string(e.value) + " is not a multiple of lba_align " +
                        std::to_string(align_) + ": each sequential command starts at the next "
                        "multiple of " + std::to_string(align_) + ", leaving the LBAs between "
                        "unaccessed";
                    break;
                }
        }
    }

    // ---- when it ends
    const bool limited = a.time > 0 || a.io_count || a.lba_count;
    one_pass_ = !limited && random_percent_ == 0 && a.io_sequence.empty();
    if (!limited && !one_pass_ && a.io_sequence.empty())
        refuse("neither io_count, lba_count nor time is given, and the I/O is not purely "
               "sequential (one pass): the worker would never end");
}

std::uint64_t IoPlan::random_slba(Xoshiro256ss& rng, std::uint32_t nlb) const noexcept
{
    const Region& r = regions_[region_pick_.pick(rng)];
    std::uint64_t lo = align_up(r.start, align_);
    std::uint64_t hi = r.end - nlb;  // the last start that fits
    if (distribution_.total()) {
        const std::uint64_t part = distribution_.pick(rng);
        const std::uint64_t len = r.end - r.start;
        const std::uint64_t ps = r.start + len * part / 100;
        const std::uint64_t pe = r.start + len * (part + 1) / 100;
        lo = align_up(ps, align_);
        hi = std::min(hi, pe > 0 ? pe - 1 : 0);
        if (hi < lo) {  // the part is smaller than the command: the last fit
            lo = align_down(r.end - nlb);
            hi = lo;
        }
    }
    const std::uint64_t slots = (hi - lo) / align_ + 1;
    return lo + rng() % slots * align_;
}

std::uint64_t IoPlan::sequential_slba(std::uint32_t& nlb) noexcept
{
    const Region& r = regions_[seq_region_];
    // seq_lba_ is aligned already, but for lba_start and a region's start:
    // an slba below the region's start goes to its first aligned LBA.
    std::uint64_t slba = align_down(seq_lba_);
    if (slba < r.start)
        slba = align_up(r.start, align_);
    if (slba + nlb > r.end)
        nlb = static_cast<std::uint32_t>(r.end - slba);
    nlb = within_zone(slba, nlb);
    const std::int64_t step = step_given_ ? step_ : static_cast<std::int64_t>(nlb);
    if (step >= 0) {
        // Forward, the next slba is the first aligned LBA at or after the
        // step: a command of a size (or a step) that is not a multiple of
        // lba_align leaves a gap (sequential_gap()) rather than repeating
        // the LBA it was aligned down to.
        seq_lba_ = align_up(slba + static_cast<std::uint64_t>(step), align_);
        if (seq_lba_ >= r.end) {
            if (++seq_region_ == regions_.size()) {
                seq_region_ = 0;
                pass_complete_ = true;
            }
            seq_lba_ = regions_[seq_region_].start;
        }
    } else {
        const std::uint64_t back = static_cast<std::uint64_t>(-step);
        if (slba >= r.start + back) {
            seq_lba_ = slba - back;
        } else {
            if (seq_region_ == 0) {
                seq_region_ = regions_.size();
                pass_complete_ = true;
            }
            const Region& prev = regions_[--seq_region_];
            seq_lba_ = std::max(prev.start, prev.end - max_size_);
        }
    }
    return slba;
}

std::uint32_t IoPlan::within_zone(std::uint64_t slba, std::uint32_t nlb) const noexcept
{
    if (!cut_at_zones_)
        return nlb;
    const std::uint64_t zone_end = (slba / zone_size_ + 1) * zone_size_;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(nlb, zone_end - slba));
}

PlannedIo IoPlan::next(Xoshiro256ss& rng) noexcept
{
    PlannedIo io;
    io.opcode = ops_.pick(rng);
    if (!has_lba_range(io.opcode))
        return io;
    io.nlb = sizes_.pick(rng);
    io.random = random_percent_ == 100 || (random_percent_ && rng() % 100 < random_percent_);
    if (zone_size_ && is_zone_write(io.opcode))
        return io;  // the ZoneWriter places it
    if (io.random) {
        io.slba = random_slba(rng, io.nlb);
        io.nlb = within_zone(io.slba, io.nlb);
    } else {
        io.slba = sequential_slba(io.nlb);
    }
    return io;
}

}  // namespace nvmetest::ioworker
