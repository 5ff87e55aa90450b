// SPDX-License-Identifier: BSD-3-Clause
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "cli.h"

using namespace nvmetest::ctl;
using nvmetest::UsageError;

namespace {

Invocation P(std::vector<std::string> v) { return parse(v); }

int run_line(std::vector<std::string> v)
{
    v.insert(v.begin(), "nvmetest-ctl");
    std::vector<char*> argv;
    for (auto& s : v)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    return run(static_cast<int>(v.size()), argv.data());
}

}  // namespace

TEST(CtlArgs, CommandWithDevice)
{
    auto inv = P({"info", "01:00.0"});
    ASSERT_NE(inv.command, nullptr);
    EXPECT_EQ(inv.command->name, "info");
    EXPECT_EQ(inv.args, std::vector<std::string>{"01:00.0"});
    EXPECT_FALSE(inv.help);
}

TEST(CtlArgs, CfgAndBarPositionals)
{
    auto cfg = P({"cfg", "0000:01:00.0", "read", "0x10", "2"});
    EXPECT_EQ(cfg.command->name, "cfg");
    EXPECT_EQ(cfg.args.size(), 4u);
    auto bar = P({"bar", "01:00.0", "write", "0", "0x14", "4", "0x460001", "--mmap"});
    EXPECT_EQ(bar.args.size(), 6u);
    EXPECT_TRUE(bar.has("mmap"));
    EXPECT_THROW(P({"bar", "01:00.0", "read", "0", "0", "4", "x", "y"}), UsageError);
    EXPECT_THROW(P({"cfg", "01:00.0"}), UsageError);
}

TEST(CtlArgs, OptionsWithValuesInBothSpellings)
{
    auto a = P({"reset", "01:00.0", "flr", "--hold-ms", "100"});
    EXPECT_EQ(a.number("hold-ms", 0), 100u);
    auto b = P({"reset", "--hold-ms=0x20", "01:00.0", "hot"});
    EXPECT_EQ(b.number("hold-ms", 0), 0x20u);
    EXPECT_EQ(b.args, (std::vector<std::string>{"01:00.0", "hot"}));
    auto c = P({"events", "--count", "3", "--timeout", "5", "--device", "01:00.0"});
    EXPECT_EQ(c.number("count", 0), 3u);
    EXPECT_EQ(c.value("device"), "01:00.0");
    EXPECT_EQ(c.number("missing", 7), 7u);
}

TEST(CtlArgs, HelpForms)
{
    EXPECT_TRUE(P({}).help);
    EXPECT_EQ(P({}).command, nullptr);
    EXPECT_TRUE(P({"--help"}).help);
    auto h = P({"help", "irq"});
    EXPECT_TRUE(h.help);
    ASSERT_NE(h.command, nullptr);
    EXPECT_EQ(h.command->name, "irq");
    auto h2 = P({"dma", "--help"});  // no device needed for help
    EXPECT_TRUE(h2.help);
    EXPECT_EQ(h2.command->name, "dma");
}

TEST(CtlArgs, RejectsUnknownCommandsAndOptionsWithASentence)
{
    try {
        P({"frobnicate"});
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("--help"), std::string::npos);
    }
    EXPECT_THROW(P({"info", "01:00.0", "--verbose"}), UsageError);
    EXPECT_THROW(P({"reset", "01:00.0", "flr", "--hold-ms"}), UsageError);
    EXPECT_THROW(P({"remove", "01:00.0", "--rescan=yes"}), UsageError);
    EXPECT_THROW(P({"remove", "01:00.0", "-r"}), UsageError);
    EXPECT_THROW(P({"--verbose", "info", "01:00.0"}), UsageError);
    EXPECT_THROW(P({"info"}), UsageError);
    EXPECT_THROW(P({"list", "extra"}), UsageError);
}

TEST(CtlArgs, DoubleDashEndsOptions)
{
    auto a = P({"cfg", "01:00.0", "write", "0x4", "--", "2", "0x6"});
    EXPECT_EQ(a.args.size(), 5u);
}

TEST(CtlArgs, Numbers)
{
    EXPECT_EQ(parse_number("42", "x"), 42u);
    EXPECT_EQ(parse_number("0x2A", "x"), 42u);
    EXPECT_EQ(parse_number("0b101010", "x"), 42u);
    EXPECT_EQ(parse_number("0x0001_0400", "x"), 0x10400u);
    EXPECT_EQ(parse_number("0xffffffffffffffff", "x"), ~0ull);
    EXPECT_THROW(parse_number("0x1ffffffffffffffff", "x"), UsageError);
    EXPECT_THROW(parse_number("12abc", "x"), UsageError);
    EXPECT_THROW(parse_number("", "x"), UsageError);
    EXPECT_THROW(parse_number("0x", "x"), UsageError);
    EXPECT_THROW(parse_number("-1", "x"), UsageError);
}

TEST(CtlArgs, Sizes)
{
    EXPECT_EQ(parse_size("4096", "size"), 4096u);
    EXPECT_EQ(parse_size("4K", "size"), 4096u);
    EXPECT_EQ(parse_size("2m", "size"), 2u << 20);
    EXPECT_EQ(parse_size("1G", "size"), 1u << 30);
    EXPECT_EQ(parse_size("0x1000", "size"), 4096u);
    EXPECT_THROW(parse_size("K", "size"), UsageError);
}

TEST(CtlArgs, Widths)
{
    EXPECT_EQ(parse_width("2", false), 2u);
    EXPECT_EQ(parse_width("8", true), 8u);
    EXPECT_THROW(parse_width("8", false), UsageError);
    EXPECT_THROW(parse_width("3", true), UsageError);
}

TEST(CtlArgs, EveryCommandIsDocumentedAndRunnable)
{
    const std::vector<std::string> want = {"list", "bind", "unbind", "info", "cfg", "bar", "caps",
                                           "dma", "irq", "reset", "remove", "events", "regs",
                                           "identify"};
    for (const auto& n : want) {
        const CommandSpec* c = find_command(n);
        ASSERT_NE(c, nullptr) << n;
        EXPECT_NE(c->run, nullptr) << n;
        const std::string help = command_help(*c);
        EXPECT_NE(help.find("usage: nvmetest-ctl " + n), std::string::npos) << help;
        for (const auto& o : c->options)
            EXPECT_NE(help.find("--" + std::string(o.name)), std::string::npos) << n;
        EXPECT_NE(usage().find("  " + n + " "), std::string::npos) << n;
    }
    EXPECT_EQ(commands().size(), want.size());
}

TEST(CtlRun, ExitCodes)
{
    testing::internal::CaptureStderr();
    testing::internal::CaptureStdout();
    EXPECT_EQ(run_line({"frobnicate"}), kExitUsage);
    EXPECT_EQ(run_line({"info", "not-an-address"}), kExitUsage);
    EXPECT_EQ(run_line({"cfg", "01:00.0", "read", "0x10", "3"}), kExitUsage);
    EXPECT_EQ(run_line({"reset", "01:00.0", "cold"}), kExitUsage);
    EXPECT_EQ(run_line({"help"}), kExitOk);
    EXPECT_EQ(run_line({"identify", "--help"}), kExitOk);
    // A device that does not exist: the open fails with a sentence, exit 1.
    ::setenv("NVMETEST_DEV_DIR", "/nonexistent-nvmetest-dir", 1);
    EXPECT_EQ(run_line({"info", "0000:fe:1f.7"}), kExitFailure);
    ::unsetenv("NVMETEST_DEV_DIR");
    testing::internal::GetCapturedStdout();
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("unknown command 'frobnicate'"), std::string::npos) << err;
    EXPECT_NE(err.find("width 3 is not supported"), std::string::npos) << err;
    EXPECT_NE(err.find("0000:fe:1f.7"), std::string::npos) << err;
}
