// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/bdf.h"

#include <cstdio>

#include "nvmetest/errors.h"
#include "nvmetest/hex_digit.h"

namespace nvmetest {
namespace {

// Parses 1..max_digits hex digits from the front of s; advances s.
std::optional<std::uint32_t> take_hex(std::string_view& s, std::size_t max_digits)
{
    std::uint32_t v = 0;
    std::size_t n = 0;
    while (n < s.size() && n < max_digits + 1) {
        const int d = hex_digit_value(s[n]);
        if (d < 0)
            break;
        v = v * 16 + static_cast<std::uint32_t>(d);
        ++n;
    }
    if (n == 0 || n > max_digits)
        return std::nullopt;
    s.remove_prefix(n);
    return v;
}

bool take_char(std::string_view& s, char c)
{
    if (s.empty() || s.front() != c)
        return false;
    s.remove_prefix(1);
    return true;
}

}  // namespace

std::optional<Bdf> Bdf::parse(std::string_view text) noexcept
{
    // Count the colons to tell "dddd:bb:dd.f" from "bb:dd.f".
    std::size_t colons = 0;
    for (char c : text)
        colons += (c == ':');
    if (colons != 1 && colons != 2)
        return std::nullopt;

    std::string_view s = text;
    Bdf b;
    if (colons == 2) {
        auto dom = take_hex(s, 8);
        if (!dom || !take_char(s, ':'))
            return std::nullopt;
        b.domain = *dom;
    }
    auto bus = take_hex(s, 2);
    if (!bus || !take_char(s, ':'))
        return std::nullopt;
    auto dev = take_hex(s, 2);
    if (!dev || *dev > 0x1f || !take_char(s, '.'))
        return std::nullopt;
    auto fn = take_hex(s, 1);
    if (!fn || *fn > 7 || !s.empty())
        return std::nullopt;
    b.bus = static_cast<std::uint8_t>(*bus);
    b.device = static_cast<std::uint8_t>(*dev);
    b.function = static_cast<std::uint8_t>(*fn);
    return b;
}

Bdf Bdf::from_string(std::string_view text)
{
    if (auto b = parse(text))
        return *b;
    throw UsageError("'" + std::string(text) +
                     "' is not a PCI address: write it as lspci -D shows it, "
                     "e.g. 0000:01:00.0 (or 01:00.0 for domain 0)");
}

std::string Bdf::to_string() const
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", domain, bus, device, function);
    return buf;
}

}  // namespace nvmetest
