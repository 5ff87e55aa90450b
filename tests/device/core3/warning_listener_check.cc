// SPDX-License-Identifier: BSD-3-Clause
// Run by ctest (tests/device/core3/CMakeLists.txt) with the device programs'
// main.cc and no device: the Unexpected test must make the program fail, the
// Expected ones must pass.  This is what keeps an error status or a timeout no
// test expected from passing unnoticed in the device tests.
#include <nvmetest/gtest_warnings.h>
#include <nvmetest/warnings.h>

#include <string>

TEST(WarningListener, Unexpected)
{
    nvmetest::warn("ERROR status: 00/02 (stands for a status no test expected)");
}

TEST(WarningListener, Expected)
{
    EXPECT_WARNS(nvmetest::warn("ERROR status: 00/02 (an expected one)"), "ERROR status: 00/02");
}

// Every warning that matches is the expected one (many commands timing out).
TEST(WarningListener, ExpectedRepeatedly)
{
    EXPECT_WARNS(
        {
            for (int cid = 0; cid < 3; cid++)
                nvmetest::warn("timeout: cid " + std::to_string(cid));
        },
        "timeout");
}
