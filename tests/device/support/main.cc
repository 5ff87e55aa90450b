// SPDX-License-Identifier: GPL-2.0
// main() of the device test programs: GoogleTest plus the suite's options.
//   --profile=NAME   the VM profile the program runs under (default:
//                    $NVMETEST_PROFILE, else "default"); tests whose expectation
//                    depends on the topology (IOMMU, edu device) read it.
#include "device.h"

#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <iostream>

namespace {

// Makes sure the DUT is bound to nvmetest before any test runs, so a test
// that left it unbound is reported by that test, not by every later one.
class DutEnvironment : public ::testing::Environment {
public:
    void SetUp() override {
        std::string bdf = devtest::dut_bdf();
        if (bdf.empty()) {
            std::cerr << "warning: NVMETEST_DUT is not set; device tests will fail. "
                         "Run them with tests/vm/nvmetest-vm or ctest -L vm.\n";
            return;
        }
        devtest::ensure_debugfs();
        std::string err = devtest::bind_to_nvmetest(bdf);
        if (!err.empty())
            std::cerr << "warning: " << err << "\n";
    }
};

} // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (const char* p = std::getenv("NVMETEST_PROFILE"); p && *p)
        devtest::set_profile(p);
    for (int i = 1; i < argc; i++) {
        if (std::strncmp(argv[i], "--profile=", 10) == 0) {
            devtest::set_profile(argv[i] + 10);
        } else {
            std::cerr << "unknown option " << argv[i] << "\n";
            return 2;
        }
    }
    ::testing::AddGlobalTestEnvironment(new DutEnvironment);
    return RUN_ALL_TESTS();
}
