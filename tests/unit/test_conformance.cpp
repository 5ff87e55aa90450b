// SPDX-License-Identifier: BSD-3-Clause
// nvmetest-conformance without a device: the runner's outcomes, the filter,
// the expected-failure list, the checks of a context, the reporters and the
// command line; and the pack itself: its case list and the checked-in list
// of QEMU 7.2's deviations agree.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "conf_cli.h"
#include "conf_context.h"
#include "conf_registry.h"
#include "conf_report.h"
#include "conf_runner.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/warnings.h"

namespace {

using namespace nvmetest::conf;
namespace st = nvmetest::nvme::status;
using nvmetest::nvme::Cqe;

Cqe cqe_with(std::uint16_t status_field)
{
    Cqe c{};
    c.set_status(status_field);
    return c;
}

Case fake(std::string id, std::function<void(Context&)> body, bool destructive = false,
          Level level = Level::kMandatory)
{
    return Case{{std::move(id), "title of " + id, "NVMe Base 2.0 5.17", level, destructive}, std::move(body)};
}

std::vector<Case> sample()
{
    std::vector<Case> v;
    v.push_back(fake("admin.ok", [](Context& c) {
        c.expect_status(cqe_with(0), st::kSuccess, "a successful command");
    }));
    v.push_back(fake("admin.bad", [](Context& c) {
        c.expect_status(cqe_with(st::kInvalidOpcode), st::kInvalidField, "Identify <CNS FFh>");
        c.expect_eq("never reached", 1, 1);
    }));
    v.push_back(fake("nvm.na", [](Context& c) { c.require(false, "ONCS bit 5 is 0"); }, false, Level::kOptional));
    v.push_back(fake("nvm.throws", [](Context&) { throw nvmetest::TimeoutError("no answer"); }));
    v.push_back(fake("nvm.destroys", [](Context& c) { c.expect_eq("x", 1, 1); }, true));
    v.push_back(fake("pcie.warns", [](Context& c) {
        nvmetest::warn("ERROR status: 00/02 Invalid Field in Command");
        c.expect_eq("x", 2, 2);
    }));
    return v;
}

const CaseResult& by_id(const std::vector<CaseResult>& r, const std::string& id)
{
    for (const auto& x : r)
        if (x.info.id == id)
            return x;
    throw std::logic_error("no result " + id);
}

// ------------------------------------------------------------------ runner

TEST(ConfRunner, OutcomesOfEachWayOut)
{
    const auto cases = sample();
    const auto r = run(cases, {});
    ASSERT_EQ(r.size(), cases.size());
    EXPECT_EQ(by_id(r, "admin.ok").outcome, Outcome::kPassed);

    const auto& bad = by_id(r, "admin.bad");
    EXPECT_EQ(bad.outcome, Outcome::kFailed);
    ASSERT_EQ(bad.checks.size(), 1u) << "the case stops at the first failed check";
    EXPECT_EQ(bad.checks[0].expected, "00/02 Invalid Field in Command");
    EXPECT_EQ(bad.checks[0].actual, "00/01 Invalid Command Opcode");
    EXPECT_FALSE(bad.checks[0].ok);
    EXPECT_NE(bad.message.find("Identify <CNS FFh>: expected 00/02"), std::string::npos) << bad.message;

    EXPECT_EQ(by_id(r, "nvm.na").outcome, Outcome::kNotApplicable);
    EXPECT_EQ(by_id(r, "nvm.na").message, "ONCS bit 5 is 0");
    EXPECT_EQ(by_id(r, "nvm.throws").outcome, Outcome::kFailed);
    EXPECT_NE(by_id(r, "nvm.throws").message.find("no answer"), std::string::npos);
    EXPECT_EQ(by_id(r, "nvm.destroys").outcome, Outcome::kSkipped);
    EXPECT_TRUE(by_id(r, "nvm.destroys").checks.empty()) << "a skipped case never runs";

    const auto& warns = by_id(r, "pcie.warns");
    EXPECT_EQ(warns.outcome, Outcome::kPassed);
    ASSERT_EQ(warns.warnings.size(), 1u);
    EXPECT_NE(warns.warnings[0].find("Invalid Field"), std::string::npos);
    EXPECT_EQ(exit_status(r), 1);
}

TEST(ConfRunner, DestructiveRunsOnlyWhenAsked)
{
    const auto cases = sample();
    RunOptions o;
    o.destructive = true;
    o.filters = {"destroys"};
    const auto r = run(cases, o);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].outcome, Outcome::kPassed);
    EXPECT_EQ(exit_status(r), 0);
}

TEST(ConfRunner, ExpectedFailuresAndUnexpectedPasses)
{
    const auto cases = sample();
    const auto list = parse_expected_failures("admin.bad | NVMe Base 2.0 5.17 | known\n"
                                              "admin.ok | NVMe Base 2.0 5.17 | was broken once\n"
                                              "nvm.na | NVMe Base 2.0 5.17 | not applicable anyway\n");
    RunOptions o;
    o.expected = &list;
    o.filters = {"admin.", "nvm.na"};
    const auto r = run(cases, o);
    EXPECT_EQ(by_id(r, "admin.bad").outcome, Outcome::kExpectedFailure);
    EXPECT_EQ(by_id(r, "admin.bad").expected_failure, "known");
    EXPECT_EQ(by_id(r, "admin.ok").outcome, Outcome::kUnexpectedPass);
    EXPECT_NE(by_id(r, "admin.ok").message.find("line 2"), std::string::npos);
    EXPECT_EQ(by_id(r, "nvm.na").outcome, Outcome::kNotApplicable);
    EXPECT_EQ(exit_status(r), 1) << "an unexpected pass fails the run";

    o.filters = {"admin.bad"};
    EXPECT_EQ(exit_status(run(cases, o)), 0) << "an expected failure does not";
}

TEST(ConfRunner, SummaryPerGroupInGroupOrder)
{
    const auto r = run(sample(), {});
    const auto s = summarize(r);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].key, "admin");
    EXPECT_EQ(s[0].passed, 1u);
    EXPECT_EQ(s[0].failed, 1u);
    EXPECT_EQ(s[1].key, "nvm");
    EXPECT_EQ(s[1].not_applicable, 1u);
    EXPECT_EQ(s[1].failed, 1u);
    EXPECT_EQ(s[1].skipped, 1u);
    EXPECT_EQ(s[2].key, "pcie");
    const auto t = totals(r);
    EXPECT_EQ(t.total(), 6u);
    EXPECT_EQ(t.passed, 2u);
}

TEST(ConfRunner, ProgressCallbacksSeeEveryCase)
{
    std::vector<std::string> seen;
    RunOptions o;
    o.on_start = [&](std::size_t i, std::size_t n, const CaseInfo& c) {
        seen.push_back(std::to_string(i) + "/" + std::to_string(n) + " " + c.id);
    };
    std::size_t done = 0;
    o.on_done = [&](std::size_t, std::size_t, const CaseResult&) { ++done; };
    run(sample(), o);
    ASSERT_EQ(seen.size(), 6u);
    EXPECT_EQ(seen[0], "0/6 admin.ok");
    EXPECT_EQ(done, 6u);
}

// ------------------------------------------------------------------ filter

TEST(ConfFilter, SubstringGlobAndExclusion)
{
    EXPECT_TRUE(selected("admin.identify.cns-reserved", {}));
    EXPECT_TRUE(selected("admin.identify.cns-reserved", {"identify"}));
    EXPECT_FALSE(selected("nvm.read.slba-beyond", {"identify"}));
    EXPECT_TRUE(selected("admin.identify.cns-reserved", {"admin.*"}));
    EXPECT_FALSE(selected("nvm.admin.x", {"admin.*"})) << "a glob matches the whole id";
    EXPECT_TRUE(selected("nvm.read.slba-beyond", {"admin.*", "nvm.read.*"}));
    EXPECT_FALSE(selected("admin.log.smart", {"admin.", "-admin.log"}));
    EXPECT_TRUE(selected("admin.identify.controller", {"-admin.log"})) << "only exclusions: the rest stays";
}

// ------------------------------------------------------------ expected failures

TEST(ConfExpectedFailures, ParsesCommentsAndBlankLines)
{
    const auto l = parse_expected_failures("# comment\n\n  a.b | NVMe Base 2.0 3.1.3 | reserved bits kept \n"
                                           "c.d|PCIe 5.0 7.5.2.2|no D3\r\n");
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l.at("a.b").section, "NVMe Base 2.0 3.1.3");
    EXPECT_EQ(l.at("a.b").reason, "reserved bits kept");
    EXPECT_EQ(l.at("a.b").line, 3);
    EXPECT_EQ(l.at("c.d").reason, "no D3");
}

TEST(ConfExpectedFailures, RefusesMalformedAndRepeatedLines)
{
    EXPECT_THROW(parse_expected_failures("a.b | only a section\n"), nvmetest::UsageError);
    EXPECT_THROW(parse_expected_failures("a.b |  | reason\n"), nvmetest::UsageError);
    try {
        parse_expected_failures("a.b | s | r\n\na.b | s | again\n");
        FAIL() << "a repeated case was accepted";
    } catch (const nvmetest::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
    }
}

TEST(ConfExpectedFailures, MustNameCasesWithTheirSections)
{
    const auto cases = sample();
    EXPECT_NO_THROW(check_expected_failures(parse_expected_failures("admin.ok | NVMe Base 2.0 5.17 | r\n"), cases));
    EXPECT_THROW(check_expected_failures(parse_expected_failures("admin.gone | NVMe Base 2.0 5.17 | r\n"), cases),
                 nvmetest::UsageError);
    EXPECT_THROW(check_expected_failures(parse_expected_failures("admin.ok | NVMe Base 2.0 5.18 | r\n"), cases),
                 nvmetest::UsageError);
}

// -------------------------------------------------------------- the pack

TEST(ConfPack, CasesAreValidAndMany)
{
    const auto cases = all_cases();  // validates ids, groups, sections
    EXPECT_GE(cases.size(), 150u);
    std::size_t mandatory = 0, destructive = 0;
    for (const auto& c : cases) {
        mandatory += c.info.level == Level::kMandatory;
        destructive += c.info.destructive;
        EXPECT_TRUE(c.info.section.rfind("NVMe Base 2.0 ", 0) == 0 || c.info.section.rfind("NVM CS 1.0 ", 0) == 0 ||
                    c.info.section.rfind("PCIe 5.0 ", 0) == 0 || c.info.section.rfind("ZNS CS 1.1", 0) == 0)
            << c.info.id << " cites " << c.info.section;
    }
    EXPECT_GT(mandatory, 100u);
    EXPECT_GT(destructive, 5u);
    std::vector<Case> twice = {cases[0], cases[0]};
    EXPECT_THROW(validate(twice), std::logic_error);
    std::vector<Case> stranger = {fake("nogroup.x", [](Context&) {})};
    EXPECT_THROW(validate(stranger), std::logic_error);
}

TEST(ConfPack, QemuListMatchesTheCases)
{
    std::ifstream in(NVMETEST_CONF_QEMU_XFAIL);
    ASSERT_TRUE(in) << NVMETEST_CONF_QEMU_XFAIL;
    std::stringstream s;
    s << in.rdbuf();
    const auto list = parse_expected_failures(s.str());
    EXPECT_GE(list.size(), 10u);
    EXPECT_NO_THROW(check_expected_failures(list, all_cases()));
}

std::string slurp(const char* path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(ConfPack, DocsListEveryCaseAndDeviation)
{
    const auto doc = slurp(NVMETEST_CONF_DOC);
    ASSERT_FALSE(doc.empty()) << NVMETEST_CONF_DOC;
    for (const auto& c : all_cases())
        EXPECT_NE(doc.find("| `" + c.info.id + "` | " + std::string(to_string(c.info.level)) + " | " + c.info.section +
                           " |"),
                  std::string::npos)
            << c.info.id << " is not in docs/conformance.md's case tables (or with another level or section)";
    for (const auto& [id, e] : parse_expected_failures(slurp(NVMETEST_CONF_QEMU_XFAIL)))
        EXPECT_NE(doc.find("| `" + id + "` | " + e.section + " | " + e.reason + " |"), std::string::npos)
            << id << " is not in docs/conformance.md's table of QEMU's deviations";
}

// ------------------------------------------------------------------ context

TEST(ConfContext, StatusChecksWithDnrAndAlternatives)
{
    Context c;
    EXPECT_NO_THROW(c.expect_status(cqe_with(nvmetest::nvme::make_status(0, 2, true)), st::kInvalidField, "a",
                                    Dnr::kSet));
    EXPECT_THROW(c.expect_status(cqe_with(nvmetest::nvme::make_status(0, 2, false)), st::kInvalidField, "b",
                                 Dnr::kSet),
                 CaseFailed);
    EXPECT_EQ(c.checks().back().expected, "00/02 Invalid Field in Command, DNR");
    EXPECT_EQ(c.checks().back().actual, "00/02 Invalid Field in Command");
    EXPECT_NO_THROW(c.expect_status_any(cqe_with(st::kPrpOffsetInvalid), {st::kInvalidField, st::kPrpOffsetInvalid}, "c"));
    EXPECT_THROW(c.expect_status_any(cqe_with(st::kSuccess), {st::kInvalidField, st::kPrpOffsetInvalid}, "d"),
                 CaseFailed);
    EXPECT_EQ(c.checks().back().expected, "00/02 Invalid Field in Command or 00/13 PRP Offset Invalid");
    Cqe timed_out{};
    timed_out.dw[2] = timed_out.dw[3] = 0xffffffffu;
    EXPECT_THROW(c.expect_success(timed_out, "e"), CaseFailed);
    EXPECT_EQ(c.checks().back().actual, "no completion (timed out)");
    EXPECT_THROW(c.expect_eq("f", 1, 2), CaseFailed);
    EXPECT_EQ(c.checks().back().expected, "0x1");
    EXPECT_EQ(c.checks().back().actual, "0x2");
    EXPECT_THROW(c.nvme(), nvmetest::UsageError) << "the bare context has no device";
    EXPECT_THROW(c.not_applicable("why"), NotApplicable);
}

// ------------------------------------------------------------------ reports

std::vector<CaseResult> sample_results()
{
    auto cases = sample();
    cases[1].info.title = "title with <markup> & \"quotes\"";
    auto r = run(cases, {});
    for (auto& x : r)
        if (x.info.id == "admin.ok")
            x.commands = {"Identify (06) sqid:0 cid:4", "Successful Completion (00/00) sqid:0 cid:4"};
    return r;
}

RunInfo info(std::string model = "")
{
    RunInfo i;
    i.device = "0000:01:00.0";
    i.model = std::move(model);
    return i;
}

TEST(ConfReport, JunitHasSuitesFailuresAndSkips)
{
    const auto x = report_junit(sample_results(), info());
    EXPECT_NE(x.find("<testsuites name=\"nvmetest-conformance\" tests=\"6\" failures=\"2\" skipped=\"2\""),
              std::string::npos) << x;
    EXPECT_NE(x.find("<testsuite name=\"Admin Command Set\" tests=\"2\" failures=\"1\""), std::string::npos) << x;
    EXPECT_NE(x.find("name=\"admin.bad\""), std::string::npos);
    EXPECT_NE(x.find("<failure message=\"Identify &lt;CNS FFh&gt;: expected"), std::string::npos) << x;
    EXPECT_NE(x.find("<skipped message=\"not applicable: ONCS bit 5 is 0\"/>"), std::string::npos) << x;
    EXPECT_NE(x.find("Identify (06) sqid:0 cid:4"), std::string::npos) << "the cmdlog is in system-out";
    EXPECT_EQ(x.find("<CNS"), std::string::npos) << "unescaped markup";
}

TEST(ConfReport, HtmlIsSelfContainedAndEscaped)
{
    const auto h = report_html(sample_results(), info("QEMU <NVMe> Ctrl"));
    EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(h.find("<script"), std::string::npos);
    EXPECT_EQ(h.find("http"), std::string::npos) << "no network references";
    EXPECT_NE(h.find("QEMU &lt;NVMe&gt; Ctrl"), std::string::npos);
    EXPECT_NE(h.find("title with &lt;markup&gt; &amp; &quot;quotes&quot;"), std::string::npos);
    EXPECT_NE(h.find("<details open id=\"admin.bad\">"), std::string::npos) << "failed cases are open";
    EXPECT_NE(h.find("<details id=\"admin.ok\">"), std::string::npos);
    EXPECT_NE(h.find("NVMe Base 2.0 5.17"), std::string::npos);
    EXPECT_NE(h.find("00/02 Invalid Field in Command"), std::string::npos) << "expected status";
    EXPECT_NE(h.find("00/01 Invalid Command Opcode"), std::string::npos) << "actual status";
    EXPECT_NE(h.find("Successful Completion (00/00) sqid:0 cid:4"), std::string::npos) << "commands";
    EXPECT_NE(h.find("id=\"group-nvm\""), std::string::npos);
}

TEST(ConfReport, JsonCarriesEveryResult)
{
    const auto j = report_json(sample_results(), info());
    EXPECT_EQ(j.front(), '{');
    EXPECT_NE(j.find("\"id\":\"admin.bad\""), std::string::npos);
    EXPECT_NE(j.find("\"outcome\":\"not applicable\""), std::string::npos);
    EXPECT_NE(j.find("\"title\":\"title with <markup> & \\\"quotes\\\"\""), std::string::npos) << j;
    EXPECT_NE(j.find("\"total\":{\"group\":\"total\",\"name\":\"Total\",\"passed\":2,\"failed\":2,"
                     "\"not_applicable\":1,\"skipped\":1"),
              std::string::npos) << j;
}

TEST(ConfReport, TextSummaryAndLines)
{
    const auto r = sample_results();
    const auto s = summary_text(r);
    EXPECT_NE(s.find("Admin Command Set (admin)"), std::string::npos) << s;
    EXPECT_NE(s.find("total"), std::string::npos);
    const auto f = failure_line(by_id(r, "admin.bad"));
    EXPECT_EQ(f.rfind("FAIL  admin.bad (NVMe Base 2.0 5.17): ", 0), 0u) << f;
    GroupSummary g;
    g.passed = 3;
    g.failed = 1;
    const auto p = progress_line(4, 10, "admin.identify.x", g);
    EXPECT_EQ(p.rfind("[  5/10] admin.identify.x", 0), 0u) << p;
    EXPECT_NE(p.find("3 passed, 1 failed, 0 n/a"), std::string::npos) << p;
}

// ------------------------------------------------------------------ command line

TEST(ConfCli, OptionsAndEnvironment)
{
    const std::vector<std::string> a = {"--pciaddr", "01:00.0", "--filter", "admin.,nvm.read", "--filter=-x",
                                        "--destructive", "--junit", "j.xml", "--html=-", "-v"};
    const auto c = parse(a);
    EXPECT_EQ(c.pciaddr, "01:00.0");
    EXPECT_EQ(c.filters, (std::vector<std::string>{"admin.", "nvm.read", "-x"}));
    EXPECT_TRUE(c.destructive);
    EXPECT_EQ(c.junit_path, "j.xml");
    EXPECT_EQ(c.html_path, "-");
    EXPECT_TRUE(c.verbose);
    EXPECT_EQ(parse(std::vector<std::string>{}, "", "0000:02:00.0").pciaddr, "0000:02:00.0");
    EXPECT_EQ(parse(std::vector<std::string>{}, "0000:03:00.0", "0000:02:00.0").pciaddr, "0000:03:00.0");
}

TEST(ConfCli, Refusals)
{
    using V = std::vector<std::string>;
    EXPECT_THROW(parse(V{}), nvmetest::UsageError) << "no device";
    EXPECT_NO_THROW(parse(V{"--list"})) << "listing needs no device";
    EXPECT_THROW(parse(V{"--pciaddr", "1:0.0", "--bogus"}), nvmetest::UsageError);
    EXPECT_THROW(parse(V{"--pciaddr", "1:0.0", "--junit"}), nvmetest::UsageError);
    EXPECT_THROW(parse(V{"--pciaddr", "1:0.0", "--destructive=yes"}), nvmetest::UsageError);
    EXPECT_THROW(parse(V{"--pciaddr", "1:0.0", "--json", "-", "--html", "-"}), nvmetest::UsageError);
}

}  // namespace
