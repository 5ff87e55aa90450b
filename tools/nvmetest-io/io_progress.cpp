// SPDX-License-Identifier: BSD-3-Clause
#include "io_progress.h"

#include <algorithm>
#include <cstdio>

namespace nvmetest::io {

ProgressFigures ProgressMeter::sample(const std::vector<JobSample>& jobs, double elapsed)
{
    ProgressFigures f;
    f.jobs = static_cast<unsigned>(jobs.size());
    f.elapsed = elapsed;
    std::uint64_t ios = 0, latency_us = 0;
    double bytes = 0, limit = 0;
    bool unlimited = false;
    for (const JobSample& j : jobs) {
        const IOWorkerProgress& p = j.progress;
        ios += p.io_count();
        latency_us += p.latency_sum_us;
        bytes += static_cast<double>(p.lba_count_read + p.lba_count_nonread) * j.sector_size;
        if (!j.running)
            continue;
        f.running++;
        f.running_names += (f.running_names.empty() ? "" : ",") + j.name;
        unlimited |= j.time_limit == 0;
        limit = std::max(limit, j.time_limit);
    }
    if (!unlimited && f.running)
        f.remaining = std::max(0.0, limit - elapsed);
    const double dt = elapsed - last_elapsed_;
    const std::uint64_t dios = ios - last_ios_;
    if (dt > 0) {
        f.iops = static_cast<double>(dios) / dt;
        f.mbytes_per_second = (bytes - last_bytes_) / 1e6 / dt;
    }
    if (dios)
        f.latency_average_us = static_cast<double>(latency_us - last_latency_us_) / static_cast<double>(dios);
    last_elapsed_ = elapsed;
    last_ios_ = ios;
    last_bytes_ = bytes;
    last_latency_us_ = latency_us;
    return f;
}

std::string format_progress(const ProgressFigures& f)
{
    char remaining[32] = "?", latency[32] = "-";
    if (f.remaining >= 0)
        std::snprintf(remaining, sizeof remaining, "%.0fs", f.remaining);
    if (f.latency_average_us >= 0)
        std::snprintf(latency, sizeof latency, "%.0f", f.latency_average_us);
    char line[160];
    std::snprintf(line, sizeof line,
                  "%u/%u jobs running, elapsed %.0fs, remaining %s, %.0f IOPS, %.2f MB/s, lat avg %s us",
                  f.running, f.jobs, f.elapsed, remaining, f.iops, f.mbytes_per_second, latency);
    return "[" + f.running_names + "] " + line;
}

}  // namespace nvmetest::io
