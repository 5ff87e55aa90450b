// SPDX-License-Identifier: BSD-3-Clause
//
// The IOWorker's side of data verification (docs/verification.md): the same
// engine as single commands (nvmetest/verify.h), driven from the worker's own
// loop.  Per command: try the LBA locks (a conflict leaves the command
// pending while the loop keeps reaping), inject header and token into the
// slot's own copy of the pattern, store check values when a write completes,
// check every read.  The engine's per-I/O members take no lock, allocate
// nothing and make no system call, so neither does this.
#include <algorithm>
#include <cstring>
#include <string>

#include "ioworker/worker.h"
#include "nvmetest/nvme/describe.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/warnings.h"
#include "verify/namespace_verify.h"

namespace nvmetest {
namespace {

namespace io = nvme::io;

// Whether a command with this opcode may change what its LBAs read back.
bool changes_media(std::uint8_t op) noexcept
{
    return op != io::kRead && op != io::kCompare && op != io::kVerify && op != io::kFlush;
}

bool any_media_change(const IOWorkerArgs& a) noexcept
{
    if (!a.io_sequence.empty())
        return std::any_of(a.io_sequence.begin(), a.io_sequence.end(),
                           [](const IoSequenceEntry& e) { return changes_media(e.opcode); });
    if (!a.op_percentage.empty())
        return std::any_of(a.op_percentage.begin(), a.op_percentage.end(),
                           [](const auto& e) { return e.second > 0 && changes_media(e.first); });
    return a.read_percentage < 100;
}

}  // namespace

void IOWorker::Impl::verify_setup()
{
    verify_state = ns.verify;
    verify::NamespaceVerify* nv = verify_state.get();
    if (!nv)
        return;
    if (!nv->enabled || !nv->verifier) {
        // As for single commands sent while verification is off: the map no
        // longer describes the media, and the next verify_enable() resets it.
        if (any_media_change(args))
            nv->stale = true;
        return;
    }
    verifier = nv->verifier.get();
    lock_wait_ns = 2'000'000 * std::int64_t{*std::max_element(timeouts_ms.begin(), timeouts_ms.end())};
    verify_check = !args.verify_disable;
    verify_inject = verify_check && nv->inject;
    own_write_buffers = verify_inject && plan.writes_data();
}

bool IOWorker::Impl::verify_lock(const ioworker::PlannedIo& io, Slot& s) noexcept
{
    s.locked = false;
    if (!verifier || !io.nlb || (!verify_check && !changes_media(io.opcode)))
        return true;  // verify_disable: its reads neither check nor need the locks
    if (!verifier->locks().try_lock(io.slba, io.nlb))
        return false;
    s.locked = true;
    return true;
}

void IOWorker::Impl::verify_prepare_write(std::uint32_t slot) noexcept
{
    Slot& s = slots[slot];
    std::uint8_t* data = slot_host(slot);
    if (s.needs_pattern) {
        std::memcpy(data, pattern.data(), slot_bytes);
        s.needs_pattern = false;
    }
    if (s.opcode == io::kWrite)  // other opcodes sending data (Compare) send the pattern
        verifier->inject(data, s.slba, s.nlb);
}

bool IOWorker::Impl::verify_complete(std::uint32_t slot, const nvme::Cqe* cqe,
                                     bool timed_out) noexcept
{
    Slot& s = slots[slot];
    if (!verifier)
        return false;
    bool failure_expected = false;
    if (ioworker::IoPlan::data_direction(s.opcode) == 2)
        s.needs_pattern = true;  // a read landed in the slot's buffer
    const bool ok = cqe && !timed_out && cqe->ok();
    // Not sent, or refused before it touched the media: the map stays.
    const bool untouched = !cqe || (!timed_out && verify::not_executed(*cqe));
    verify::CheckMap& map = verifier->map();
    if (s.nlb && changes_media(s.opcode)) {
        if (ok && verify_check && s.opcode == io::kWrite)
            verifier->written(sent_host(slot), s.slba, s.nlb);
        else if (ok && verify_check && s.opcode == io::kWriteZeroes)
            verifier->mark(s.slba, s.nlb, map.zeros());
        else if (ok && verify_check && s.opcode == io::kWriteUncorrectable)
            verifier->mark(s.slba, s.nlb, map.uncorrectable());
        else if (!untouched)  // DSM, other opcodes, failures, verify_disable
            verifier->mark(s.slba, s.nlb, verify::CheckMap::kUnknown);
    } else if (ok && verify_check && s.opcode == io::kRead) {
        std::uint32_t known = 0;
        const std::uint32_t bad =
            verifier->check_read(slot_host(slot), s.slba, s.nlb, verify_inject,
                                 found_in_read.data(), found_in_read.size(), &known);
        result.lba_count_verified += known;
        if (bad) {
            for (std::uint32_t i = 0; i < std::min<std::size_t>(bad, found_in_read.size()); i++)
                keep_mismatch(found_in_read[i]);
            mismatch_count += bad;
            record_error(kIOWorkerDataMismatch, s, *cqe);
        }
    } else if (verify_check && !timed_out && !untouched && s.nlb &&
               (s.opcode == io::kCompare || s.opcode == io::kVerify)) {
        failure_expected = verify_status(slot, *cqe);
    }
    if (s.locked) {
        verifier->unlock(s.slba, s.nlb);
        s.locked = false;
    }
    return failure_expected;
}

bool IOWorker::Impl::verify_status(std::uint32_t slot, const nvme::Cqe& cqe) noexcept
{
    const Slot& s = slots[slot];
    const bool compare = s.opcode == io::kCompare;
    // What the map says the command must return: 1 success, 0 Compare
    // Failure, -2 a media error, -1 unknown.
    // A Compare sent what a write would, minus the injection: the pattern.
    const int want = compare ? verifier->expect_compare(sent_host(slot), s.slba, s.nlb,
                                                        verify_inject)
                             : verifier->expect_verify(s.slba, s.nlb);
    verify::Mismatch m;
    if (verifier->status_contradicts(compare, s.slba, want, cqe.status(), m)) {
        keep_mismatch(m);
        mismatch_count++;
        record_error(kIOWorkerDataMismatch, s, cqe);
        return false;
    }
    const std::uint16_t status = cqe.status() & 0x7ff;
    const bool compare_failed = status == verify::kCompareFailureStatus;
    const bool media_error = status == verify::kUnrecoveredReadStatus;
    // A Compare of LBAs the map does not know (deallocated, written without
    // verification) may fail or not: the device's answer is plausible either
    // way, and not the worker's error.
    return (want != 1 && compare_failed) || (want == -2 && media_error);
}

bool IOWorker::Impl::verify_defers(const Slot& s) const noexcept
{
    return verify_check && s.opcode == io::kRead && s.nlb;
}

void IOWorker::Impl::check_deferred() noexcept
{
    for (const std::uint32_t idx : deferred_checks) {
        Slot& s = slots[idx];
        verify_complete(idx, &s.cqe, false);
        s.deferred = false;
        free_slots.push_back(idx);
    }
    deferred_checks.clear();
}

void IOWorker::Impl::keep_mismatch(const verify::Mismatch& m) noexcept
{
    if (mismatches_kept == kMaxMismatches)
        return;
    for (std::size_t i = 0; i < mismatches_kept; i++)
        if (mismatches[i].lba == m.lba && mismatches[i].kind == m.kind)
            return;
    mismatches[mismatches_kept++] = m;
}

void IOWorker::Impl::verify_release_in_flight() noexcept
{
    if (!verifier)
        return;
    for (Slot& s : slots) {
        if (!s.locked)
            continue;
        // Lost with the queue: whatever it wrote is undefined.
        if (changes_media(s.opcode))
            verifier->mark(s.slba, s.nlb, verify::CheckMap::kUnknown);
        verifier->unlock(s.slba, s.nlb);
        s.locked = false;
    }
}

void IOWorker::Impl::verify_report() const
{
    if (!mismatch_count)
        return;
    nvme::Sqe sqe{};
    std::memcpy(sqe.cdw, result.error_cmd.data(), sizeof(sqe.cdw));
    const std::string cmd = result.error == kIOWorkerDataMismatch
                                ? "; first command: " + nvme::describe(sqe, false)
                                : std::string();
    for (std::size_t i = 0; i < mismatches_kept; i++)
        warn("ioworker: data verification: " + mismatches[i].to_string() + (i ? "" : cmd));
    if (mismatch_count > mismatches_kept)
        warn("ioworker: data verification: " + std::to_string(mismatch_count) +
             " mismatching LBA reads in all, repeats of the LBAs above included" +
             (mismatches_kept == kMaxMismatches ? " (only the first " +
                                                      std::to_string(kMaxMismatches) +
                                                      " distinct LBAs are listed)"
                                                : ""));
}

}  // namespace nvmetest
