// SPDX-License-Identifier: BSD-3-Clause
//
// GoogleTest fixtures equivalent to PyNVMe3's pytest fixtures.  A test derived
// from one of the classes below has the fixtures as members, constructed in
// this order for each test and destroyed in reverse (so a Qpair always goes
// before its Controller, also when the test fails or throws):
//
//   class            members (PyNVMe3 fixture names)
//   PcieTest         pcie
//   Nvme0Test        + nvme0
//   Nvme0n1Test      + nvme0n1
//   QpairTest        + qpair (depth 64), buf (4096 bytes)
//   VerifyTest       QpairTest + verify (data verification on nvme0n1)
//   IdCtrlTest       Nvme0Test + id_ctrl (nvme::IdentifyController)
//   IdNsTest         Nvme0n1Test + id_ns (nvme::IdentifyNamespace of nvme0n1)
//   AerTest          Nvme0Test + aer (AerRecorder: dword 0 of every AER)
//   SubsystemTest    Nvme0Test + subsystem (default power control)
//   NvmeTest         QpairTest + subsystem, id_ctrl, id_ns, aer
//
//   using nvmetest::testing::QpairTest;
//   TEST_F(QpairTest, WriteLba0) { nvme0n1.write(qpair, buf, 0).waitdone(); }
//
// The DUT: --pciaddr=BDF on the command line (parsed by nvmetest::testing::main
// or parse_args), else $NVMETEST_PCIADDR, else $NVMETEST_DUT (the VM harness).
// --seed=N sets the random seed; without it one is chosen.  Every test starts
// with nvmetest::srand(seed) and prints "[ SEED     ] N", so one test replays
// alone with --seed=N --gtest_filter=...
// Header-only, so that libnvmetest does not depend on GoogleTest.
#ifndef NVMETEST_FIXTURES_H
#define NVMETEST_FIXTURES_H

#include "nvmetest/cxx20.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nvmetest/buffer.h"
#include "nvmetest/controller.h"
#include "nvmetest/errors.h"
#include "nvmetest/gtest_warnings.h"
#include "nvmetest/namespace.h"
#include "nvmetest/nvme/identify.h"
#include "nvmetest/nvme/identify_ns.h"
#include "nvmetest/pcie.h"
#include "nvmetest/qpair.h"
#include "nvmetest/random.h"
#include "nvmetest/subsystem.h"

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

inline std::optional<std::uint64_t>& seed_option()
{
    static std::optional<std::uint64_t> seed;
    return seed;
}

// Takes --pciaddr=BDF and --seed=N (decimal or 0x hex) out of argv (call after
// ::testing::InitGoogleTest).  A malformed seed is a UsageError.
inline void parse_args(int& argc, char** argv)
{
    int out = 1;
    for (int i = 1; i < argc; i++) {
        if (std::strncmp(argv[i], "--pciaddr=", 10) == 0) {
            pciaddr_option() = argv[i] + 10;
        } else if (std::strncmp(argv[i], "--seed=", 7) == 0) {
            char* end = nullptr;
            errno = 0;
            const unsigned long long v = std::strtoull(argv[i] + 7, &end, 0);
            if (argv[i][7] == '\0' || *end != '\0' || errno != 0)
                throw UsageError(std::string("--seed wants a number, got \"") + (argv[i] + 7) +
                                 "\"");
            seed_option() = v;
        } else {
            argv[out++] = argv[i];
        }
    }
    argc = out;
}

// The seed every test of this run starts from: --seed, else one chosen (and
// logged) by nvmetest::seed() on first use.
inline std::uint64_t test_seed()
{
    static const std::uint64_t s = seed_option() ? *seed_option() : nvmetest::seed();
    return s;
}

// Seeds the library's random numbers at each test's start and logs the seed.
class SeedListener : public ::testing::EmptyTestEventListener {
public:
    void OnTestStart(const ::testing::TestInfo&) override
    {
        const std::uint64_t s = test_seed();
        nvmetest::srand(s);
        std::printf("[ SEED     ] %" PRIu64 " (--seed=%" PRIu64 " replays this test)\n", s, s);
        std::fflush(stdout);
    }
};

// Appends a SeedListener (GoogleTest owns it).  Call once, before RUN_ALL_TESTS().
inline void install_seed_listener()
{
    ::testing::UnitTest::GetInstance()->listeners().Append(new SeedListener);
}

struct MainOptions {
    // A warning that no EXPECT_WARNS caught fails the test.  Off by default, as
    // in PyNVMe3, where a warning is only reported; nvmetest's own device tests
    // turn it on, so that an error status or a timeout nobody expected cannot
    // pass unnoticed.
    bool fail_on_unexpected_warnings = false;
};

// A main() for device test programs: GoogleTest, --pciaddr, --seed, the seed
// logged and set at each test's start, and the listener that lists warnings
// a test did not expect (and with opts.fail_on_unexpected_warnings, or in
// fatal mode, fails the test for them).
inline int main(int argc, char** argv, MainOptions opts = {})
{
    ::testing::InitGoogleTest(&argc, argv);
    try {
        parse_args(argc, argv);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
    install_seed_listener();
    install_warning_listener(opts.fail_on_unexpected_warnings);
    return RUN_ALL_TESTS();
}

// Identify Controller of nvme0, read now (PyNVMe3's id_ctrl fixture).
inline nvme::IdentifyController identify_controller(Controller& nvme0)
{
    Buffer b(4096);
    nvme0.identify(b).waitdone();
    return nvme::IdentifyController::from_bytes(b.bytes());
}

// Identify Namespace of nsid, read now (PyNVMe3's id_ns fixture).
inline nvme::IdentifyNamespace identify_namespace(Controller& nvme0, std::uint32_t nsid = 1)
{
    Buffer b(4096);
    nvme0.identify(b, nsid, 0).waitdone();
    return nvme::IdentifyNamespace::from_bytes(b.bytes());
}

// PyNVMe3's aer fixture: an AER callback that records dword 0 of every AER
// completion (the controller also warns "AER notification is triggered"; wrap
// the command that reaps it in EXPECT_WARNS).  AERs are reaped while the admin
// queue is polled, e.g. by nvme0.getfeatures(7).waitdone().  As in Python,
// aer(cb) gives the test's own callback, called with the CQE after the
// recording.  Unregisters its callback when it goes.
class AerRecorder {
public:
    explicit AerRecorder(Controller& nvme0) : nvme0_(&nvme0)
    {
        nvme0.register_aer_cb([this](const nvme::Cqe& cqe) {
            dword0_.push_back(cqe.dw[0]);
            if (script_cb_)
                script_cb_(cqe);
        });
    }
    ~AerRecorder()
    {
        try {
            nvme0_->register_aer_cb({});
        } catch (...) {
            // the controller is already gone (e.g. powered off)
        }
    }
    AerRecorder(const AerRecorder&) = delete;
    AerRecorder& operator=(const AerRecorder&) = delete;

    // dword 0 of each AER completion, oldest first.
    const std::vector<std::uint32_t>& dword0() const noexcept { return dword0_; }
    std::size_t count() const noexcept { return dword0_.size(); }
    void clear() noexcept { dword0_.clear(); }

    // Python's aer(cb): cb runs on every later AER completion (an empty
    // callback removes it).
    void operator()(Callback cb) { script_cb_ = std::move(cb); }

private:
    Controller* nvme0_;
    std::vector<std::uint32_t> dword0_;
    Callback script_cb_;
};

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

// PyNVMe3's verify fixture: data verification on nvme0n1 for the test (see
// Namespace::verify_enable); off again at its end.  `if (!verify)` tells that
// the memory check refused it.  Usable beside any fixture:
//   nvmetest::testing::Verify verify{nvme0n1};
class Verify {
public:
    explicit Verify(Namespace& ns) : ns_(ns), on_(ns.verify_enable(true)) {}
    ~Verify()
    {
        try {
            ns_.verify_enable(false);
        } catch (...) {
            // the Namespace was closed by the test: nothing left to turn off
        }
    }
    Verify(const Verify&) = delete;
    Verify& operator=(const Verify&) = delete;
    explicit operator bool() const noexcept { return on_; }

private:
    Namespace& ns_;
    bool on_;
};

// QpairTest with the verify fixture.
class VerifyTest : public QpairTest {
protected:
    Verify verify{nvme0n1};
};

class IdCtrlTest : public Nvme0Test {
protected:
    nvme::IdentifyController id_ctrl = identify_controller(nvme0);
};

class IdNsTest : public Nvme0n1Test {
protected:
    nvme::IdentifyNamespace id_ns = identify_namespace(nvme0, nvme0n1.nsid());
};

class AerTest : public Nvme0Test {
protected:
    AerRecorder aer{nvme0};
};

// subsystem: default power control (QMP in the VM, S3 on a host).  After a
// QMP power cycle nvme0 and pcie are new objects in the same members; make
// Namespaces, Qpairs and Buffers again.
class SubsystemTest : public Nvme0Test {
protected:
    Subsystem subsystem{nvme0, pcie};
};

// Every fixture at once.
class NvmeTest : public QpairTest {
protected:
    Subsystem subsystem{nvme0, pcie};
    nvme::IdentifyController id_ctrl = identify_controller(nvme0);
    nvme::IdentifyNamespace id_ns = identify_namespace(nvme0, nvme0n1.nsid());
    AerRecorder aer{nvme0};
};

}  // namespace nvmetest::testing

#endif  // NVMETEST_FIXTURES_H
