// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-conformance: runs the selected cases one after the other, each with
// a context of its own, and turns what happened into CaseResults.  Device-free:
// the context comes from a factory (the device one in the program, a bare one
// in the unit tests).
#ifndef NVMETEST_CONF_RUNNER_H
#define NVMETEST_CONF_RUNNER_H

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "conf_case.h"
#include "conf_context.h"
#include "conf_registry.h"

namespace nvmetest::conf {

struct RunOptions {
    std::vector<std::string> filters;  // see selected()
    bool destructive = false;
    const ExpectedFailures* expected = nullptr;
    std::function<std::unique_ptr<Context>()> make_context;
    // Progress: before each selected case and after it (index from 0).
    std::function<void(std::size_t index, std::size_t total, const CaseInfo&)> on_start;
    std::function<void(std::size_t index, std::size_t total, const CaseResult&)> on_done;
};

// The cases that --filter selects, in order.
std::vector<const Case*> select_cases(const std::vector<Case>& cases,
                                      const std::vector<std::string>& filters);

// Runs one case (no filtering; the expected-failure list applies).
CaseResult run_case(const Case& c, const RunOptions& options);
std::vector<CaseResult> run(const std::vector<Case>& cases, const RunOptions& options);

struct GroupSummary {
    std::string key;
    std::string name;
    unsigned passed = 0, failed = 0, not_applicable = 0, skipped = 0;
    unsigned expected_failures = 0, unexpected_passes = 0;
    unsigned total() const
    {
        return passed + failed + not_applicable + skipped + expected_failures + unexpected_passes;
    }
};
// One entry per group that has results, in group order.
std::vector<GroupSummary> summarize(const std::vector<CaseResult>& results);
GroupSummary totals(const std::vector<CaseResult>& results);

// 0 when no case failed (expected failures do not count), 1 otherwise.
int exit_status(const std::vector<CaseResult>& results);

}  // namespace nvmetest::conf

#endif  // NVMETEST_CONF_RUNNER_H
