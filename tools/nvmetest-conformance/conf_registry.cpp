// SPDX-License-Identifier: BSD-3-Clause
#include "conf_registry.h"

#include <fnmatch.h>

#include <array>
#include <set>
#include <stdexcept>

#include "nvmetest/errors.h"

namespace nvmetest::conf {
namespace {

constexpr std::array kGroups{
    GroupInfo{"admin", "Admin Command Set"},
    GroupInfo{"nvm", "NVM Command Set"},
    GroupInfo{"features", "NVM Features"},
    GroupInfo{"registers", "Controller Registers"},
    GroupInfo{"memory", "System Memory Structures"},
    GroupInfo{"arch", "Controller Architecture"},
    GroupInfo{"reservations", "Reservations"},
    GroupInfo{"power", "Power Management"},
    GroupInfo{"metadata", "Metadata and End-to-end Protection"},
    GroupInfo{"nsmgmt", "Namespace Management"},
    GroupInfo{"pcie", "PCI Express"},
    GroupInfo{"zns", "Zoned Namespaces"},
};

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool matches(std::string_view id, std::string_view pattern)
{
    if (pattern.find_first_of("*?[") == std::string_view::npos)
        return id.find(pattern) != std::string_view::npos;
    return ::fnmatch(std::string(pattern).c_str(), std::string(id).c_str(), 0) == 0;
}

}  // namespace

std::span<const GroupInfo> groups() noexcept { return kGroups; }

const GroupInfo* find_group(std::string_view key) noexcept
{
    for (const auto& g : kGroups)
        if (g.key == key)
            return &g;
    return nullptr;
}

std::string_view group_key(std::string_view id) noexcept { return id.substr(0, id.find('.')); }

void validate(const std::vector<Case>& cases)
{
    std::set<std::string_view> ids;
    for (const auto& c : cases) {
        if (!ids.insert(c.info.id).second)
            throw std::logic_error("two conformance cases named " + c.info.id);
        if (!find_group(group_key(c.info.id)))
            throw std::logic_error("conformance case " + c.info.id + " names an unknown group");
        if (c.info.section.empty() || c.info.title.empty() || !c.body)
            throw std::logic_error("conformance case " + c.info.id + " lacks a section, title or body");
    }
}

std::vector<Case> all_cases()
{
    std::vector<Case> out;
    add_admin_cases(out);
    add_queue_cases(out);
    add_format_cases(out);
    add_nvm_cases(out);
    add_features_cases(out);
    add_registers_cases(out);
    add_memory_cases(out);
    add_arch_cases(out);
    add_reservations_cases(out);
    add_power_cases(out);
    add_metadata_cases(out);
    add_nsmgmt_cases(out);
    add_pcie_cases(out);
    add_zns_cases(out);
    validate(out);
    return out;
}

bool selected(std::string_view id, const std::vector<std::string>& patterns)
{
    bool any_positive = false, in = false;
    for (const auto& p : patterns) {
        if (!p.empty() && p.front() == '-')
            continue;
        any_positive = true;
        in = in || matches(id, p);
    }
    if (!any_positive)
        in = true;
    for (const auto& p : patterns)
        if (!p.empty() && p.front() == '-' && matches(id, std::string_view(p).substr(1)))
            in = false;
    return in;
}

ExpectedFailures parse_expected_failures(std::string_view text)
{
    ExpectedFailures out;
    int lineno = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++lineno;
        line = trim(line);
        if (line.empty() || line.front() == '#')
            continue;
        const auto bar1 = line.find('|');
        const auto bar2 = bar1 == std::string_view::npos ? bar1 : line.find('|', bar1 + 1);
        const auto where = "expected-failure list, line " + std::to_string(lineno) + ": ";
        if (bar2 == std::string_view::npos)
            throw UsageError(where + "expected \"case-id | spec section | reason\"");
        const std::string id(trim(line.substr(0, bar1)));
        ExpectedFailure e{std::string(trim(line.substr(bar1 + 1, bar2 - bar1 - 1))),
                          std::string(trim(line.substr(bar2 + 1))), lineno};
        if (id.empty() || e.section.empty() || e.reason.empty())
            throw UsageError(where + "the case id, the section and the reason must not be empty");
        if (!out.emplace(id, std::move(e)).second)
            throw UsageError(where + id + " is listed twice");
    }
    return out;
}

void check_expected_failures(const ExpectedFailures& list, const std::vector<Case>& cases)
{
    for (const auto& [id, e] : list) {
        const Case* found = nullptr;
        for (const auto& c : cases)
            if (c.info.id == id)
                found = &c;
        const auto where = "expected-failure list, line " + std::to_string(e.line) + ": ";
        if (!found)
            throw UsageError(where + "no case named " + id);
        if (found->info.section != e.section)
            throw UsageError(where + id + " checks " + found->info.section + ", not " + e.section);
    }
}

}  // namespace nvmetest::conf
