// SPDX-License-Identifier: BSD-3-Clause
#include <nvmetest/fixtures.h>

int main(int argc, char** argv) { return nvmetest::testing::main(argc, argv); }
