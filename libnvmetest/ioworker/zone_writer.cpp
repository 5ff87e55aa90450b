// SPDX-License-Identifier: BSD-3-Clause
#include "ioworker/zone_writer.h"

#include <algorithm>
#include <utility>

#include "nvmetest/nvme/zns.h"

namespace nvmetest::ioworker {

namespace zs = nvme::zone_state;

ZoneWriter::ZoneWriter(std::uint64_t zone_size, const std::vector<ZoneReport>& zones,
                       const std::vector<IoPlan::Region>& regions, const ZoneResources& resources,
                       unsigned streams, bool random, std::uint64_t first_lba)
    : zone_size_(zone_size),
      first_zone_(zones.empty() ? 0 : zones.front().zslba / zone_size),
      zones_(zones.size()),
      max_streams_(std::max(1u, streams)),
      random_(random),
      res_(resources)
{
    std::size_t first_pick = zones.size();
    for (std::size_t i = 0; i < zones.size(); i++) {
        const ZoneReport& r = zones[i];
        Zone& z = zones_[i];
        z.wp = r.wp;
        z.cap_end = r.zslba + r.zcap;
        z.done = true;
        switch (r.state) {
        case zs::kEmpty:
            z.cost_open = z.cost_active = 1;
            break;
        case zs::kClosed:
            z.cost_open = 1;
            break;
        case zs::kImplicitlyOpened:
        case zs::kExplicitlyOpened:
            break;
        default:  // full, read only, offline: no write pointer to write at
            continue;
        }
        // The worker writes from the write pointer on, within the region
        // holding it: a zone whose write pointer lies outside every region
        // cannot be written without leaving them.
        for (const IoPlan::Region& reg : regions)
            if (r.wp >= reg.start && r.wp < reg.end) {
                z.limit = std::min(z.cap_end, reg.end);
                z.done = z.wp >= z.limit;
                break;
            }
        if (z.done)
            continue;
        if (first_pick == zones.size() && first_lba < r.zslba + zone_size)
            first_pick = pool_.size();
        pool_.push_back(static_cast<std::uint32_t>(i));
    }
    // Sequential: from the zone of first_lba (lba_start) on, then the zones
    // before it.
    if (first_pick < pool_.size())
        std::rotate(pool_.begin(), pool_.begin() + static_cast<std::ptrdiff_t>(first_pick),
                    pool_.end());
    streams_.reserve(max_streams_);
}

bool ZoneWriter::fits(const Zone& z) const noexcept
{
    return (!res_.max_open || res_.open + z.cost_open <= res_.max_open) &&
           (!res_.max_active || res_.active + z.cost_active <= res_.max_active);
}

void ZoneWriter::refill(Xoshiro256ss& rng) noexcept
{
    while (streams_.size() < max_streams_ && pool_next_ < pool_.size()) {
        std::size_t pick = pool_next_;
        if (random_)
            pick += rng() % (pool_.size() - pool_next_);
        if (!fits(zones_[pool_[pick]])) {
            // One that costs less (already open or closed) may still fit.
            pick = pool_.size();
            for (std::size_t i = pool_next_; i < pool_.size(); i++)
                if (fits(zones_[pool_[i]])) {
                    pick = i;
                    break;
                }
            if (pick == pool_.size())
                return;
        }
        // Keep the order of the rest for sequential workloads.
        const auto first = pool_.begin() + static_cast<std::ptrdiff_t>(pool_next_);
        std::rotate(first, pool_.begin() + static_cast<std::ptrdiff_t>(pick),
                    pool_.begin() + static_cast<std::ptrdiff_t>(pick) + 1);
        Zone& z = zones_[pool_[pool_next_]];
        res_.open += z.cost_open;
        res_.active += z.cost_active;
        z.cost_open = z.cost_active = 0;
        streams_.push_back(pool_[pool_next_++]);
    }
}

void ZoneWriter::drop_stream(std::size_t i) noexcept
{
    streams_.erase(streams_.begin() + static_cast<std::ptrdiff_t>(i));
}

ZoneWriter::Placed ZoneWriter::place_write(PlannedIo& io, Xoshiro256ss& rng) noexcept
{
    refill(rng);
    if (streams_.empty())
        return fills_in_flight_ ? Placed::kBusy : Placed::kExhausted;
    std::size_t i = 0;
    if (io.random) {
        const std::size_t n = streams_.size();
        const std::size_t start = rng() % n;
        for (i = 0; i < n && zones_[streams_[(start + i) % n]].busy; i++) {
        }
        if (i == n)
            return Placed::kBusy;
        i = (start + i) % n;
    } else if (zones_[streams_[0]].busy) {
        return Placed::kBusy;
    }
    Zone& z = zones_[streams_[i]];
    io.slba = z.wp;
    io.nlb = static_cast<std::uint32_t>(std::min<std::uint64_t>(io.nlb, z.limit - z.wp));
    z.wp += io.nlb;
    z.busy = true;
    if (z.wp == z.limit) {
        z.done = true;
        drop_stream(i);
        if (z.limit == z.cap_end) {
            z.fills = true;
            fills_in_flight_++;
        }
    }
    return Placed::kOk;
}

void ZoneWriter::write_done(std::uint64_t slba, bool ok) noexcept
{
    Zone& z = zone_of(slba);
    z.busy = false;
    if (z.fills) {
        z.fills = false;
        fills_in_flight_--;
        if (ok) {  // full now: neither open nor active
            res_.open--;
            res_.active--;
        }
    }
    if (!ok && !z.done) {
        // Where the controller's write pointer is now is unknown: leave the
        // zone (and the resources it may hold) alone.
        z.done = true;
        const std::uint32_t idx = static_cast<std::uint32_t>(&z - zones_.data());
        const auto it = std::find(streams_.begin(), streams_.end(), idx);
        if (it != streams_.end())
            drop_stream(static_cast<std::size_t>(it - streams_.begin()));
    }
}

}  // namespace nvmetest::ioworker
