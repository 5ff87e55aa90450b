// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-conformance: the command line (no device needed: tests/unit tests it).
//
//   nvmetest-conformance --pciaddr 0000:01:00.0 --filter 'admin.*' --html report.html
#ifndef NVMETEST_CONF_CLI_H
#define NVMETEST_CONF_CLI_H

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nvmetest::conf {

// Exit status (documented in nvmetest-conformance(1)).
enum ExitCode : int {
    kExitOk = 0,          // no case failed (expected failures excepted)
    kExitFailed = 1,      // a case failed, or a listed case passed
    kExitUsage = 2,       // bad command line or expected-failure list
    kExitDevice = 3,      // the device could not be opened
};

struct Config {
    std::string pciaddr;          // --pciaddr, else $NVMETEST_PCIADDR, else $NVMETEST_DUT
    std::vector<std::string> filters;  // --filter, repeatable, comma-separated
    bool destructive = false;
    std::string junit_path, html_path, json_path;  // "-": standard output
    std::string expected_failures_path;
    bool list = false;            // print the cases and exit
    bool verbose = false;         // a line per case
    bool quiet = false;           // no progress line
    bool help = false;
};

// argv after the program name.  Throws UsageError naming the option.
Config parse(std::span<const std::string> argv, std::string_view env_pciaddr = {},
             std::string_view env_dut = {});
std::string usage();

}  // namespace nvmetest::conf

#endif  // NVMETEST_CONF_CLI_H
