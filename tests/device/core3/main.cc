// SPDX-License-Identifier: BSD-3-Clause
// main() of this repository's device test programs: as a user's, except that a
// warning no EXPECT_WARNS states (an error status, a timeout, an AER) fails the
// test that raised it.
#include <nvmetest/fixtures.h>

int main(int argc, char** argv)
{
    return nvmetest::testing::main(argc, argv, {.fail_on_unexpected_warnings = true});
}
