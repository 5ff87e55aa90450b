// SPDX-License-Identifier: BSD-3-Clause
// The HTML report: inline CSS and SVG drawn here, so that the file opens in
// a browser with no network and no script.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "io_report.h"

namespace nvmetest::io {
namespace {

std::string html_escape(std::string_view s)
{
    std::string o;
    for (char c : s) {
        switch (c) {
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '&': o += "&amp;"; break;
        case '"': o += "&quot;"; break;
        default: o += c;
        }
    }
    return o;
}

std::string fmt(const char* f, double v)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

struct Tick {
    double at;
    std::string label;
};

struct Point {
    double x;
    double y;
    std::string label;  // the tooltip
};

// A line chart of points (x ascending) in a 640x260 SVG.
std::string svg_chart(const std::string& title, const std::vector<Point>& pts,
                      const std::vector<Tick>& xticks, const std::string& xlabel,
                      const std::string& ylabel)
{
    constexpr double kW = 640, kH = 260, kL = 70, kR = 20, kT = 30, kB = 45;
    std::ostringstream s;
    s << "<svg class=\"chart\" width=\"" << kW
      << "\" height=\"" << kH << "\" viewBox=\"0 0 " << kW << " " << kH << "\" role=\"img\">\n"
      << "<title>" << html_escape(title) << "</title>\n"
      << "<text x=\"" << kW / 2 << "\" y=\"18\" text-anchor=\"middle\" class=\"t\">"
      << html_escape(title) << "</text>\n";
    if (pts.empty()) {
        s << "<text x=\"" << kW / 2 << "\" y=\"" << kH / 2
          << "\" text-anchor=\"middle\">no data</text>\n</svg>\n";
        return s.str();
    }
    double xmin = pts.front().x, xmax = pts.back().x, ymax = 0;
    for (const auto& t : xticks) {
        xmin = std::min(xmin, t.at);
        xmax = std::max(xmax, t.at);
    }
    for (const auto& p : pts)
        ymax = std::max(ymax, p.y);
    if (xmax <= xmin)
        xmax = xmin + 1;
    ymax = ymax > 0 ? ymax * 1.1 : 1;
    auto X = [&](double x) { return kL + (x - xmin) / (xmax - xmin) * (kW - kL - kR); };
    auto Y = [&](double y) { return kH - kB - y / ymax * (kH - kT - kB); };
    s << "<rect x=\"" << kL << "\" y=\"" << kT << "\" width=\"" << kW - kL - kR << "\" height=\""
      << kH - kT - kB << "\" class=\"plot\"/>\n";
    for (int i = 0; i <= 4; i++) {
        const double y = ymax * i / 4;
        s << "<line x1=\"" << kL << "\" x2=\"" << kW - kR << "\" y1=\"" << Y(y) << "\" y2=\""
          << Y(y) << "\" class=\"grid\"/><text x=\"" << kL - 6 << "\" y=\"" << Y(y) + 4
          << "\" text-anchor=\"end\">" << fmt("%.0f", y) << "</text>\n";
    }
    for (const auto& t : xticks)
        s << "<text x=\"" << X(t.at) << "\" y=\"" << kH - kB + 16 << "\" text-anchor=\"middle\">"
          << html_escape(t.label) << "</text>\n";
    s << "<text x=\"" << kW / 2 << "\" y=\"" << kH - 8 << "\" text-anchor=\"middle\">"
      << html_escape(xlabel) << "</text>\n"
      << "<text transform=\"translate(14," << kH / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
      << html_escape(ylabel) << "</text>\n<polyline class=\"line\" points=\"";
    for (const auto& p : pts)
        s << fmt("%.1f", X(p.x)) << "," << fmt("%.1f", Y(p.y)) << " ";
    s << "\"/>\n";
    for (const auto& p : pts)
        s << "<circle cx=\"" << fmt("%.1f", X(p.x)) << "\" cy=\"" << fmt("%.1f", Y(p.y))
          << "\" r=\"2.5\"><title>" << html_escape(p.label) << "</title></circle>\n";
    s << "</svg>\n";
    return s.str();
}

std::string iops_chart(const JobReport& j)
{
    std::vector<Point> pts;
    std::vector<Tick> ticks;
    const std::size_t n = j.io_per_second.size();
    const std::size_t every = std::max<std::size_t>(1, (n + 9) / 10);
    for (std::size_t i = 0; i < n; i++) {
        pts.push_back({static_cast<double>(i + 1), static_cast<double>(j.io_per_second[i]),
                       "second " + std::to_string(i + 1) + ": " +
                           std::to_string(j.io_per_second[i]) + " commands"});
        if ((i + 1) % every == 0 || i == 0)
            ticks.push_back({static_cast<double>(i + 1), std::to_string(i + 1)});
    }
    return svg_chart(j.spec.name + ": IOPS per second (output_io_per_second)", pts, ticks,
                     "second of the run", "commands");
}

// Percentiles on a "nines" axis (90% -> 1, 99% -> 2, 99.9% -> 3), where tail
// latency gets the room it deserves.
double nines(double percent) { return -std::log10(std::max(1e-7, 1 - percent / 100)); }

std::string latency_chart(const JobReport& j)
{
    std::vector<Point> pts;
    double top = 1;
    for (const auto& [p, us] : j.percentile_latency) {
        pts.push_back({nines(p), us, fmt("%g%%: ", p) + fmt("%.0f us", us)});
        top = std::max(top, std::ceil(nines(p)));
    }
    std::vector<Tick> ticks{{0, "0%"}};
    std::string label = "9";
    for (int k = 1; k <= static_cast<int>(top); k++) {
        ticks.push_back({static_cast<double>(k), k == 1 ? "90%" : k == 2 ? "99%" : "99." + label + "%"});
        if (k >= 3)
            label += "9";
    }
    return svg_chart(j.spec.name + ": latency percentiles (output_percentile_latency)", pts, ticks,
                     "percentile", "latency (us)");
}

}  // namespace

void write_html(std::ostream& out, const RunReport& run)
{
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        << "<title>nvmetest-io report " << html_escape(run.pciaddr) << "</title>\n"
        << "<style>\n"
           "body{font-family:sans-serif;margin:2em;color:#222}\n"
           "table{border-collapse:collapse;margin:1em 0}\n"
           "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}\n"
           "th{background:#eee}td.n{text-align:left}\n"
           ".bad{color:#b00;font-weight:bold}.ok{color:#070}\n"
           "svg.chart{margin:0.5em 1em 0.5em 0;font-size:11px}\n"
           "svg .plot{fill:#fafafa;stroke:#999}svg .grid{stroke:#ddd}\n"
           "svg .line{fill:none;stroke:#1f5fa8;stroke-width:2}svg circle{fill:#1f5fa8}\n"
           "svg .t{font-size:13px;font-weight:bold}\n"
           "</style></head><body>\n"
        << "<h1>nvmetest-io report</h1>\n<p>Device " << html_escape(run.pciaddr) << ", seed "
        << run.seed << ", data verification " << (run.verify ? "on" : "off") << ".</p>\n"
        << "<table><tr><th>job</th><th>result</th><th>reads</th><th>writes</th><th>seconds</th>"
           "<th>IOPS</th><th>MB/s</th><th>avg lat us</th><th>max lat us</th><th>cpu</th></tr>\n";
    for (const auto& j : run.jobs) {
        const auto& r = j.result;
        out << "<tr><td class=\"n\">" << html_escape(j.spec.name) << "</td><td class=\""
            << (r.error ? "bad" : "ok") << "\">" << html_escape(error_name(r.error)) << "</td><td>"
            << r.io_count_read << "</td><td>" << r.io_count_write << "</td><td>"
            << fmt("%.3f", static_cast<double>(r.mseconds) / 1000) << "</td><td>"
            << fmt("%.0f", j.iops()) << "</td><td>" << fmt("%.2f", j.mbytes_per_second())
            << "</td><td>" << r.latency_average_us << "</td><td>" << r.latency_max_us << "</td><td>"
            << fmt("%.0f%%", r.cpu_usage * 100) << "</td></tr>\n";
    }
    out << "</table>\n";
    for (const auto& j : run.jobs) {
        out << "<h2>" << html_escape(j.spec.name) << "</h2>\n<div>\n"
            << iops_chart(j) << latency_chart(j) << "</div>\n<table><tr><th>percentile</th>";
        for (const auto& pl : j.percentile_latency)
            out << "<th>" << fmt("%g%%", pl.first) << "</th>";
        out << "</tr><tr><td class=\"n\">latency us</td>";
        for (const auto& pl : j.percentile_latency)
            out << "<td>" << fmt("%.0f", pl.second) << "</td>";
        out << "</tr></table>\n";
    }
    out << "</body></html>\n";
}

}  // namespace nvmetest::io
