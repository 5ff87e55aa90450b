// SPDX-License-Identifier: BSD-3-Clause
// FLR and hot reset of the PCI function while I/O is outstanding, followed by
// Controller::reset() (issue 3: "FLR and hot reset followed by
// Controller::reset()"). The reset may catch any number of the commands
// before QEMU processed them, so the tests hold the library to its accounting
// rather than to a count: every command is either completed, timed out with
// an all-ones CQE, or reported lost by Controller::reset(); nothing hangs; the
// Qpair is back on the device and data written afterwards reads back.
#include <nvmetest/fixtures.h>

#include <chrono>
#include <regex>
#include <string>

namespace {

using nvmetest::Buffer;
using nvmetest::nvme::Cqe;
using nvmetest::testing::QpairTest;

constexpr unsigned kInFlight = 48;  // the fixture's qpair has 64 entries
constexpr std::uint32_t kShortTimeoutMs = 2000;

class ResetInFlightTest : public QpairTest {
protected:
    // Writes of 8 LBAs each, not waited for; the callbacks count the outcomes.
    void submit_writes()
    {
        buf.fill_pattern(0x5a5a5a5a, 32);
        for (unsigned i = 0; i < kInFlight; i++)
            nvme0n1.write(qpair, buf, 4096 + i * 8, 8, {.cb = [this](const Cqe& c) {
                              if (c.dw[3] == 0xffffffffu)
                                  timed_out++;
                              else if (c.ok())
                                  succeeded++;
                              else
                                  failed++;
                          }});
    }

    // The qpair and its interrupt vector work again, and data written now reads back.
    void expect_io_works_again()
    {
        Buffer w(8 * 512, {.pvalue = 100, .ptype = 0xbeef});
        qpair.msix_clear();
        nvme0n1.write(qpair, w, 20000, 8).waitdone();
        EXPECT_TRUE(qpair.wait_msix(2000)) << "no interrupt on the recreated qpair";
        Buffer r(8 * 512);
        nvme0n1.read(qpair, r, 20000, 8).waitdone();
        EXPECT_TRUE(r == w);
        EXPECT_EQ(qpair.sqid(), 1u);  // recreated under its own queue ID
    }

    unsigned succeeded = 0, failed = 0, timed_out = 0;
};

// How many commands Controller::reset() reported lost on qpair sqid (0: none).
unsigned lost_in(const std::vector<nvmetest::Warning>& ws, unsigned sqid)
{
    const std::regex re("^([0-9]+) commands pending on qpair " + std::to_string(sqid) +
                        " were lost by the controller reset$");
    unsigned lost = 0;
    for (const auto& w : ws) {
        std::smatch m;
        if (std::regex_match(w.message, m, re))
            lost += static_cast<unsigned>(std::stoul(m[1]));
    }
    return lost;
}

// Every warning is one the scenario explains: a timeout or lost commands.
void expect_only_reset_warnings(const std::vector<nvmetest::Warning>& ws)
{
    const std::regex expected("^timeout: Write|^[0-9]+ commands pending on qpair [0-9]+ were lost");
    for (const auto& w : ws)
        EXPECT_TRUE(std::regex_search(w.message, expected)) << "unexpected warning: " << w.message;
}

// Reaping after the FLR and before Controller::reset(): each command completes
// (QEMU processed it before the FLR) or times out; waitdone returns in bounded time.
TEST_F(ResetInFlightTest, FlrThenWaitdoneReapsOrTimesOutEveryCommand)
{
    nvme0n1.set_timeout_ms(nvmetest::nvme::io::kWrite, kShortTimeoutMs);
    nvmetest::WarningCapture capture;
    submit_writes();
    pcie.flr();
    const auto start = std::chrono::steady_clock::now();
    qpair.waitdone(kInFlight);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, std::chrono::milliseconds(kShortTimeoutMs + 3000));
    // An error status is a legitimate outcome too (QEMU cancels what it had
    // started); what must not happen is a command left unaccounted for.
    EXPECT_EQ(succeeded + failed + timed_out, kInFlight);
    RecordProperty("succeeded", static_cast<int>(succeeded));
    RecordProperty("timed_out", static_cast<int>(timed_out));
    nvme0.reset();  // restores the default timeouts too
    const auto ws = capture.take();
    expect_only_reset_warnings(ws);
    unsigned timeouts = 0;
    for (const auto& w : ws)
        timeouts += w.message.starts_with("timeout: Write");
    EXPECT_EQ(timeouts, timed_out);
    EXPECT_EQ(lost_in(ws, qpair.sqid()), 0u);  // all were reaped before the reset
    expect_io_works_again();
}

// Controller::reset() straight after the FLR: whatever QEMU completed before
// it was never reaped, so all the commands are forgotten (no callback runs),
// the library reports exactly how many, and nothing is left to wait for.
TEST_F(ResetInFlightTest, FlrThenControllerResetForgetsPendingCommands)
{
    nvmetest::WarningCapture capture;
    submit_writes();
    pcie.flr();
    nvme0.reset();
    const auto ws = capture.take();
    expect_only_reset_warnings(ws);
    EXPECT_EQ(lost_in(ws, qpair.sqid()), kInFlight);
    EXPECT_EQ(succeeded + failed + timed_out, 0u);
    EXPECT_THROW(qpair.waitdone(1), nvmetest::UsageError);  // nothing outstanding: no hang
    expect_io_works_again();
}

TEST_F(ResetInFlightTest, HotResetThenControllerResetForgetsPendingCommands)
{
    nvmetest::WarningCapture capture;
    submit_writes();
    pcie.reset();
    const auto start = std::chrono::steady_clock::now();
    nvme0.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    const auto ws = capture.take();
    expect_only_reset_warnings(ws);
    EXPECT_EQ(lost_in(ws, qpair.sqid()), kInFlight);
    EXPECT_EQ(succeeded + failed + timed_out, 0u);
    EXPECT_THROW(qpair.waitdone(1), nvmetest::UsageError);
    expect_io_works_again();
}

// Reaping after a hot reset, before Controller::reset().
TEST_F(ResetInFlightTest, HotResetThenWaitdoneReapsOrTimesOutEveryCommand)
{
    nvme0n1.set_timeout_ms(nvmetest::nvme::io::kWrite, kShortTimeoutMs);
    nvmetest::WarningCapture capture;
    submit_writes();
    pcie.reset();
    qpair.waitdone(kInFlight);
    EXPECT_EQ(succeeded + failed + timed_out, kInFlight);
    nvme0.reset();
    expect_only_reset_warnings(capture.take());
    expect_io_works_again();
}

}  // namespace
