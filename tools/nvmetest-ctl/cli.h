// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-ctl: command table, argument parsing and exit codes.
#ifndef NVMETEST_CTL_CLI_H
#define NVMETEST_CTL_CLI_H

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nvmetest/errors.h"

namespace nvmetest::ctl {

// Exit status of the tool (documented in nvmetest-ctl(8)).
enum ExitCode : int {
    kExitOk = 0,           // success
    kExitFailure = 1,      // the system or the device refused an operation
    kExitUsage = 2,        // bad command line
    kExitCheckFailed = 3,  // a check failed: data mismatch, interrupt or command timeout,
                           // NVMe error status
    kExitRefused = 4,      // refused for safety: bind of a device whose block devices are in use
};

// A check the command made on the device failed (exit status 3).
class CheckFailed : public Error {
public:
    using Error::Error;
};

struct Invocation;
using Handler = int (*)(const Invocation&);

struct OptionSpec {
    std::string_view name;  // long name without "--"
    bool takes_value;
    std::string_view value_name;
    std::string_view help;
};

struct CommandSpec {
    std::string_view name;
    std::string_view args;     // synopsis of the positional arguments
    std::string_view summary;  // one line
    std::string_view details;  // paragraphs for --help
    std::vector<OptionSpec> options;
    unsigned min_args;
    unsigned max_args;
    Handler run;
};

struct Invocation {
    const CommandSpec* command = nullptr;
    std::vector<std::string> args;
    std::map<std::string, std::string, std::less<>> options;  // "" for flags
    bool help = false;

    bool has(std::string_view opt) const { return options.find(opt) != options.end(); }
    std::string value(std::string_view opt, std::string_view fallback = {}) const;
    std::uint64_t number(std::string_view opt, std::uint64_t fallback) const;
};

const std::vector<CommandSpec>& commands();
const CommandSpec* find_command(std::string_view name);

// Parses argv after the program name.  Throws UsageError with a sentence.
// "--help" anywhere sets help; "help <cmd>" is the same as "<cmd> --help".
// An empty command line or a lone "--help" gives command == nullptr, help == true.
Invocation parse(std::span<const std::string> argv);

// Numbers: decimal, 0x hex, 0b binary; sizes may end in K, M, G (powers of 1024).
std::uint64_t parse_number(std::string_view text, std::string_view what);
std::uint64_t parse_size(std::string_view text, std::string_view what);
// Access width: 1, 2, 4 (and 8 when allow8).
unsigned parse_width(std::string_view text, bool allow8);

std::string usage();  // the global help
std::string command_help(const CommandSpec& cmd);

// Runs a command line and returns the exit status; prints errors to stderr.
int run(int argc, char** argv);

}  // namespace nvmetest::ctl

#endif  // NVMETEST_CTL_CLI_H
