// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-io: runs the jobs of a ToolConfig on the device, group by group
// (a --stonewall job starts a group), with a progress line.
#ifndef NVMETEST_IO_RUN_H
#define NVMETEST_IO_RUN_H

#include <cstdio>

#include "io_cli.h"
#include "io_report.h"

namespace nvmetest::io {

// Where the live line goes (io_progress.h): nowhere (out null), rewritten in
// place each second (a terminal), or one plain line per second.
struct ProgressOutput {
    std::FILE* out = nullptr;
    bool in_place = true;
};

// Opens the device, validates every job (Namespace::ioworker throws
// UsageError before any I/O), then runs them, with the live line on
// progress.  Device failures throw nvmetest::Error.
RunReport run_jobs(const ToolConfig& cfg, ProgressOutput progress);

// Runs a whole command line (argv[0] is the program) and returns the exit status.
int main_entry(int argc, char** argv);

}  // namespace nvmetest::io

#endif  // NVMETEST_IO_RUN_H
