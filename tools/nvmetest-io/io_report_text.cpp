// SPDX-License-Identifier: BSD-3-Clause
#include <cstdio>

#include "io_report.h"

namespace nvmetest::io {

double JobReport::iops() const
{
    return result.mseconds ? io_count() * 1000.0 / static_cast<double>(result.mseconds) : 0;
}

double JobReport::mbytes_per_second() const
{
    if (!result.mseconds)
        return 0;
    const double bytes = static_cast<double>(result.lba_count_read + result.lba_count_nonread) *
                         sector_size;
    return bytes / 1000.0 / static_cast<double>(result.mseconds);
}

std::string error_name(int error)
{
    switch (error) {
    case kIOWorkerSuccess: return "ok";
    case kIOWorkerInitFail: return "error -1 (init failed)";
    case kIOWorkerIoSizeOverMdts: return "error -2 (io_size over MDTS)";
    case kIOWorkerIoTimeout: return "error -3 (command timed out)";
    case kIOWorkerTimeout: return "error -4 (worker timed out)";
    case kIOWorkerBufferAllocFail: return "error -5 (buffer allocation failed)";
    case kIOWorkerIoCmdError: return "error -6 (command not submitted)";
    case kIOWorkerTerminated: return "error -7 (terminated by a reset)";
    case kIOWorkerSlowIo: return "error -8 (slow command)";
    case kIOWorkerCreateQpairFail: return "error -9 (qpair creation failed)";
    case kIOWorkerIllegalSectorSize: return "error -10 (illegal sector size)";
    default: break;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "error 0x%x (NVMe status SCT %u SC 0x%02x)",
                  static_cast<unsigned>(error), (static_cast<unsigned>(error) >> 8) & 7,
                  static_cast<unsigned>(error) & 0xff);
    return buf;
}

void write_summary(std::ostream& out, const RunReport& run)
{
    for (const auto& j : run.jobs) {
        const auto& r = j.result;
        auto pct = [&](double p) {
            auto it = j.percentile_latency.find(p);
            return it == j.percentile_latency.end() ? std::string("-")
                                                    : std::to_string(static_cast<long long>(it->second));
        };
        char line[512];
        std::snprintf(line, sizeof line,
                      "%-10s %s: %llu reads %llu writes %llu other in %.3f s, %.0f IOPS, %.2f MB/s, "
                      "lat avg %llu max %llu p50 %s p99 %s us, cpu %.0f%%\n",
                      j.spec.name.c_str(), error_name(r.error).c_str(),
                      static_cast<unsigned long long>(r.io_count_read),
                      static_cast<unsigned long long>(r.io_count_write),
                      static_cast<unsigned long long>(r.io_count_nonread - r.io_count_write),
                      static_cast<double>(r.mseconds) / 1000.0, j.iops(), j.mbytes_per_second(),
                      static_cast<unsigned long long>(r.latency_average_us),
                      static_cast<unsigned long long>(r.latency_max_us), pct(50).c_str(),
                      pct(99).c_str(), r.cpu_usage * 100);
        out << line;
    }
}

}  // namespace nvmetest::io
