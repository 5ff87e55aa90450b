// SPDX-License-Identifier: BSD-3-Clause
#include "conf_context.h"

#include <cstdio>

#include "nvmetest/errors.h"
#include "nvmetest/nvme/status.h"

namespace nvmetest::conf {

std::string hex(std::uint64_t v)
{
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string describe_status(std::uint16_t sct_sc, Dnr dnr)
{
    const auto sct = static_cast<std::uint8_t>((sct_sc >> 8) & 7);
    const auto sc = static_cast<std::uint8_t>(sct_sc & 0xff);
    char code[8];
    std::snprintf(code, sizeof code, "%02x/%02x", sct, sc);
    std::string s = std::string(code) + " " + nvme::status_name(sct, sc);
    if (dnr == Dnr::kSet)
        s += ", DNR";
    else if (dnr == Dnr::kClear)
        s += ", not DNR";
    return s;
}

namespace {

// The actual status as the report shows it: SCT/SC, name, DNR and More when set.
std::string actual_status(const nvme::Cqe& cqe)
{
    if (cqe.dw[3] == 0xffffffffu && cqe.dw[2] == 0xffffffffu)
        return "no completion (timed out)";
    std::string s = describe_status(cqe.status() & 0x7ff, Dnr::kAny);
    if (cqe.dnr())
        s += ", DNR";
    if (cqe.more())
        s += ", More";
    return s;
}

bool dnr_ok(const nvme::Cqe& cqe, Dnr dnr)
{
    return dnr == Dnr::kAny || cqe.dnr() == (dnr == Dnr::kSet);
}

[[noreturn]] void no_device(const char* what)
{
    throw UsageError(std::string("this context has no device (") + what + ")");
}

}  // namespace

Context::~Context() = default;

Pcie& Context::pcie() { no_device("pcie"); }
Controller& Context::nvme() { no_device("nvme"); }
void Context::renew_controller() { no_device("renew_controller"); }
Namespace& Context::ns() { no_device("ns"); }
Qpair& Context::qpair() { no_device("qpair"); }
std::vector<std::string> Context::commands() const { return {}; }

void Context::record(Check c)
{
    const bool ok = c.ok;
    std::string msg;
    if (!ok)
        msg = c.what + ": expected " + c.expected + ", got " + c.actual;
    checks_.push_back(std::move(c));
    if (!ok)
        throw CaseFailed(msg);
}

void Context::expect_status(const nvme::Cqe& cqe, std::uint16_t sct_sc, const std::string& what,
                            Dnr dnr)
{
    const bool ok = (cqe.status() & 0x7ff) == sct_sc && dnr_ok(cqe, dnr);
    record({what, describe_status(sct_sc, dnr), actual_status(cqe), ok});
}

void Context::expect_status_any(const nvme::Cqe& cqe, std::initializer_list<std::uint16_t> allowed,
                                const std::string& what, Dnr dnr)
{
    std::string expected;
    bool ok = false;
    for (auto st : allowed) {
        if (!expected.empty())
            expected += " or ";
        expected += describe_status(st, Dnr::kAny);
        ok = ok || (cqe.status() & 0x7ff) == st;
    }
    if (dnr == Dnr::kSet)
        expected += ", DNR";
    record({what, expected, actual_status(cqe), ok && dnr_ok(cqe, dnr)});
}

void Context::expect_success(const nvme::Cqe& cqe, const std::string& what)
{
    expect_status(cqe, nvme::status::kSuccess, what);
}

void Context::expect_eq(const std::string& what, std::uint64_t expected, std::uint64_t actual)
{
    record({what, hex(expected), hex(actual), expected == actual});
}

void Context::expect_true(const std::string& what, bool ok, const std::string& expected,
                          const std::string& actual)
{
    record({what, expected, actual, ok});
}

void Context::note(const std::string& what, const std::string& value)
{
    checks_.push_back({what, "(information)", value, true});
}

void Context::not_applicable(const std::string& why) { throw NotApplicable(why); }

}  // namespace nvmetest::conf
