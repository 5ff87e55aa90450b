// SPDX-License-Identifier: BSD-3-Clause
//
// The value of one hexadecimal digit, for the library's and the tools' parsers
// (PCI addresses, numbers on command lines).
#ifndef NVMETEST_HEX_DIGIT_H
#define NVMETEST_HEX_DIGIT_H

#include "nvmetest/cxx20.h"

namespace nvmetest {

// 0..15 for '0'-'9', 'a'-'f' and 'A'-'F'; -1 for any other character.
constexpr int hex_digit_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static_assert(hex_digit_value('7') == 7 && hex_digit_value('b') == 11 &&
              hex_digit_value('F') == 15 && hex_digit_value('g') == -1);

}  // namespace nvmetest

#endif  // NVMETEST_HEX_DIGIT_H
