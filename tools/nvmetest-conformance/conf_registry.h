// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-conformance: the groups, the cases of every group, the --filter
// rule and the expected-failure list.  Device-free.
#ifndef NVMETEST_CONF_REGISTRY_H
#define NVMETEST_CONF_REGISTRY_H

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conf_case.h"

namespace nvmetest::conf {

// A group of cases, in the order (and with the names) of the UNH-IOL "Test
// Plan for NVM Command Set Conformance"; pcie and zns are this pack's own.
struct GroupInfo {
    std::string_view key;   // the first word of its cases' ids
    std::string_view name;  // "Admin Command Set"
};
std::span<const GroupInfo> groups() noexcept;
// nullptr when unknown.
const GroupInfo* find_group(std::string_view key) noexcept;

// Every case of the pack, in group order.  Throws std::logic_error when two
// cases share an id or a case names an unknown group (a programming error).
std::vector<Case> all_cases();
// One function per case file (cases_*.cpp).
void add_admin_cases(std::vector<Case>& out);
void add_queue_cases(std::vector<Case>& out);
void add_format_cases(std::vector<Case>& out);
void add_nvm_cases(std::vector<Case>& out);
void add_features_cases(std::vector<Case>& out);
void add_registers_cases(std::vector<Case>& out);
void add_memory_cases(std::vector<Case>& out);
void add_arch_cases(std::vector<Case>& out);
void add_reservations_cases(std::vector<Case>& out);
void add_power_cases(std::vector<Case>& out);
void add_metadata_cases(std::vector<Case>& out);
void add_nsmgmt_cases(std::vector<Case>& out);
void add_pcie_cases(std::vector<Case>& out);
void add_zns_cases(std::vector<Case>& out);

// Checks a list of cases: ids unique, groups known.  std::logic_error otherwise.
void validate(const std::vector<Case>& cases);

// --filter: a case is selected when its id matches any pattern.  A pattern
// with a shell wildcard (* ? [) is matched against the whole id (fnmatch);
// one without is a substring of the id ("identify" selects every Identify
// case, "admin." the admin group).  A pattern starting with '-' deselects
// (applied after the others); no positive pattern selects everything.
bool selected(std::string_view id, const std::vector<std::string>& patterns);

// An entry of the expected-failure list: the case fails on this DUT for a
// known reason.
struct ExpectedFailure {
    std::string section;
    std::string reason;
    int line = 0;
};
using ExpectedFailures = std::map<std::string, ExpectedFailure, std::less<>>;
// One entry per line: "case-id | spec section | reason"; blank lines and lines
// starting with '#' are ignored.  Throws UsageError naming the line for a
// malformed or repeated entry.
ExpectedFailures parse_expected_failures(std::string_view text);
// Every entry must name a case of the pack, with that case's section:
// UsageError otherwise, so that the list cannot rot.
void check_expected_failures(const ExpectedFailures& list, const std::vector<Case>& cases);

}  // namespace nvmetest::conf

#endif  // NVMETEST_CONF_REGISTRY_H
