// SPDX-License-Identifier: BSD-3-Clause
// nvmetest-io's command line (tools/nvmetest-io/io_cli.h) and its reports.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "io_cli.h"
#include "io_report.h"
#include "io_run.h"
#include "nvmetest/errors.h"

using namespace nvmetest::io;
using nvmetest::UsageError;

namespace {

ToolConfig P(std::vector<std::string> v) { return parse(v, {}, "0000:01:00.0"); }

std::string usage_error(std::vector<std::string> v)
{
    try {
        P(std::move(v));
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(accepted)";
}

int run_line(std::vector<std::string> v)
{
    v.insert(v.begin(), "nvmetest-io");
    std::vector<char*> argv;
    for (auto& s : v)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    return main_entry(static_cast<int>(v.size()), argv.data());
}

}  // namespace

TEST(IoArgs, OneDefaultJobWithIoWorkerDefaults)
{
    const auto c = P({"--time", "2"});
    ASSERT_EQ(c.jobs.size(), 1u);
    const auto& a = c.jobs[0].args;
    EXPECT_EQ(c.jobs[0].name, "job");
    EXPECT_EQ(c.pciaddr, "0000:01:00.0");  // from $NVMETEST_DUT
    EXPECT_TRUE(c.verify);
    EXPECT_DOUBLE_EQ(a.time, 2);
    EXPECT_EQ(a.qdepth, 63u);
    EXPECT_EQ(a.read_percentage, 100);
    EXPECT_EQ(a.lba_random.percent(), 100);
    EXPECT_EQ(a.io_size.weights(), (std::map<std::uint32_t, std::uint32_t>{{8, 1}}));
    EXPECT_EQ(c.jobs[0].nsid, 1u);
}

TEST(IoArgs, EveryIoWorkerParameter)
{
    const auto c = P({"--io_size", "8:50,16:25,256:25", "--lba_align=8", "--time", "1.5",
                      "--io_count", "0x100", "--lba_count", "4096", "--lba_random", "0",
                      "--lba_start", "10", "--lba_step", "-8", "--start_time", "1700000000.5",
                      "--read_percentage", "70", "--op_percentage", "2:60.5,1:39.5",
                      "--qdepth", "32", "--qprio", "2", "--region_start", "0,1000",
                      "--region_end", "500,2000", "--iops", "1000", "--io_flags", "0x4000",
                      "--pvalue", "0x55", "--ptype", "0xbeef", "--io_sequence", "0:8:2:0,8:8:1:100",
                      "--slow_latency", "5000", "--exit_on_error", "false", "--cpu_id", "1",
                      "--sgl_percentage", "25", "--verify_disable", "true",
                      "--output_percentile_latency", "50,99.9", "--output_percentile_latency_opcode",
                      "2", "--output_cmdlog_list", "100", "--cmdlog_error_only", "true", "--nsid",
                      "2"});
    const auto& j = c.jobs[0];
    const auto& a = j.args;
    EXPECT_EQ(a.io_size.weights(), (std::map<std::uint32_t, std::uint32_t>{{8, 50}, {16, 25}, {256, 25}}));
    EXPECT_EQ(a.lba_align, 8u);
    EXPECT_DOUBLE_EQ(a.time, 1.5);
    EXPECT_EQ(a.io_count, 256u);
    EXPECT_EQ(a.lba_count, 4096u);
    EXPECT_EQ(a.lba_random.percent(), 0);  // lba_step is for sequential I/O
    EXPECT_EQ(parse_lba_random("30").percent(), 30);
    EXPECT_EQ(a.lba_start, 10u);
    EXPECT_EQ(a.lba_step, -8);
    EXPECT_DOUBLE_EQ(*a.start_time, 1700000000.5);
    EXPECT_EQ(a.read_percentage, 70);
    EXPECT_EQ(a.op_percentage, (std::map<std::uint8_t, double>{{2, 60.5}, {1, 39.5}}));
    EXPECT_EQ(a.qdepth, 32u);
    EXPECT_EQ(a.qprio, 2u);
    EXPECT_EQ(a.region_start.lbas(), (std::vector<std::uint64_t>{0, 1000}));
    EXPECT_EQ(a.region_end.lbas(), (std::vector<std::uint64_t>{500, 2000}));
    EXPECT_EQ(a.iops, 1000u);
    EXPECT_EQ(a.io_flags, 0x4000);
    EXPECT_EQ(a.pvalue, 0x55u);
    EXPECT_EQ(a.ptype, 0xbeefu);
    ASSERT_EQ(a.io_sequence.size(), 2u);
    EXPECT_EQ(a.io_sequence[1].slba, 8u);
    EXPECT_EQ(a.io_sequence[1].opcode, 1);
    EXPECT_EQ(a.io_sequence[1].time_sent_us, 100u);
    EXPECT_EQ(a.slow_latency, 5000u);
    EXPECT_FALSE(a.exit_on_error);
    EXPECT_EQ(a.sgl_percentage, 25u);
    EXPECT_TRUE(a.verify_disable);
    EXPECT_EQ(a.cpu_id, 1u);
    EXPECT_EQ(j.percentiles, (std::vector<double>{50, 99.9}));
    EXPECT_EQ(a.output_percentile_latency_opcode, 2);
    EXPECT_EQ(j.cmdlog_size, 100u);
    EXPECT_TRUE(a.cmdlog_error_only);
    EXPECT_EQ(j.nsid, 2u);
    // The tool fills the output pointers itself.
    EXPECT_EQ(a.output_io_per_second, nullptr);
}

TEST(IoArgs, IoSizeForms)
{
    EXPECT_EQ(parse_io_size("8,16,256").weights(),
              (std::map<std::uint32_t, std::uint32_t>{{8, 1}, {16, 1}, {256, 1}}));
    EXPECT_EQ(parse_io_size("range(1,4)").weights(), nvmetest::IoSize::range(1, 4).weights());
    EXPECT_THROW(parse_io_size("range(4,4)"), UsageError);
    EXPECT_THROW(parse_io_size("8,8"), UsageError);
    EXPECT_THROW(parse_io_size("8:"), UsageError);
}

TEST(IoArgs, DashesAndUnderscoresAreTheSame)
{
    const auto c = P({"--read-percentage=0", "--lba-random", "false", "--io-count", "5"});
    EXPECT_EQ(c.jobs[0].args.read_percentage, 0);
    EXPECT_EQ(c.jobs[0].args.lba_random.percent(), 0);
    EXPECT_EQ(c.jobs[0].args.io_count, 5u);
}

TEST(IoArgs, IdleSpinUsIsOursAndMayBeNegative)
{
    EXPECT_FALSE(P({"--time", "1"}).jobs[0].args.idle_spin_us);  // IOWorkerArgs' default: by qdepth
    EXPECT_EQ(P({"--time", "1", "--idle_spin_us", "250"}).jobs[0].args.idle_spin_us, 250);
    EXPECT_EQ(P({"--time", "1", "--idle-spin-us=-1"}).jobs[0].args.idle_spin_us, -1);  // poll
    EXPECT_NE(usage_error({"--time", "1", "--idle_spin_us", "soon"}).find("--idle_spin_us"),
              std::string::npos);
}

TEST(IoArgs, JobsInheritTheDefaultsBeforeThem)
{
    const auto c = P({"--qdepth", "8", "--time", "1", "--job", "w", "--read_percentage", "0",
                      "--job", "r", "--stonewall", "--qdepth", "4"});
    ASSERT_EQ(c.jobs.size(), 2u);
    EXPECT_EQ(c.jobs[0].name, "w");
    EXPECT_EQ(c.jobs[0].args.qdepth, 8u);
    EXPECT_EQ(c.jobs[0].args.read_percentage, 0);
    EXPECT_FALSE(c.jobs[0].stonewall);
    EXPECT_EQ(c.jobs[1].args.qdepth, 4u);
    EXPECT_EQ(c.jobs[1].args.read_percentage, 100);
    EXPECT_DOUBLE_EQ(c.jobs[1].args.time, 1);
    EXPECT_TRUE(c.jobs[1].stonewall);
}

TEST(IoArgs, ToolOptions)
{
    const auto c = P({"--pciaddr", "0000:02:00.0", "--verify", "off", "--json", "r.json",
                      "--html=r.html", "--output-format", "json", "--quiet", "--seed", "42",
                      "--io_count", "1"});
    EXPECT_EQ(c.pciaddr, "0000:02:00.0");
    EXPECT_FALSE(c.verify);
    EXPECT_EQ(c.json_path, "r.json");
    EXPECT_EQ(c.html_path, "r.html");
    EXPECT_EQ(c.format, OutputFormat::kJson);
    EXPECT_TRUE(c.quiet);
    EXPECT_TRUE(c.seed_given);
    EXPECT_EQ(c.seed, 42u);
    const std::vector<std::string> line{"--io_count", "1"};
    EXPECT_EQ(parse(line, "0000:03:00.0", "0000:01:00.0").pciaddr,
              "0000:03:00.0");  // NVMETEST_PCIADDR before NVMETEST_DUT
}

TEST(IoArgs, BadInputIsNamed)
{
    EXPECT_EQ(usage_error({"--qdeph", "4"}), "unknown option --qdeph (nvmetest-io --help lists them)");
    EXPECT_NE(usage_error({"--qdepth", "x", "--time", "1"}).find("--qdepth 'x' is not a number"), std::string::npos);
    EXPECT_NE(usage_error({"--read_percentage", "101"}).find("above 100"), std::string::npos);
    EXPECT_NE(usage_error({"--sgl_percentage", "101"}).find("above 100"), std::string::npos);
    EXPECT_NE(usage_error({"--time"}).find("--time needs a value"), std::string::npos);
    EXPECT_NE(usage_error({"--time", "-1"}).find("negative"), std::string::npos);
    EXPECT_NE(usage_error({"--qdepth", "4"}).find("would never end"), std::string::npos);
    EXPECT_NE(usage_error({"--stonewall"}).find("after --job"), std::string::npos);
    EXPECT_NE(usage_error({"--job", "a", "--job", "a"}).find("two jobs"), std::string::npos);
    EXPECT_NE(usage_error({"--verify", "maybe"}).find("not true or false"), std::string::npos);
    EXPECT_NE(usage_error({"--op_percentage", "2"}).find("OPCODE:PERCENT"), std::string::npos);
    EXPECT_NE(usage_error({"--io_sequence", "1:2:3"}).find("SLBA:NLB:OPCODE:TIME_US"), std::string::npos);
    EXPECT_NE(usage_error({"--nsid", "0"}).find("count from 1"), std::string::npos);
    EXPECT_NE(usage_error({"--quiet=1"}).find("takes no value"), std::string::npos);
    EXPECT_NE(usage_error({"extra"}).find("unexpected argument 'extra'"), std::string::npos);
    const std::vector<std::string> line{"--time", "1"};
    EXPECT_THROW(parse(line, "", ""), UsageError);  // no device anywhere
}

// PyNVMe3's IO models, section 1.1, region_end: sequential I/O with neither
// time nor io_count makes one pass over the region.
TEST(IoArgs, SequentialWithoutLimitIsOnePass)
{
    const auto c = P({"--lba_random", "false", "--region_start", "0x10", "--region_end", "0x100"});
    EXPECT_EQ(c.jobs[0].args.lba_random.percent(), 0);
    EXPECT_EQ(usage_error({"--lba_random", "false"}), "(accepted)");
    EXPECT_NE(usage_error({"--lba_random", "50"}).find("would never end"), std::string::npos);
    EXPECT_NE(usage_error({"--job", "r", "--lba_random", "true"}).find("job 'r': "), std::string::npos);
}

TEST(IoArgs, OpcodeNames)
{
    const auto c = P({"--op_percentage", "read:50,write:30,dsm:10,flush:10", "--time", "1",
                      "--output_percentile_latency_opcode", "write", "--io_sequence",
                      "0:8:read:0,8:8:0x01:100"});
    const auto& a = c.jobs[0].args;
    EXPECT_EQ(a.op_percentage, (std::map<std::uint8_t, double>{{2, 50}, {1, 30}, {9, 10}, {0, 10}}));
    EXPECT_EQ(a.output_percentile_latency_opcode, std::uint8_t{1});
    ASSERT_EQ(a.io_sequence.size(), 2u);
    EXPECT_EQ(a.io_sequence[0].opcode, 2);
    EXPECT_EQ(a.io_sequence[1].opcode, 1);
    EXPECT_EQ(parse_opcode("write_zeroes", "x"), 8);
    EXPECT_EQ(parse_opcode("verify", "x"), 0x0c);
    EXPECT_EQ(parse_opcode("compare", "x"), 5);
    const std::string bad = usage_error({"--op_percentage", "reed:100", "--time", "1"});
    EXPECT_NE(bad.find("'reed' is not an opcode"), std::string::npos) << bad;
    EXPECT_NE(bad.find("read"), std::string::npos) << bad;
}

TEST(IoArgs, NegativeNumbersSaySo)
{
    const std::string q = usage_error({"--qdepth", "-1", "--time", "1"});
    EXPECT_NE(q.find("--qdepth '-1'"), std::string::npos) << q;
    EXPECT_NE(q.find("number of commands in flight, 1 or more"), std::string::npos) << q;
    EXPECT_EQ(q.find("not a number"), std::string::npos) << q;
    EXPECT_NE(usage_error({"--io_count", "-5"}).find("--io_count '-5' is negative"), std::string::npos);
}

TEST(IoArgs, HelpShowsDefaults)
{
    const std::string u = usage();
    EXPECT_NE(u.find("--qdepth N\n        default: 63\n"), std::string::npos) << u;
    EXPECT_NE(u.find("--io_size N | N,N,... | N:W,N:W,... | range(A,B)\n        default: 8\n"),
              std::string::npos);
    EXPECT_NE(u.find("--slow_latency MICROSECONDS\n        default: 1000000\n"), std::string::npos);
    EXPECT_NE(u.find("--exit_on_error true | false\n        default: true\n"), std::string::npos);
    EXPECT_NE(u.find("default: 1,5,10,25,50,75,90,95,99,99.5,99.9,99.99\n"), std::string::npos);
    EXPECT_NE(u.find("--cmdlog-order"), std::string::npos);
    // Every job option shows one.
    std::size_t options = 0, defaults = 0;
    for (std::size_t at = 0; (at = u.find("\n  --", at)) != std::string::npos; at++)
        options++;
    for (std::size_t at = 0; (at = u.find("default: ", at)) != std::string::npos; at++)
        defaults++;
    EXPECT_GE(defaults, 33u);
    EXPECT_LE(defaults, options);
}

TEST(IoArgs, CmdlogOrder)
{
    EXPECT_FALSE(P({"--time", "1"}).cmdlog_in_submission_order);
    EXPECT_TRUE(P({"--time", "1", "--cmdlog-order", "submission"}).cmdlog_in_submission_order);
    EXPECT_NE(usage_error({"--time", "1", "--cmdlog_order", "sent"}).find("completion or submission"),
              std::string::npos);
}

// What the library refuses without a device fails with exit 2 before the
// device is opened: a device that does not exist is never looked for.
TEST(IoArgs, DeviceFreeChecksComeBeforeTheDevice)
{
    for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
             {"--op_percentage", "2:30,1:30", "--time", "1"},
             {"--qdepth", "0", "--time", "1"},
             {"--lba_step", "8", "--time", "1"},
             {"--distribution", "1,2,3", "--time", "1"},
             {"--region_start", "0x100", "--region_end", "0x10", "--time", "1"},
             {"--ptype", "7", "--time", "1"},
         }) {
        std::vector<std::string> line{"--pciaddr", "0000:ff:1f.7"};
        line.insert(line.end(), bad.begin(), bad.end());
        EXPECT_NE(usage_error(line).find("job 'job': "), std::string::npos)
            << bad[0] << ": " << usage_error(line);
        EXPECT_EQ(run_line(line), kExitUsage) << bad[0];
    }
}

TEST(IoArgs, ExitStatusTwoOnBadInputZeroOnHelp)
{
    EXPECT_EQ(run_line({"--bogus"}), kExitUsage);
    EXPECT_EQ(run_line({"--pciaddr", "0000:01:00.0", "--time", "1", "--json", "/nonexistent/dir/r.json"}),
              kExitUsage);
    EXPECT_EQ(run_line({"--help"}), kExitOk);
    EXPECT_NE(usage().find("--region_start"), std::string::npos);
}

namespace {

RunReport sample_run()
{
    RunReport run{.pciaddr = "0000:01:00.0", .seed = 7, .verify = true, .jobs = {}};
    JobReport j;
    j.spec.name = "w<1>";
    j.result.io_count_nonread = j.result.io_count_write = 3000;
    j.result.lba_count_nonread = j.result.lba_count_write = 24000;
    j.result.mseconds = 2000;
    j.result.latency_average_us = 100;
    j.result.latency_max_us = 900;
    j.result.error = 0x281;
    j.result.latency_distribution.assign(1000001, 0);
    j.result.latency_distribution[90] = 2999;
    j.result.latency_distribution[900] = 1;
    j.io_per_second = {1400, 1600};
    j.percentile_latency = {{50, 90}, {99.9, 900}};
    j.cmdlog = {{.slba = 8, .nlb = 8, .opcode = 1, .time_sent_us = 5, .time_cplt_us = 9, .status = 0x281}};
    run.jobs.push_back(j);
    return run;
}

}  // namespace

TEST(IoReport, RatesFromCountsAndTime)
{
    const auto run = sample_run();
    EXPECT_DOUBLE_EQ(run.jobs[0].iops(), 1500);
    EXPECT_DOUBLE_EQ(run.jobs[0].mbytes_per_second(), 24000.0 * 512 / 2e6);
    EXPECT_EQ(error_name(-7), "error -7 (terminated by a reset)");
    EXPECT_EQ(error_name(0x281), "error 0x281 (NVMe status SCT 2 SC 0x81)");
}

TEST(IoReport, SummaryLine)
{
    std::ostringstream s;
    write_summary(s, sample_run());
    EXPECT_EQ(s.str(),
              "w<1>       error 0x281 (NVMe status SCT 2 SC 0x81): 0 reads 3000 writes 0 other in "
              "2.000 s, 1500 IOPS, 6.14 MB/s, lat avg 100 max 900 p50 90 p99 - us, cpu 0%\n");
}

TEST(IoReport, JsonHasEveryFieldAndSparseDistribution)
{
    std::ostringstream s;
    write_json(s, sample_run());
    const std::string j = s.str();
    for (const char* field :
         {"\"io_count_read\": 0", "\"io_count_nonread\": 3000", "\"io_count_write\": 3000",
          "\"lba_count_read\": 0", "\"lba_count_nonread\": 24000", "\"lba_count_write\": 24000",
          "\"mseconds\": 2000", "\"latency_max_us\": 900", "\"latency_average_us\": 100",
          "\"error\": 641", "\"error_cmd\": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]",
          "\"error_cpl\": [0,0,0,0]", "\"cpu_usage\": 0", "\"test_start_sec\": 0",
          "\"test_start_nsec\": 0", "\"latency_distribution\": [[90,2999],[900,1]]",
          "\"output_io_per_second\": [1400,1600]",
          "\"output_percentile_latency\": [[50,90],[99.900000000000006,900]]",
          "\"output_cmdlog_list\": [[8,8,1,5,9,641]]", "\"name\": \"w<1>\"", "\"iops\": 1500",
          "\"verify\": true", "\"seed\": 7"})
        EXPECT_NE(j.find(field), std::string::npos) << field << " in\n" << j;
}

TEST(IoReport, HtmlIsSelfContainedWithBothCharts)
{
    std::ostringstream s;
    write_html(s, sample_run());
    const std::string h = s.str();
    EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(h.find("http"), std::string::npos);
    EXPECT_EQ(h.find("src="), std::string::npos);
    EXPECT_EQ(h.find("href="), std::string::npos);
    EXPECT_NE(h.find("<h2>w&lt;1&gt;</h2>"), std::string::npos);  // escaped
    EXPECT_EQ(h.find("w<1>"), std::string::npos);
    // Two polylines: IOPS with 2 points, latency with 2 percentiles.
    const auto first = h.find("<polyline");
    ASSERT_NE(first, std::string::npos);
    const auto second = h.find("<polyline", first + 1);
    ASSERT_NE(second, std::string::npos);
    EXPECT_EQ(h.find("<polyline", second + 1), std::string::npos);
    EXPECT_NE(h.find("output_io_per_second"), std::string::npos);
    EXPECT_NE(h.find("output_percentile_latency"), std::string::npos);
    EXPECT_NE(h.find("99.9%"), std::string::npos);  // the nines axis
    EXPECT_NE(h.find("class=\"bad\""), std::string::npos);  // the error stands out
}
