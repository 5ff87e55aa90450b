// SPDX-License-Identifier: BSD-3-Clause
// The text output, and the escaping the other reporters share.
#include <cstdio>

#include "conf_report.h"

namespace nvmetest::conf {

std::string markup_escape(std::string_view s)
{
    std::string o;
    o.reserve(s.size());
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '&': o += "&amp;"; break;
        case '"': o += "&quot;"; break;
        case '\'': o += "&#39;"; break;
        default:
            // XML 1.0 has no other control characters than tab and newlines.
            if (u < 0x20 && c != '\n' && c != '\t' && c != '\r')
                o += '?';
            else
                o += c;
        }
    }
    return o;
}

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

std::string progress_line(std::size_t index, std::size_t total, std::string_view id,
                          const GroupSummary& so_far)
{
    char head[32];
    std::snprintf(head, sizeof head, "[%3zu/%zu] ", index + 1, total);
    std::string s = head + std::string(id);
    if (s.size() < 56)
        s.resize(56, ' ');
    char tail[96];
    std::snprintf(tail, sizeof tail, " %u passed, %u failed, %u n/a", so_far.passed + so_far.expected_failures,
                  so_far.failed + so_far.unexpected_passes, so_far.not_applicable);
    return s + tail;
}

std::string failure_line(const CaseResult& r)
{
    const char* tag = r.outcome == Outcome::kUnexpectedPass ? "XPASS" : "FAIL ";
    return std::string(tag) + " " + r.info.id + " (" + r.info.section + "): " + r.message;
}

std::string summary_text(const std::vector<CaseResult>& results)
{
    std::string s;
    char line[160];
    std::snprintf(line, sizeof line, "%-36s %6s %6s %6s %6s %6s\n", "group", "passed", "failed",
                  "n/a", "xfail", "skip");
    s += line;
    auto row = [&](const GroupSummary& g, const std::string& label) {
        // An unexpected pass is a failure of the run: counted as failed.
        std::snprintf(line, sizeof line, "%-36s %6u %6u %6u %6u %6u\n", label.c_str(), g.passed,
                      g.failed + g.unexpected_passes, g.not_applicable, g.expected_failures,
                      g.skipped);
        s += line;
    };
    for (const auto& g : summarize(results))
        row(g, g.name + " (" + g.key + ")");
    row(totals(results), "total");
    return s;
}

}  // namespace nvmetest::conf
