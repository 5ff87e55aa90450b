// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-io: what a run produced, and its three renderings (summary text,
// JSON, self-contained HTML).  No device needed: tests/unit renders made-up
// results.
#ifndef NVMETEST_IO_REPORT_H
#define NVMETEST_IO_REPORT_H

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "io_cli.h"
#include "nvmetest/ioworker.h"

namespace nvmetest::io {

struct JobReport {
    JobSpec spec;
    IOWorkerResult result{};
    std::vector<std::uint64_t> io_per_second;      // output_io_per_second
    std::map<double, double> percentile_latency;   // output_percentile_latency (us)
    std::vector<IOWorkerCmdlogRecord> cmdlog;      // output_cmdlog_list
    std::uint32_t sector_size = 512;               // of the job's namespace

    std::uint64_t io_count() const { return result.io_count_read + result.io_count_nonread; }
    double iops() const;     // commands per second over mseconds
    double mbytes_per_second() const;  // 10^6 bytes per second, reads and writes
};

struct RunReport {
    std::string pciaddr;
    std::uint64_t seed = 0;
    bool verify = false;
    std::vector<JobReport> jobs;
};

// "error 0x281 (NVMe status)", "error -3 (io timeout)", "ok".
std::string error_name(int error);

// One line per job, fio's terse spirit.
void write_summary(std::ostream& out, const RunReport& run);
// Every result field of every job; latency_distribution as [us, count]
// pairs of its non-zero buckets.
void write_json(std::ostream& out, const RunReport& run);
// One HTML file, no external resource: inline CSS and inline SVG charts.
void write_html(std::ostream& out, const RunReport& run);

}  // namespace nvmetest::io

#endif  // NVMETEST_IO_REPORT_H
