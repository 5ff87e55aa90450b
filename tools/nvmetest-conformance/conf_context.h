// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-conformance: what a case body works with.  The base class records
// the checks and needs no device (the unit tests run cases on it); the device
// context (conf_device.h) adds the Pcie, a Controller made fresh for each case,
// namespace 1 and an I/O queue pair.
//
//   ctx.expect_status(cqe, status::kInvalidField, "Identify CNS FFh", Dnr::kSet);
//   ctx.require(oncs & 4, "Identify Controller ONCS bit 2 (Dataset Management) is 0");
#ifndef NVMETEST_CONF_CONTEXT_H
#define NVMETEST_CONF_CONTEXT_H

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "conf_case.h"
#include "nvmetest/nvme/command.h"

namespace nvmetest {
class Pcie;
class Controller;
class Namespace;
class Qpair;
}  // namespace nvmetest

namespace nvmetest::conf {

// Whether a status check also asserts Do Not Retry.
enum class Dnr { kAny, kSet, kClear };

// "00/02 Invalid Field in Command, DNR": SCT/SC, name, and DNR when asked.
std::string describe_status(std::uint16_t sct_sc, Dnr dnr);

class Context {
public:
    Context() = default;
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    virtual ~Context();

    // ------------------------------------------------ the device (conf_device.h)
    // The base class has none: each throws nvmetest::UsageError.
    virtual Pcie& pcie();
    // The case's controller, initialized (PyNVMe3's default initialization) on
    // first use.
    virtual Controller& nvme();
    // Drops the controller (its destructor disables it), so that the next
    // nvme() initializes a new one: for cases that left it disabled or changed.
    virtual void renew_controller();
    virtual Namespace& ns();
    // An I/O queue pair of 64 entries, made on first use.
    virtual Qpair& qpair();
    // What the case sent, decoded, oldest first (the runner calls it at the end).
    virtual std::vector<std::string> commands() const;
    // Whether --destructive was given (destructive cases only run then).
    virtual bool destructive() const { return false; }

    // --------------------------------------------------------------- checks
    // Each records a Check; a failed one throws CaseFailed (the case ends).
    void expect_status(const nvme::Cqe& cqe, std::uint16_t sct_sc, const std::string& what,
                       Dnr dnr = Dnr::kAny);
    // Any of several statuses is conformant (the specification lets the
    // controller choose which of two violated rules it reports).
    void expect_status_any(const nvme::Cqe& cqe, std::initializer_list<std::uint16_t> allowed,
                           const std::string& what, Dnr dnr = Dnr::kAny);
    void expect_success(const nvme::Cqe& cqe, const std::string& what);
    void expect_eq(const std::string& what, std::uint64_t expected, std::uint64_t actual);
    void expect_true(const std::string& what, bool ok, const std::string& expected,
                     const std::string& actual);
    // Records a fact for the report without judging it.
    void note(const std::string& what, const std::string& value);

    // The DUT lacks an optional feature: the case is "not applicable" and why
    // names the field that says so.
    [[noreturn]] void not_applicable(const std::string& why);
    void require(bool supported, const std::string& why_not)
    {
        if (!supported)
            not_applicable(why_not);
    }

    const std::vector<Check>& checks() const noexcept { return checks_; }

private:
    void record(Check c);
    std::vector<Check> checks_;
};

std::string hex(std::uint64_t v);

}  // namespace nvmetest::conf

#endif  // NVMETEST_CONF_CONTEXT_H
