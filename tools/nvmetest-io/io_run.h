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

// Opens the device, validates every job (Namespace::ioworker throws
// UsageError before any I/O), then runs them.  progress: where the live line
// goes (null: none).  Device failures throw nvmetest::Error.
RunReport run_jobs(const ToolConfig& cfg, std::FILE* progress);

// Runs a whole command line (argv[0] is the program) and returns the exit status.
int main_entry(int argc, char** argv);

}  // namespace nvmetest::io

#endif  // NVMETEST_IO_RUN_H
