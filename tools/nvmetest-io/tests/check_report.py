#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks the JSON and HTML reports of nvmetest-io's write-then-read run.

    check_report.py REPORT.json REPORT.html JOB:KIND [JOB:KIND ...]

KIND is write (only writes expected) or read (only reads).  Prints one line per
failed check and exits 1 when any failed.
"""
import json
import re
import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def main():
    json_path, html_path, *expected = sys.argv[1:]
    with open(json_path) as f:
        report = json.load(f)
    with open(html_path) as f:
        html = f.read()

    check(report["tool"] == "nvmetest-io", "tool name")
    check(report["verify"] is True, "verification on")
    jobs = {j["name"]: j for j in report["jobs"]}
    check(list(jobs) == [e.split(":")[0] for e in expected], f"jobs {list(jobs)}")
    for e in expected:
        name, kind = e.split(":")
        j = jobs.get(name)
        if j is None:
            continue
        r = j["result"]
        total = r["io_count_read"] + r["io_count_nonread"]
        check(r["error"] == 0 and j["error_name"] == "ok", f"{name}: error {r['error']}")
        if kind == "write":
            check(r["io_count_write"] > 0 and r["io_count_read"] == 0, f"{name}: only writes {r}")
            check(r["lba_count_write"] == 8 * r["io_count_write"], f"{name}: 8 LBAs a write")
        else:
            check(r["io_count_read"] > 0 and r["io_count_nonread"] == 0, f"{name}: only reads")
            check(r["lba_count_read"] == 8 * r["io_count_read"], f"{name}: 8 LBAs a read")
        check(1500 <= r["mseconds"] <= 10000, f"{name}: mseconds {r['mseconds']} for --time 2")
        check(0 < r["latency_average_us"] <= r["latency_max_us"], f"{name}: latency avg/max")
        check(len(r["error_cmd"]) == 16 and len(r["error_cpl"]) == 4, f"{name}: error cmd/cpl")
        check(0 < r["cpu_usage"] <= 1.05, f"{name}: cpu_usage {r['cpu_usage']}")
        check(r["test_start_sec"] > 1.6e9, f"{name}: test_start_sec")
        dist = r["latency_distribution"]
        check(sum(c for _, c in dist) == total, f"{name}: latency_distribution counts {total}")
        per_sec = j["output_io_per_second"]
        check(len(per_sec) >= 1 and 0 < sum(per_sec) <= total, f"{name}: io_per_second {per_sec}")
        pct = j["output_percentile_latency"]
        check([p for p, _ in pct] == [1, 5, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99],
              f"{name}: percentile keys")
        lat = [v for _, v in pct]
        check(all(v > 0 for v in lat) and lat == sorted(lat), f"{name}: percentiles {lat}")
        check(lat[-1] <= r["latency_max_us"] * 1.02 + 1, f"{name}: p99.99 above max")
        check(abs(j["iops"] * r["mseconds"] / 1000 - total) <= 1, f"{name}: iops")
        # Each job's section of the HTML: its name, an IOPS and a latency chart
        # with as many points as the JSON has values.
        sec = html.split(f"<h2>{name}</h2>", 1)
        check(len(sec) == 2, f"{name}: HTML section")
        if len(sec) == 2:
            body = sec[1].split("<h2>", 1)[0]
            lines = re.findall(r'<polyline class="line" points="([^"]*)"', body)
            check(len(lines) == 2, f"{name}: two charts in HTML")
            if len(lines) == 2:
                check(len(lines[0].split()) == len(per_sec), f"{name}: IOPS points")
                check(len(lines[1].split()) == len(pct), f"{name}: latency points")
    # --stonewall: each job starts after the one before it ended.
    starts = [(j["result"]["test_start_sec"] + j["result"]["test_start_nsec"] / 1e9,
               j["result"]["mseconds"] / 1e3, j["stonewall"]) for j in report["jobs"]]
    for (t0, d0, _), (t1, _, wall) in zip(starts, starts[1:]):
        check(wall and t1 >= t0 + d0 - 0.01, f"stonewall: started at {t1 - t0:.3f} s, "
                                              f"the earlier job ran {d0:.3f} s")
    check(html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>"), "HTML document")
    # Self-contained: nothing fetched from anywhere.
    check(not re.search(r"(src|href)\s*=|@import|url\(|https?:", html), "HTML refers to outside")

    for f in failures:
        print("FAIL:", f)
    print(f"report checks: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
