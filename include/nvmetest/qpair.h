// SPDX-License-Identifier: BSD-3-Clause
//
// Qpair: an I/O submission queue and its completion queue, as PyNVMe3's Qpair
// class (API section 5).  Created on the device at construction, deleted from
// it by del() or the destructor.  Completions are polled by waitdone();
// interrupts are there to be tested (msix_*).
//
//   nvmetest::Qpair qpair(nvme0, 16);
//   nvmetest::Qpair lazy(nvme0, 16, {.lazy_doorbell = true});
//   nvmetest::Qpair cmbq(nvme0, 16, {.sq_in_cmb = true});    // PyNVMe3: IOSQ(..., cmb_buf)
//   nvme0n1.write(qpair, buf, 0).waitdone();
//
// A Qpair must go before its Controller; one that outlives it throws
// UsageError on use and frees its memory quietly.  Controller::reset() creates
// the live Qpairs on the device again, under the same queue IDs.  Commands in
// flight across a reset of the function (Pcie::flr, Pcie::reset): waitdone()
// before Controller::reset() reaps each, completed or timed out (all-ones CQE);
// Controller::reset() forgets the unreaped ones with a warning naming how
// many, and runs no callback for them.  Across a QMP power cycle
// (Subsystem::poweroff/poweron) the pending commands are lost the same way
// and the Qpair is created again on the new controller, under its queue ID
// (rings in the CMB excepted: those say to make a new Qpair).
//
// Timeouts and memory: as for admin commands (controller.h).  A Buffer given
// to a command may be destroyed at any time: its memory stays allocated until
// the completion (or, after a timeout, the late completion) is taken, the
// controller is reset or disabled, or the queue's deletion is confirmed by the
// device; a queue whose deletion is not confirmed is kept, with that memory,
// until the controller is disabled.
#ifndef NVMETEST_QPAIR_H
#define NVMETEST_QPAIR_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "nvmetest/cmdlog.h"
#include "nvmetest/controller.h"
#include "nvmetest/nvme/command.h"

namespace nvmetest {

namespace core {
struct ControllerCore;
struct QpairCore;
class Queue;
}

struct QpairOptions {
    bool ien = true;                       // interrupts enabled on the CQ
    std::optional<unsigned> vector{};        // interrupt vector; default: sqid modulo the vectors set up
    unsigned prio = 0;                     // 0 urgent .. 3 low (weighted round robin)
    std::optional<std::uint16_t> sqid{};     // default: the lowest free queue ID
    bool lazy_doorbell = false;            // ring the SQ doorbell only in waitdone()
    // The submission queue (or the completion queue) in the controller's
    // Controller Memory Buffer, which is enabled on first use.  Only where
    // CMBSZ.SQS (CQS) says so; QEMU 7.2 has SQS = 1, CQS = 0, yet accepts a CQ
    // in its CMB and then never posts completions to it (commands time out).
    bool sq_in_cmb = false;
    bool cq_in_cmb = false;
};

class Qpair {
public:
    explicit Qpair(Controller& nvme, unsigned depth = 1024, QpairOptions options = {});
    // Internal: on the controller behind a Namespace (IOWorker).
    Qpair(const std::shared_ptr<core::ControllerCore>& ctrl, unsigned depth, QpairOptions options);
    Qpair(Qpair&&) noexcept;
    Qpair& operator=(Qpair&&) noexcept;
    Qpair(const Qpair&) = delete;
    Qpair& operator=(const Qpair&) = delete;
    // Deletes the queues from the device (bounded by the admin timeout); never throws.
    ~Qpair();

    // Reaps n completions and returns dword 0 of the last (see Controller::waitdone).
    std::uint32_t waitdone(unsigned n = 1);

    std::uint16_t latest_cid() const;
    std::uint64_t latest_latency() const;  // microseconds
    unsigned prio() const;
    std::uint16_t sqid() const;
    unsigned depth() const;

    // Recent commands of this queue, oldest first (count 0: all kept); offset
    // skips that many of the newest first, as PyNVMe3's cmdlog(count, offset).
    std::vector<CmdLogEntry> cmdlog(std::size_t count = 1000, std::size_t offset = 0) const;
    // The SQE that produced cqe (in a callback, the command just completed).
    nvme::Sqe get_cmd(const nvme::Cqe& cqe) const;

    // The interrupt vector of this queue's CQ (counters of the kernel module):
    // an MSI-X vector, or an MSI vector when the Pcie was opened with
    // msi_only; never INTx (see PcieOptions).  UsageError when the controller
    // has no interrupts set up (a function with neither MSI-X nor MSI).
    void msix_clear();
    bool msix_isset() const;
    bool wait_msix(unsigned timeout_ms = 1000) const;
    void msix_mask();
    void msix_unmask();

    // Deletes SQ and CQ from the device now ("delete" in Python).
    void del();

    // Internal.
    core::QpairCore& core() const;
    core::Queue& queue() const;

private:
    std::unique_ptr<core::QpairCore> core_;
};

}  // namespace nvmetest

#endif  // NVMETEST_QPAIR_H
