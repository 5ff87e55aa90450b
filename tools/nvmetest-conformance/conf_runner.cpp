// SPDX-License-Identifier: BSD-3-Clause
#include "conf_runner.h"

#include <chrono>
#include <exception>

#include "nvmetest/warnings.h"

namespace nvmetest::conf {
namespace {

void count(GroupSummary& g, Outcome o)
{
    switch (o) {
    case Outcome::kPassed: ++g.passed; break;
    case Outcome::kFailed: ++g.failed; break;
    case Outcome::kNotApplicable: ++g.not_applicable; break;
    case Outcome::kSkipped: ++g.skipped; break;
    case Outcome::kExpectedFailure: ++g.expected_failures; break;
    case Outcome::kUnexpectedPass: ++g.unexpected_passes; break;
    }
}

// The body, with every way out turned into an outcome.  The context goes
// before the warning capture does, so that what its teardown warns (a
// controller that would not disable) is the case's too.
void execute(const Case& c, const RunOptions& options, CaseResult& r)
{
    WarningCapture capture;
    {
        std::unique_ptr<Context> ctx;
        try {
            ctx = options.make_context ? options.make_context() : std::make_unique<Context>();
            c.body(*ctx);
            r.outcome = Outcome::kPassed;
        } catch (const CaseFailed& e) {
            r.outcome = Outcome::kFailed;
            r.message = e.what();
        } catch (const NotApplicable& e) {
            r.outcome = Outcome::kNotApplicable;
            r.message = e.what();
        } catch (const std::exception& e) {
            r.outcome = Outcome::kFailed;
            r.message = std::string("stopped by an exception: ") + e.what();
        }
        if (ctx) {
            r.checks = ctx->checks();
            try {
                r.commands = ctx->commands();
            } catch (const std::exception& e) {
                r.commands.push_back(std::string("(command log unavailable: ") + e.what() + ")");
            }
        }
    }
    for (auto& w : capture.take())
        r.warnings.push_back(std::move(w.message));
}

}  // namespace

std::string_view to_string(Level l) noexcept
{
    return l == Level::kMandatory ? "mandatory" : "optional";
}

std::string_view to_string(Outcome o) noexcept
{
    switch (o) {
    case Outcome::kPassed: return "passed";
    case Outcome::kFailed: return "failed";
    case Outcome::kNotApplicable: return "not applicable";
    case Outcome::kSkipped: return "skipped";
    case Outcome::kExpectedFailure: return "expected failure";
    case Outcome::kUnexpectedPass: return "unexpected pass";
    }
    return "?";
}

std::vector<const Case*> select_cases(const std::vector<Case>& cases,
                                      const std::vector<std::string>& filters)
{
    std::vector<const Case*> out;
    for (const auto& c : cases)
        if (selected(c.info.id, filters))
            out.push_back(&c);
    return out;
}

CaseResult run_case(const Case& c, const RunOptions& options)
{
    CaseResult r;
    r.info = c.info;
    const auto t0 = std::chrono::steady_clock::now();
    if (c.info.destructive && !options.destructive) {
        r.outcome = Outcome::kSkipped;
        r.message = "destructive (loses user data): runs only with --destructive";
    } else {
        execute(c, options, r);
    }
    r.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);

    if (options.expected) {
        const auto it = options.expected->find(c.info.id);
        if (it != options.expected->end()) {
            r.expected_failure = it->second.reason;
            if (r.outcome == Outcome::kFailed) {
                r.outcome = Outcome::kExpectedFailure;
            } else if (r.outcome == Outcome::kPassed) {
                r.outcome = Outcome::kUnexpectedPass;
                r.message = "passed, but the expected-failure list (line " +
                            std::to_string(it->second.line) +
                            ") says it fails: remove it from the list";
            }
        }
    }
    return r;
}

std::vector<CaseResult> run(const std::vector<Case>& cases, const RunOptions& options)
{
    const auto chosen = select_cases(cases, options.filters);
    std::vector<CaseResult> results;
    results.reserve(chosen.size());
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        if (options.on_start)
            options.on_start(i, chosen.size(), chosen[i]->info);
        results.push_back(run_case(*chosen[i], options));
        if (options.on_done)
            options.on_done(i, chosen.size(), results.back());
    }
    return results;
}

std::vector<GroupSummary> summarize(const std::vector<CaseResult>& results)
{
    std::vector<GroupSummary> out;
    for (const auto& g : groups()) {
        GroupSummary s;
        s.key = g.key;
        s.name = g.name;
        for (const auto& r : results)
            if (group_key(r.info.id) == g.key)
                count(s, r.outcome);
        if (s.total() > 0)
            out.push_back(std::move(s));
    }
    return out;
}

GroupSummary totals(const std::vector<CaseResult>& results)
{
    GroupSummary s;
    s.key = "total";
    s.name = "Total";
    for (const auto& r : results)
        count(s, r.outcome);
    return s;
}

int exit_status(const std::vector<CaseResult>& results)
{
    for (const auto& r : results)
        if (is_failure(r.outcome))
            return 1;
    return 0;
}

}  // namespace nvmetest::conf
