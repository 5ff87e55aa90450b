// SPDX-License-Identifier: BSD-3-Clause
// The JSON report: the run, the summary per group, and every result.
#include <cstdio>

#include "conf_report.h"

namespace nvmetest::conf {
namespace {

template <class Seq, class F>
std::string array(const Seq& seq, F element)
{
    std::string o = "[";
    for (const auto& e : seq) {
        if (o.size() > 1)
            o += ",";
        o += element(e);
    }
    return o + "]";
}

std::string summary_object(const GroupSummary& g)
{
    return "{\"group\":" + json_string(g.key) + ",\"name\":" + json_string(g.name) +
           ",\"passed\":" + std::to_string(g.passed) + ",\"failed\":" + std::to_string(g.failed) +
           ",\"not_applicable\":" + std::to_string(g.not_applicable) +
           ",\"skipped\":" + std::to_string(g.skipped) +
           ",\"expected_failures\":" + std::to_string(g.expected_failures) +
           ",\"unexpected_passes\":" + std::to_string(g.unexpected_passes) + "}";
}

}  // namespace

std::string report_json(const std::vector<CaseResult>& results, const RunInfo& run)
{
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", run.seconds);
    std::string j = "{\"tool\":\"nvmetest-conformance\",\"run\":{";
    j += "\"device\":" + json_string(run.device) + ",\"model\":" + json_string(run.model) +
         ",\"serial\":" + json_string(run.serial) + ",\"firmware\":" + json_string(run.firmware) +
         ",\"version\":" + json_string(run.version) + ",\"started\":" + json_string(run.started) +
         ",\"seconds\":" + secs + ",\"command_line\":" + json_string(run.command_line) +
         ",\"destructive\":" + (run.destructive ? "true" : "false") +
         ",\"expected_failures_file\":" + json_string(run.expected_failures_file) + "}";
    j += ",\"summary\":" + array(summarize(results), summary_object);
    j += ",\"total\":" + summary_object(totals(results));
    j += ",\"cases\":" + array(results, [](const CaseResult& r) {
        std::string o = "{\"id\":" + json_string(r.info.id) +
                        ",\"group\":" + json_string(group_key(r.info.id)) +
                        ",\"title\":" + json_string(r.info.title) +
                        ",\"section\":" + json_string(r.info.section) +
                        ",\"level\":" + json_string(to_string(r.info.level)) +
                        ",\"destructive\":" + (r.info.destructive ? "true" : "false") +
                        ",\"outcome\":" + json_string(to_string(r.outcome)) +
                        ",\"message\":" + json_string(r.message) +
                        ",\"expected_failure\":" + json_string(r.expected_failure) +
                        ",\"microseconds\":" + std::to_string(r.duration.count());
        o += ",\"checks\":" + array(r.checks, [](const Check& c) {
            return "{\"what\":" + json_string(c.what) + ",\"expected\":" + json_string(c.expected) +
                   ",\"actual\":" + json_string(c.actual) + ",\"ok\":" + (c.ok ? "true" : "false") + "}";
        });
        o += ",\"commands\":" + array(r.commands, [](const std::string& s) { return json_string(s); });
        o += ",\"warnings\":" + array(r.warnings, [](const std::string& s) { return json_string(s); });
        return o + "}";
    });
    return j + "}\n";
}

}  // namespace nvmetest::conf
