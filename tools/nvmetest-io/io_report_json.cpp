// SPDX-License-Identifier: BSD-3-Clause
#include <cmath>
#include <cstdio>

#include "io_report.h"

namespace nvmetest::io {
namespace {

std::string json_string(std::string_view s)
{
    std::string o = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            o += '\\';
            o += c;
        } else if (u < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", u);
            o += esc;
        } else {
            o += c;
        }
    }
    return o + "\"";
}

std::string json_number(double v)
{
    if (!std::isfinite(v))
        return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

template <class Seq, class F>
std::string json_array(const Seq& seq, F element)
{
    std::string o = "[";
    bool first = true;
    for (const auto& e : seq) {
        if (!first)
            o += ",";
        first = false;
        o += element(e);
    }
    return o + "]";
}

std::string u(std::uint64_t v) { return std::to_string(v); }

void write_job(std::ostream& out, const JobReport& j)
{
    const auto& r = j.result;
    out << "    {\"name\": " << json_string(j.spec.name) << ", \"nsid\": " << j.spec.nsid
        << ", \"stonewall\": " << (j.spec.stonewall ? "true" : "false")
        << ", \"sector_size\": " << j.sector_size << ",\n"
        << "     \"iops\": " << json_number(j.iops())
        << ", \"mbytes_per_second\": " << json_number(j.mbytes_per_second()) << ",\n"
        << "     \"error_name\": " << json_string(error_name(r.error)) << ",\n"
        << "     \"result\": {\"io_count_read\": " << r.io_count_read
        << ", \"io_count_nonread\": " << r.io_count_nonread
        << ", \"io_count_write\": " << r.io_count_write
        << ", \"lba_count_read\": " << r.lba_count_read
        << ", \"lba_count_nonread\": " << r.lba_count_nonread
        << ", \"lba_count_write\": " << r.lba_count_write << ", \"mseconds\": " << r.mseconds
        << ", \"latency_max_us\": " << r.latency_max_us
        << ", \"latency_average_us\": " << r.latency_average_us << ", \"error\": " << r.error
        << ", \"error_cmd\": " << json_array(r.error_cmd, u)
        << ", \"error_cpl\": " << json_array(r.error_cpl, u)
        << ", \"cpu_usage\": " << json_number(r.cpu_usage)
        << ", \"test_start_sec\": " << r.test_start_sec
        << ", \"test_start_nsec\": " << r.test_start_nsec << ",\n"
        << "       \"latency_distribution\": ";
    std::vector<std::pair<std::size_t, std::uint64_t>> buckets;
    for (std::size_t us = 0; us < r.latency_distribution.size(); us++)
        if (r.latency_distribution[us])
            buckets.emplace_back(us, r.latency_distribution[us]);
    out << json_array(buckets, [](const auto& b) { return "[" + u(b.first) + "," + u(b.second) + "]"; })
        << "},\n"
        << "     \"output_io_per_second\": " << json_array(j.io_per_second, u) << ",\n"
        << "     \"output_percentile_latency\": "
        << json_array(j.percentile_latency,
                      [](const auto& p) { return "[" + json_number(p.first) + "," + json_number(p.second) + "]"; })
        << ",\n     \"output_cmdlog_list\": "
        << json_array(j.cmdlog, [](const IOWorkerCmdlogRecord& c) {
               return "[" + u(c.slba) + "," + u(c.nlb) + "," + u(c.opcode) + "," + u(c.time_sent_us) +
                      "," + u(c.time_cplt_us) + "," + u(c.status) + "]";
           })
        << "}";
}

}  // namespace

void write_json(std::ostream& out, const RunReport& run)
{
    out << "{\"tool\": \"nvmetest-io\", \"pciaddr\": " << json_string(run.pciaddr)
        << ", \"seed\": " << run.seed << ", \"verify\": " << (run.verify ? "true" : "false")
        << ",\n  \"jobs\": [\n";
    for (std::size_t i = 0; i < run.jobs.size(); i++) {
        write_job(out, run.jobs[i]);
        out << (i + 1 < run.jobs.size() ? ",\n" : "\n");
    }
    out << "  ]}\n";
}

}  // namespace nvmetest::io
