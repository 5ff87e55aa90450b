// SPDX-License-Identifier: BSD-3-Clause
// The HTML report: one page, inline CSS, no script and no network, so that it
// opens from a lab's CI artefacts as it is.  Cases are <details> elements:
// failed ones open, the others one click away.
#include <cstdio>

#include "conf_report.h"

namespace nvmetest::conf {
namespace {

constexpr const char* kStyle = R"(
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:75em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.n{text-align:right}
details{border:1px solid #ddd;border-radius:4px;margin:.3em 0;padding:.2em .6em}
summary{cursor:pointer}summary code{font-weight:bold}
.o{display:inline-block;min-width:9em;font-weight:bold}
.passed{color:#176f2c}.failed,.unexpected{color:#b00020}.na,.skipped{color:#777}.xfail{color:#a05a00}
pre{background:#f7f7f7;padding:.5em;overflow-x:auto;font-size:.85em}
.meta{color:#555}td.bad{background:#fde8e8}
)";

std::string css_class(Outcome o)
{
    switch (o) {
    case Outcome::kPassed: return "passed";
    case Outcome::kFailed: return "failed";
    case Outcome::kNotApplicable: return "na";
    case Outcome::kSkipped: return "skipped";
    case Outcome::kExpectedFailure: return "xfail";
    case Outcome::kUnexpectedPass: return "unexpected";
    }
    return "";
}

std::string summary_row(const GroupSummary& g, const std::string& label)
{
    return "<tr><td>" + label + "</td><td class=n>" + std::to_string(g.passed) + "</td><td class=n>" +
           std::to_string(g.failed + g.unexpected_passes) + "</td><td class=n>" +
           std::to_string(g.not_applicable) + "</td><td class=n>" + std::to_string(g.expected_failures) +
           "</td><td class=n>" + std::to_string(g.skipped) + "</td></tr>\n";
}

std::string case_html(const CaseResult& r)
{
    const bool open = is_failure(r.outcome);
    std::string h = std::string("<details") + (open ? " open" : "") + " id=\"" + markup_escape(r.info.id) +
                    "\"><summary><span class=\"o " + css_class(r.outcome) + "\">" +
                    markup_escape(to_string(r.outcome)) + "</span> <code>" + markup_escape(r.info.id) +
                    "</code> " + markup_escape(r.info.title) + " <span class=meta>(" +
                    markup_escape(r.info.section) + ", " + markup_escape(to_string(r.info.level)) +
                    (r.info.destructive ? ", destructive" : "") + ")</span></summary>\n";
    if (!r.message.empty())
        h += "<p>" + markup_escape(r.message) + "</p>\n";
    if (!r.expected_failure.empty())
        h += "<p class=xfail>On the expected-failure list: " + markup_escape(r.expected_failure) + "</p>\n";
    if (!r.checks.empty()) {
        h += "<table><tr><th>check</th><th>expected</th><th>actual</th></tr>\n";
        for (const auto& c : r.checks)
            h += "<tr><td>" + markup_escape(c.what) + "</td><td>" + markup_escape(c.expected) + "</td><td" +
                 (c.ok ? "" : " class=bad") + ">" + markup_escape(c.actual) + "</td></tr>\n";
        h += "</table>\n";
    }
    if (!r.commands.empty()) {
        h += "<p>Commands sent (command log):</p><pre>";
        for (const auto& c : r.commands)
            h += markup_escape(c) + "\n";
        h += "</pre>\n";
    }
    if (!r.warnings.empty()) {
        h += "<p>Library warnings:</p><pre>";
        for (const auto& w : r.warnings)
            h += markup_escape(w) + "\n";
        h += "</pre>\n";
    }
    char t[48];
    std::snprintf(t, sizeof t, "%.1f ms", static_cast<double>(r.duration.count()) / 1e3);
    return h + "<p class=meta>" + t + "</p></details>\n";
}

}  // namespace

std::string report_html(const std::vector<CaseResult>& results, const RunInfo& run)
{
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<title>nvmetest-conformance: " + markup_escape(run.model.empty() ? run.device : run.model) +
                     "</title><style>" + kStyle + "</style></head><body>\n";
    h += "<h1>NVMe conformance report</h1>\n<table>\n";
    auto row = [&](const char* k, const std::string& v) {
        if (!v.empty())
            h += std::string("<tr><th>") + k + "</th><td>" + markup_escape(v) + "</td></tr>\n";
    };
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f s", run.seconds);
    row("device", run.device);
    row("model", run.model);
    row("serial", run.serial);
    row("firmware", run.firmware);
    row("NVMe version (VS)", run.version);
    row("started (UTC)", run.started);
    row("duration", secs);
    row("command line", run.command_line);
    row("destructive cases", run.destructive ? "run" : "not run (no --destructive)");
    row("expected-failure list", run.expected_failures_file);
    h += "</table>\n<h2>Summary</h2>\n<table><tr><th>group</th><th>passed</th><th>failed</th>"
         "<th>not applicable</th><th>expected failures</th><th>skipped</th></tr>\n";
    const auto sums = summarize(results);
    for (const auto& g : sums)
        h += summary_row(g, "<a href=\"#group-" + markup_escape(g.key) + "\">" + markup_escape(g.name) + "</a>");
    h += summary_row(totals(results), "<b>total</b>") + "</table>\n";
    for (const auto& g : sums) {
        h += "<h2 id=\"group-" + markup_escape(g.key) + "\">" + markup_escape(g.name) + "</h2>\n";
        for (const auto& r : results)
            if (group_key(r.info.id) == g.key)
                h += case_html(r);
    }
    return h + "</body></html>\n";
}

}  // namespace nvmetest::conf
