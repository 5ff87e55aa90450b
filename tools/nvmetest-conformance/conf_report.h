// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-conformance: the reports, each a string built from the results
// (no device, no files: the program writes them, the unit tests read them).
//  - text: the live progress line, a line per failed case, the summary table
//  - JUnit XML (one testsuite per group; expected failures pass with a note,
//    not applicable and skipped cases are <skipped>)
//  - JSON (every field of every result)
//  - HTML: one self-contained page (inline CSS, no script) per run: per group,
//    per case the section, level, outcome, checks with expected and actual
//    values, and the commands sent.
#ifndef NVMETEST_CONF_REPORT_H
#define NVMETEST_CONF_REPORT_H

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "conf_case.h"
#include "conf_runner.h"

namespace nvmetest::conf {

// What the run was: shown at the top of the reports.
struct RunInfo {
    std::string device;          // PCI address
    std::string model, serial, firmware;  // Identify Controller MN, SN, FR
    std::string version;         // VS, "1.4.0"
    std::string started;         // UTC, ISO 8601
    double seconds = 0;          // wall time of the run
    std::string command_line;
    bool destructive = false;
    std::string expected_failures_file;  // empty: none
};

// "[ 12/150] admin.identify.cns-reserved   11 passed, 0 failed, 1 n/a"
std::string progress_line(std::size_t index, std::size_t total, std::string_view id,
                          const GroupSummary& so_far);
// "FAIL  admin.x  (NVMe Base 2.0 5.17): why" (for failures and unexpected passes).
std::string failure_line(const CaseResult& r);
// The per-group table and the total line.
std::string summary_text(const std::vector<CaseResult>& results);

std::string report_junit(const std::vector<CaseResult>& results, const RunInfo& run);
std::string report_json(const std::vector<CaseResult>& results, const RunInfo& run);
std::string report_html(const std::vector<CaseResult>& results, const RunInfo& run);

// Escaping shared by the reporters.
std::string markup_escape(std::string_view s);   // XML and HTML text and attributes
std::string json_string(std::string_view s);     // quoted

}  // namespace nvmetest::conf

#endif  // NVMETEST_CONF_REPORT_H
