// SPDX-License-Identifier: BSD-3-Clause
//
// GoogleTest support for nvmetest warnings; for test code only (it needs
// GoogleTest, which the library itself does not link).
//
//   EXPECT_WARNS(nvme0n1.send_cmd(0xff, qpair).waitdone(), "ERROR status: 00/01");
//
// is the C++ spelling of PyNVMe3's
//
//   with pytest.warns(UserWarning, match="ERROR status: 00/01"):
//       nvme0n1.send_cmd(0xff, qpair).waitdone()
//
// The regex is searched for (std::regex_search, ECMAScript grammar), as
// pytest's match= does.  Every warning of the statement that matches is caught
// (32 commands timing out are one expected "timeout"); those that do not match
// are handed on to the enclosing capture or the process-wide record, so they
// still show.
//
// install_warning_listener() makes every test start with an empty record and
// lists at its end the warnings no EXPECT_WARNS caught; with fail_unexpected,
// or while warnings are fatal, those warnings also fail the test.
#ifndef NVMETEST_GTEST_WARNINGS_H
#define NVMETEST_GTEST_WARNINGS_H

#include "nvmetest/cxx20.h"

#include "nvmetest/warnings.h"

#include <cstdio>
#include <ctime>
#include <gtest/gtest.h>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace nvmetest::testing {

// "12:34:56.789 message" in local time.
inline std::string format_warning(const Warning& w) {
    const auto t = std::chrono::system_clock::to_time_t(w.time);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(w.time.time_since_epoch()) % 1000;
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03d ", tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms.count()));
    return buf + w.message;
}

// Success when one of caught matches pattern; the others go on to the record.
inline ::testing::AssertionResult match_warnings(std::vector<Warning> caught, const char* statement,
                                                 const std::string& pattern) {
    std::regex re;
    try {
        re = std::regex(pattern);
    } catch (const std::regex_error& e) {
        for (auto& w : caught)
            record_warning(std::move(w));
        return ::testing::AssertionFailure()
               << "EXPECT_WARNS: invalid regex \"" << pattern << "\": " << e.what();
    }
    bool matched = false;
    std::string seen;
    for (auto& w : caught) {
        seen += "\n  " + format_warning(w);
        if (std::regex_search(w.message, re))
            matched = true;  // every match is caught, as pytest.warns does
        else
            record_warning(std::move(w));
    }
    if (matched)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "Expected: " << statement << " warns matching \"" << pattern << "\"\n"
           << "  Actual: " << (caught.empty() ? "no warning" : "warnings:" + seen);
}

// Lists (and optionally fails on) warnings a test did not expect.
class WarningListener : public ::testing::EmptyTestEventListener {
public:
    explicit WarningListener(bool fail_unexpected = false) : fail_unexpected_(fail_unexpected) {}

    void OnTestStart(const ::testing::TestInfo&) override { clear_warnings(); }

    // GoogleTest calls this while the test is still current, so a failure
    // added here belongs to the test and is printed with it.
    void OnTestEnd(const ::testing::TestInfo& info) override {
        const std::vector<Warning> left = warnings();
        clear_warnings();
        if (left.empty())
            return;
        std::string text = std::to_string(left.size()) + " warning(s) not expected by " +
                           info.test_suite_name() + "." + info.name() + ":";
        for (const auto& w : left)
            text += "\n  " + format_warning(w);
        std::printf("[ WARNINGS ] %s\n", text.c_str());
        std::fflush(stdout);
        if (fail_unexpected_ || warnings_fatal())
            ADD_FAILURE() << text;
    }

private:
    bool fail_unexpected_;
};

// Appends a WarningListener to GoogleTest's listeners (which then own it).
// Call once, before RUN_ALL_TESTS().
inline void install_warning_listener(bool fail_unexpected = false) {
    ::testing::UnitTest::GetInstance()->listeners().Append(new WarningListener(fail_unexpected));
}

} // namespace nvmetest::testing

#define NVMETEST_WARNS_IMPL_(statement, pattern, on_failure)                                       \
    do {                                                                                           \
        std::vector<::nvmetest::Warning> nvmetest_caught_;                                         \
        {                                                                                          \
            ::nvmetest::WarningCapture nvmetest_capture_;                                          \
            statement;                                                                             \
            nvmetest_caught_ = nvmetest_capture_.take();                                           \
        }                                                                                          \
        if (const ::testing::AssertionResult nvmetest_result_ =                                    \
                ::nvmetest::testing::match_warnings(std::move(nvmetest_caught_), #statement,       \
                                                    (pattern));                                    \
            !nvmetest_result_)                                                                     \
            on_failure << nvmetest_result_.message();                                              \
    } while (0)

// Non-fatal and fatal checks that statement raises a warning matching pattern.
#define EXPECT_WARNS(statement, pattern) NVMETEST_WARNS_IMPL_(statement, pattern, ADD_FAILURE())
#define ASSERT_WARNS(statement, pattern) NVMETEST_WARNS_IMPL_(statement, pattern, GTEST_FAIL())

#endif // NVMETEST_GTEST_WARNINGS_H
