// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-conformance: what a conformance case is and what running it
// produced.  Device-free, so that the runner and the reporters are tested on
// the host (tests/unit) with cases that never touch a device.
#ifndef NVMETEST_CONF_CASE_H
#define NVMETEST_CONF_CASE_H

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nvmetest::conf {

class Context;

// Requirement level of what the case checks.  An optional case first asks the
// DUT (Identify, CAP, a log page) whether the feature is there and is "not
// applicable" otherwise, naming the field that said so.
enum class Level { kMandatory, kOptional };
std::string_view to_string(Level l) noexcept;

struct CaseInfo {
    std::string id;        // "admin.identify.cns-reserved": group key, then words
    std::string title;     // one line, what is checked
    std::string section;   // "NVMe Base 2.0 5.17.1", "NVM CS 1.0 3.2.6", "PCIe 5.0 7.5.3.4"
    Level level = Level::kMandatory;
    bool destructive = false;  // loses user data (format, sanitize, ...): --destructive only
};

struct Case {
    CaseInfo info;
    std::function<void(Context&)> body;
};

// The group a case belongs to: the text of its id before the first dot.
std::string_view group_key(std::string_view id) noexcept;

enum class Outcome {
    kPassed,
    kFailed,
    kNotApplicable,     // an optional feature the DUT says it lacks
    kSkipped,           // destructive case without --destructive
    kExpectedFailure,   // failed, and listed in the expected-failure list
    kUnexpectedPass,    // passed although listed: the list is out of date
};
std::string_view to_string(Outcome o) noexcept;
// Whether the outcome makes the run fail (exit status 1).
constexpr bool is_failure(Outcome o) noexcept
{
    return o == Outcome::kFailed || o == Outcome::kUnexpectedPass;
}

// One comparison a case made: "Identify CNS 0xff status", expected
// "00/02 Invalid Field in Command, DNR", actual what the DUT said.
struct Check {
    std::string what;
    std::string expected;
    std::string actual;
    bool ok = false;
};

struct CaseResult {
    CaseInfo info;
    Outcome outcome = Outcome::kPassed;
    std::string message;               // why it failed / is not applicable / was skipped
    std::string expected_failure;      // the list's reason, when listed
    std::vector<Check> checks;
    std::vector<std::string> commands; // the cmdlog of the case, decoded
    std::vector<std::string> warnings; // library warnings raised meanwhile
    std::chrono::microseconds duration{0};
};

// Thrown by a check that failed: ends the case as failed.
class CaseFailed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};
// Thrown when the DUT says it lacks an optional feature.
class NotApplicable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace nvmetest::conf

#endif  // NVMETEST_CONF_CASE_H
