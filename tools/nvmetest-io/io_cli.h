// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-io: the command line, parsed into jobs (no device needed, so
// tests/unit tests it on the host).
//
//   nvmetest-io --pciaddr 0000:01:00.0 --qdepth 32 --time 5
//       --job write --read_percentage 0 --job read --stonewall --read_percentage 100
//
// Options before the first --job are defaults of every job; each --job NAME
// starts a job that inherits them.  Without --job there is one job, "job".
// Every IOWorkerArgs parameter is an option of the same name (PyNVMe3's IO
// models, section 1.1);
// '-' and '_' are the same in option names, "--opt=value" and "--opt value"
// are the same.
#ifndef NVMETEST_IO_CLI_H
#define NVMETEST_IO_CLI_H

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nvmetest/ioworker.h"

namespace nvmetest::io {

// Exit status (documented in nvmetest-io(1)).
enum ExitCode : int {
    kExitOk = 0,           // every job ended without error
    kExitFailure = 1,      // the device could not be opened or set up
    kExitUsage = 2,        // bad command line
    kExitJobFailed = 3,    // a job ended with an error (its code is in the summary)
};

// One IOWorker of the run.  args carries no output pointers: the runner
// points them at the job's result.
struct JobSpec {
    std::string name = "job";
    IOWorkerArgs args{};
    std::uint32_t nsid = 1;
    bool stonewall = false;  // starts after every earlier job has ended
    // output_percentile_latency's keys (percent).
    std::vector<double> percentiles{1, 5, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99};
    std::size_t cmdlog_size = 0;  // output_cmdlog_list: that many records (0: none)
};

enum class OutputFormat { kNormal, kJson };

// --progress: the live line.  auto: on a terminal only, rewritten in place;
// always: on a terminal so, elsewhere one plain line per second; never.
enum class ProgressMode { kAuto, kAlways, kNever };

struct ToolConfig {
    std::string pciaddr;        // --pciaddr, else $NVMETEST_PCIADDR, else $NVMETEST_DUT
    bool verify = true;         // --verify on|off: Namespace::verify_enable
    std::string json_path;      // --json FILE
    std::string html_path;      // --html FILE
    OutputFormat format = OutputFormat::kNormal;
    bool quiet = false;         // no progress line even on a terminal
    ProgressMode progress = ProgressMode::kAuto;  // --progress (--quiet: kNever)
    std::uint64_t seed = 0;     // --seed (0: chosen by nvmetest::seed())
    bool seed_given = false;
    // --cmdlog-order submission: output_cmdlog_list sorted by sent_index.
    bool cmdlog_in_submission_order = false;
    bool help = false;
    std::vector<JobSpec> jobs;
};

// Parses argv after the program name; environ supplies the address when
// --pciaddr is absent (pass the values of NVMETEST_PCIADDR and NVMETEST_DUT,
// empty when unset).  Throws UsageError with a sentence naming the option.
ToolConfig parse(std::span<const std::string> argv, std::string_view env_pciaddr = {},
                 std::string_view env_dut = {});

// The value parsers, one per IOWorkerArgs type.
IoSize parse_io_size(std::string_view text);             // 8 | 8,16,256 | 8:50,16:50 | range(1,8)
LbaRandom parse_lba_random(std::string_view text);       // true | false | 0..100
LbaList parse_lba_list(std::string_view text, std::string_view what);  // 0 | 0,1000
std::uint8_t parse_opcode(std::string_view text, std::string_view what);  // 2 | 0x02 | read
std::map<std::uint8_t, double> parse_op_percentage(std::string_view text);  // 2:50,1:50 | read:50,write:50
std::vector<IoSequenceEntry> parse_io_sequence(std::string_view text);  // slba:nlb:op:us,...
bool parse_bool(std::string_view text, std::string_view what);
double parse_double(std::string_view text, std::string_view what);
std::int64_t parse_signed(std::string_view text, std::string_view what);

std::string usage();

}  // namespace nvmetest::io

#endif  // NVMETEST_IO_CLI_H
