// SPDX-License-Identifier: BSD-3-Clause
//
// PCI function addresses ("BDF": domain, bus, device, function).
#ifndef NVMETEST_BDF_H
#define NVMETEST_BDF_H

#include "nvmetest/cxx20.h"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nvmetest {

struct Bdf {
    std::uint32_t domain = 0;
    std::uint8_t bus = 0;
    std::uint8_t device = 0;    // 0..31
    std::uint8_t function = 0;  // 0..7

    // Accepts "0000:01:00.0", "01:00.0" (domain 0) and upper or lower case hex;
    // a domain of up to 8 hex digits (VMD domains have 5).  nullopt otherwise.
    static std::optional<Bdf> parse(std::string_view text) noexcept;

    // Like parse(), but throws UsageError with a sentence showing the format.
    static Bdf from_string(std::string_view text);

    // Canonical sysfs spelling: "0000:01:00.0".
    std::string to_string() const;

    friend auto operator<=>(const Bdf&, const Bdf&) = default;
};

}  // namespace nvmetest

#endif  // NVMETEST_BDF_H
