// SPDX-License-Identifier: BSD-3-Clause
// JUnit XML as CI servers read it (Jenkins, GitLab): a testsuite per group,
// a testcase per case.  An expected failure is a passing testcase whose
// system-out says so; an unexpected pass is a failure.
#include <cstdio>

#include "conf_report.h"

namespace nvmetest::conf {
namespace {

std::string seconds(std::chrono::microseconds d)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", static_cast<double>(d.count()) / 1e6);
    return b;
}

std::string details(const CaseResult& r)
{
    std::string s = "section: " + r.info.section + "\nlevel: " + std::string(to_string(r.info.level)) + "\n";
    if (!r.expected_failure.empty())
        s += "expected failure: " + r.expected_failure + "\n";
    for (const auto& c : r.checks)
        s += (c.ok ? "ok   " : "FAIL ") + c.what + ": expected " + c.expected + ", got " + c.actual + "\n";
    for (const auto& cmd : r.commands)
        s += cmd + "\n";
    for (const auto& w : r.warnings)
        s += "warning: " + w + "\n";
    return s;
}

}  // namespace

std::string report_junit(const std::vector<CaseResult>& results, const RunInfo& run)
{
    const auto all = totals(results);
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    char head[256];
    std::snprintf(head, sizeof head,
                  "<testsuites name=\"nvmetest-conformance\" tests=\"%u\" failures=\"%u\" "
                  "skipped=\"%u\" time=\"%.3f\">\n",
                  all.total(), all.failed + all.unexpected_passes, all.not_applicable + all.skipped,
                  run.seconds);
    x += head;
    for (const auto& g : summarize(results)) {
        std::chrono::microseconds t{0};
        for (const auto& r : results)
            if (group_key(r.info.id) == g.key)
                t += r.duration;
        x += "  <testsuite name=\"" + markup_escape(g.name) + "\" tests=\"" + std::to_string(g.total()) +
             "\" failures=\"" + std::to_string(g.failed + g.unexpected_passes) + "\" skipped=\"" +
             std::to_string(g.not_applicable + g.skipped) + "\" time=\"" + seconds(t) + "\"";
        if (!run.device.empty())
            x += " hostname=\"" + markup_escape(run.device) + "\"";
        x += ">\n";
        for (const auto& r : results) {
            if (group_key(r.info.id) != g.key)
                continue;
            x += "    <testcase classname=\"nvmetest-conformance." + markup_escape(g.key) + "\" name=\"" +
                 markup_escape(r.info.id) + "\" time=\"" + seconds(r.duration) + "\">\n";
            switch (r.outcome) {
            case Outcome::kFailed:
            case Outcome::kUnexpectedPass:
                x += "      <failure message=\"" + markup_escape(r.message) + "\" type=\"" +
                     std::string(to_string(r.outcome)) + "\"/>\n";
                break;
            case Outcome::kNotApplicable:
            case Outcome::kSkipped:
                x += "      <skipped message=\"" + markup_escape(std::string(to_string(r.outcome)) + ": " +
                                                            r.message) + "\"/>\n";
                break;
            default:
                break;
            }
            x += "      <system-out>" + markup_escape(details(r)) + "</system-out>\n";
            x += "    </testcase>\n";
        }
        x += "  </testsuite>\n";
    }
    return x + "</testsuites>\n";
}

}  // namespace nvmetest::conf
