// SPDX-License-Identifier: BSD-3-Clause
#include "io_run.h"

int main(int argc, char** argv) { return nvmetest::io::main_entry(argc, argv); }
