// SPDX-License-Identifier: BSD-3-Clause
// The warnings facility and its GoogleTest helpers.
#include "nvmetest/gtest_warnings.h"
#include "nvmetest/warnings.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

namespace {

// Every test starts with an empty record and non-fatal warnings, and leaves
// them so.
class Warnings : public ::testing::Test {
protected:
    void SetUp() override {
        nvmetest::clear_warnings();
        nvmetest::set_warnings_fatal(false);
    }
    void TearDown() override {
        nvmetest::clear_warnings();
        nvmetest::set_warnings_fatal(false);
    }
};

void warn_status() {
    nvmetest::warn("ERROR status: 00/01 Invalid Command Opcode");
}
void warn_nothing() {}
void warn_other() {
    nvmetest::warn("AER notification is triggered");
}

nvmetest::testing::WarningListener g_failing_listener(true);

} // namespace

TEST_F(Warnings, RecordsMessageAndTime) {
    const auto before = std::chrono::system_clock::now();
    nvmetest::warn("first");
    nvmetest::warn("second");
    const auto after = std::chrono::system_clock::now();
    const auto w = nvmetest::warnings();
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0].message, "first");
    EXPECT_EQ(w[1].message, "second");
    EXPECT_LE(before, w[0].time);
    EXPECT_LE(w[0].time, w[1].time);
    EXPECT_LE(w[1].time, after);
    EXPECT_EQ(nvmetest::warning_count(), 2u);
    nvmetest::clear_warnings();
    EXPECT_TRUE(nvmetest::warnings().empty());
}

TEST_F(Warnings, FatalModeThrowsAfterRecording) {
    EXPECT_FALSE(nvmetest::set_warnings_fatal(true));
    EXPECT_TRUE(nvmetest::warnings_fatal());
    try {
        nvmetest::warn("timeout");
        FAIL() << "expected WarningError";
    } catch (const nvmetest::WarningError& e) {
        EXPECT_STREQ(e.what(), "timeout");
    }
    EXPECT_EQ(nvmetest::warning_count(), 1u);
    // A capture expects warnings: no throw inside one.
    nvmetest::WarningCapture capture;
    EXPECT_NO_THROW(nvmetest::warn("expected"));
    EXPECT_EQ(capture.warnings().size(), 1u);
}

TEST_F(Warnings, CapturesNestAndDivert) {
    nvmetest::warn("global");
    {
        nvmetest::WarningCapture outer;
        nvmetest::warn("to outer");
        {
            nvmetest::WarningCapture inner;
            nvmetest::warn("to inner");
            EXPECT_EQ(inner.warnings().size(), 1u);
        }
        nvmetest::warn("to outer again");
        const auto caught = outer.take();
        ASSERT_EQ(caught.size(), 2u);
        EXPECT_EQ(caught[1].message, "to outer again");
        EXPECT_TRUE(outer.warnings().empty());
    }
    ASSERT_EQ(nvmetest::warning_count(), 1u);
    EXPECT_EQ(nvmetest::warnings()[0].message, "global");
}

TEST_F(Warnings, ThreadSafe) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([] {
            for (int i = 0; i < 500; ++i)
                nvmetest::warn("w");
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(nvmetest::warning_count(), 2000u);
}

TEST_F(Warnings, ExpectWarnsPassesOnMatch) {
    EXPECT_WARNS(warn_status(), "ERROR status: 00/01");
    ASSERT_WARNS(warn_status(), "Invalid Command Opcode$");
    EXPECT_EQ(nvmetest::warning_count(), 0u); // caught ones do not count as unexpected
}

TEST_F(Warnings, ExpectWarnsFailsWithoutWarning) {
    EXPECT_NONFATAL_FAILURE(EXPECT_WARNS(warn_nothing(), "ERROR"), "Actual: no warning");
    EXPECT_NONFATAL_FAILURE(EXPECT_WARNS(warn_other(), "ERROR status"),
                            "AER notification is triggered");
    EXPECT_FATAL_FAILURE(ASSERT_WARNS(warn_nothing(), "ERROR"), "warns matching \"ERROR\"");
    EXPECT_NONFATAL_FAILURE(EXPECT_WARNS(warn_status(), "("), "invalid regex");
}

TEST_F(Warnings, EveryMatchingWarningIsCaught) {
    EXPECT_WARNS((warn_status(), warn_other(), warn_status()), "00/01");
    ASSERT_EQ(nvmetest::warning_count(), 1u);
    EXPECT_EQ(nvmetest::warnings()[0].message, "AER notification is triggered");
}

TEST_F(Warnings, UnmatchedWarningsAreHandedOn) {
    EXPECT_WARNS((warn_other(), warn_status()), "00/01");
    ASSERT_EQ(nvmetest::warning_count(), 1u);
    EXPECT_EQ(nvmetest::warnings()[0].message, "AER notification is triggered");
}

TEST_F(Warnings, ListenerFailsTestOnUnexpectedWarning) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    g_failing_listener.OnTestStart(*info);
    nvmetest::warn("stray warning");
    EXPECT_NONFATAL_FAILURE(
        g_failing_listener.OnTestEnd(*::testing::UnitTest::GetInstance()->current_test_info()),
        "1 warning(s) not expected by Warnings.ListenerFailsTestOnUnexpectedWarning");
    EXPECT_EQ(nvmetest::warning_count(), 0u); // listed once, then cleared
}

TEST_F(Warnings, ListenerOnlyListsByDefault) {
    nvmetest::testing::WarningListener listener;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    listener.OnTestStart(*info);
    EXPECT_EQ(nvmetest::warning_count(), 0u);
    nvmetest::warn("listed, not failed");
    ::testing::internal::CaptureStdout();
    listener.OnTestEnd(*info);
    const std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_NE(out.find("[ WARNINGS ]"), std::string::npos) << out;
    EXPECT_NE(out.find("listed, not failed"), std::string::npos) << out;
}
