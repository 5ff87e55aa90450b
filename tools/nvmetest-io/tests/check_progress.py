#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks nvmetest-io's plain progress lines (--progress always, not a terminal)
against the JSON report of the same one-job run.

    check_progress.py PROGRESS.txt REPORT.json TIME

PROGRESS.txt holds the lines (other lines, e.g. log messages, are skipped);
TIME is the job's --time.  Prints one line per failed check, exits 1 when any
failed.
"""
import json
import re
import sys

LINE = re.compile(r"^\[([^\]]*)\] (\d+)/(\d+) jobs running, elapsed (\d+)s, remaining (\d+s|\?), "
                  r"(\d+) IOPS, (\d+\.\d\d) MB/s, lat avg (\d+|-) us$")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def main():
    progress_path, json_path, time_limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(progress_path, "rb") as f:
        raw = f.read().decode("utf-8", "replace")
    with open(json_path) as f:
        job = json.load(f)["jobs"][0]
    r = job["result"]
    check("\r" not in raw and "\033" not in raw, "control characters in plain progress output")
    lines = [LINE.match(l) for l in raw.splitlines()]
    lines = [m for m in lines if m]
    # A line a second while the job runs: at 1 s, 2 s, ... (the last maybe not).
    check(time_limit - 2 <= len(lines) <= time_limit, f"{len(lines)} progress lines for --time {time_limit}")
    total = r["io_count_read"] + r["io_count_nonread"]
    sector = job["sector_size"]
    lbas_per_io = (r["lba_count_read"] + r["lba_count_nonread"]) / total if total else 0
    for i, m in enumerate(lines):
        name, running, jobs, elapsed, remaining, iops, mbs, lat = m.groups()
        iops, mbs, elapsed = int(iops), float(mbs), int(elapsed)
        # The job may end between the tool's look and its line: only the last.
        ended = running == "0" and i == len(lines) - 1
        check(name == job["name"] and jobs == "1" and (running == "1" or ended),
              f"line {i}: jobs {m.group(0)}")
        check(abs(elapsed - (i + 1)) <= 1 and (i == 0 or elapsed > int(lines[i - 1].group(4))),
              f"line {i}: elapsed {elapsed}s")
        check(remaining == ("?" if ended else f"{max(0, time_limit - elapsed):.0f}s"),
              f"line {i}: remaining {remaining}")
        # Per-second figures near the run's own averages (TCG wobbles).
        check(0.3 * job["iops"] <= iops <= 2.0 * job["iops"],
              f"line {i}: {iops} IOPS, the run averaged {job['iops']:.0f}")
        check(abs(mbs - iops * lbas_per_io * sector / 1e6) <= 0.02 * mbs + 0.01,
              f"line {i}: {mbs} MB/s for {iops} IOPS of {lbas_per_io * sector:.0f} bytes")
        check(lat != "-" and 0.3 * r["latency_average_us"] <= int(lat) <= 3 * r["latency_average_us"] + 5,
              f"line {i}: lat avg {lat} us, the run averaged {r['latency_average_us']}")
    # The seconds shown cannot hold more commands than the run completed.
    check(sum(int(m.group(6)) for m in lines) <= total * 1.05, "more commands in the lines than in the run")

    for f in failures:
        print("FAIL:", f)
    print(f"progress checks: {len(lines)} lines, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
