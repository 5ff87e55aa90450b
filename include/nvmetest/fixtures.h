// SPDX-License-Identifier: BSD-3-Clause
//
// GoogleTest fixtures equivalent to PyNVMe3's pytest fixtures: a test derived
// from nvmetest::testing::QpairTest has members pcie, nvme0, nvme0n1, qpair and
// buf, constructed in that order for each test and destroyed in reverse (so a
// Qpair always goes before its Controller, also when the test fails).
//
//   using nvmetest::testing::QpairTest;
//   TEST_F(QpairTest, WriteLba0) { nvme0n1.write(qpair, buf, 0).waitdone(); }
//
// The DUT: --pciaddr=BDF on the command line (parsed by nvmetest::testing::main
// or parse_args), else $NVMETEST_PCIADDR, else $NVMETEST_DUT (the VM harness).
// Header-only, so that libnvmetest does not depend on GoogleTest.
#ifndef NVMETEST_FIXTURES_H
#define NVMETEST_FIXTURES_H

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "nvmetest/buffer.h"
#include "nvmetest/controller.h"
#include "nvmetest/errors.h"
#include "nvmetest/gtest_warnings.h"
#include "nvmetest/namespace.h"
#include "nvmetest/pcie.h"
#include "nvmetest/qpair.h"

namespace nvmetest::testing {

inline std::string& pciaddr_option()
{
    static std::string addr;
    return addr;
}

// The DUT's address; UsageError when none is given.
inline std::string pciaddr()
{
    if (!pciaddr_option().empty())
        return pciaddr_option();
    for (const char* var : {"NVMETEST_PCIADDR", "NVMETEST_DUT"})
        if (const char* v = std::getenv(var); v && *v)
            return v;
    throw UsageError("no device under test: pass --pciaddr=0000:01:00.0, or set "
                     "NVMETEST_PCIADDR (tests/vm/nvmetest-vm sets NVMETEST_DUT)");
}

// Takes --pciaddr=BDF out of argv (call after ::testing::InitGoogleTest).
inline void parse_args(int& argc, char** argv)
{
    int out = 1;
    for (int i = 1; i < argc; i++) {
        if (std::strncmp(argv[i], "--pciaddr=", 10) == 0)
            pciaddr_option() = argv[i] + 10;
        else
            argv[out++] = argv[i];
    }
    argc = out;
}

// A main() for device test programs: GoogleTest, --pciaddr, and the listener
// that lists warnings a test did not expect.
inline int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    parse_args(argc, argv);
    install_warning_listener();
    return RUN_ALL_TESTS();
}

class PcieTest : public ::testing::Test {
protected:
    Pcie pcie{pciaddr()};
};

class Nvme0Test : public PcieTest {
protected:
    Controller nvme0{pcie};
};

class Nvme0n1Test : public Nvme0Test {
protected:
    Namespace nvme0n1{nvme0};
};

class QpairTest : public Nvme0n1Test {
protected:
    Qpair qpair{nvme0, 64};
    Buffer buf{4096};
};

}  // namespace nvmetest::testing

#endif  // NVMETEST_FIXTURES_H
