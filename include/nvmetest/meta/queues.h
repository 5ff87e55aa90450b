// SPDX-License-Identifier: BSD-3-Clause
//
// Metamode queues: PyNVMe3's IOCQ and IOSQ (seed 002 section 2, seed 003
// "Python Space Driver").  The test owns the rings, writes SQEs into them,
// writes the doorbells with any value and reads the CQEs; the library only
// sends the admin commands that create and delete the queues.
//
//   meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));        // IOCQ(nvme0, 1, 10, PRP(10*16))
//   meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);    // IOSQ(..., cq=cq)
//   meta::SQE cmd(2, 1);
//   cmd.set_prp1(buf);
//   sq[0] = cmd;                 // Step 1: host writes the SQE
//   sq.set_tail(1);              // Step 2: host rings the SQ tail doorbell
//   cq.wait_pbit(cq.head(), 1);  // Step 7: host sees the CQE's phase tag flip
//   cq.set_head(1);              // Step 8: host releases the CQE
//   cq[0].status();
//
// Memory: a queue owns its ring, given at construction: a Buffer (PRP),
// physically contiguous (PC = 1), host memory or, with .nvme, the Controller
// Memory Buffer; or a PRPList whose entries are the ring's pages (PC = 0, a
// non-contiguous queue; controllers with CAP.CQR = 1, QEMU among them, refuse
// it).  The ring must hold depth entries (UsageError otherwise: the device
// would write past it).
//
// Creation and deletion are admin commands sent and waited for at once.  Their
// status is data: created() and create_cqe() tell whether the device took the
// queue, del() returns the deletion's CQE; a failure also raises the warning
// "ERROR status: ..." as every command without a callback does.  A queue the
// device refused stays an object whose doorbells can still be written (the
// device sees a write to the doorbell of a queue it does not have), except for
// queue ID 0: those are the admin queue's doorbells (UsageError).
//
// Queue IDs: any the test wants, valid for the controller or not (the device
// answers).  A queue ID that one of the library's Qpairs of this Controller
// holds (or another metamode queue of the same kind) is refused with a
// UsageError naming the holder, and a Qpair created later never takes an ID a
// metamode queue holds.
//
// Lifetime: a queue must go before its Controller; destroy SQs before their
// CQ (declare the CQ first).  The destructor deletes a queue still on the
// device; when the device refuses (a CQ with SQs left), its ring is kept until
// the controller is disabled.  Controller::reset() removes metamode queues from
// the device; their objects stay, holding their IDs, until del() (which the
// device answers "no such queue") or their destructor.
#ifndef NVMETEST_META_QUEUES_H
#define NVMETEST_META_QUEUES_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <memory>

#include "nvmetest/buffer.h"
#include "nvmetest/controller.h"
#include "nvmetest/meta/prp.h"
#include "nvmetest/meta/sqe.h"

namespace nvmetest::meta {

struct QueueState;

// Keyword arguments of IOCQ, in PyNVMe3's order.
struct IocqOptions {
    unsigned iv = 0;    // interrupt vector (CDW11 bits 31:16)
    bool ien = false;   // interrupts enabled (CDW11 bit 1)
};

class IOCQ {
public:
    IOCQ(Controller& nvme, std::uint16_t qid, std::uint32_t depth, Buffer&& memory,
         IocqOptions options = {});
    IOCQ(Controller& nvme, std::uint16_t qid, std::uint32_t depth, PRPList&& memory,
         IocqOptions options = {});
    IOCQ(IOCQ&&) noexcept;
    IOCQ& operator=(IOCQ&&) noexcept;
    IOCQ(const IOCQ&) = delete;
    IOCQ& operator=(const IOCQ&) = delete;
    ~IOCQ();

    std::uint16_t id() const noexcept;
    std::uint32_t depth() const noexcept;
    bool created() const noexcept;
    // The completion of Create I/O Completion Queue.
    CQE create_cqe() const noexcept;

    // Entry index as the device last wrote it (UsageError beyond depth).
    CQE operator[](std::size_t index) const;

    // The value last written to the head doorbell (0 at creation).
    std::uint32_t head() const noexcept;
    // Writes the CQ head doorbell: any value, in range or not.
    void set_head(std::uint32_t head);

    // Waits until the phase tag of entry index is value; returns the entry.
    // TimeoutError after timeout_ms (0: the controller's command timeout).
    CQE wait_pbit(std::size_t index, bool value, std::uint32_t timeout_ms = 0) const;
    // Waits until the n entries from head() hold new completions (phase tag of
    // the current pass through the ring) and returns the last.  The head stays:
    // write it with set_head().  TimeoutError as wait_pbit().
    CQE waitdone(unsigned n = 1, std::uint32_t timeout_ms = 0) const;

    // This CQ's interrupt vector (options.iv), through the kernel module's
    // per-vector counters: as Qpair::msix_*.
    unsigned iv() const noexcept;
    void msix_clear();
    bool msix_isset() const;
    bool wait_msix(unsigned timeout_ms = 1000) const;
    void msix_mask();
    void msix_unmask();

    // Delete I/O Completion Queue ("delete" in Python); returns its CQE.  On
    // success, or when the device says there is no such queue (01/00, 01/01:
    // after a reset), the queue ID is free again.
    CQE del();

    // Internal.
    QueueState& state() const;

private:
    std::unique_ptr<QueueState> s_;
};

// The CQ an IOSQ posts to: an IOCQ (cq=cq in Python) or any queue ID (cq.id).
class CqId {
public:
    CqId(std::uint16_t id) noexcept : id_(id) {}
    CqId(const IOCQ& cq) noexcept : id_(cq.id()) {}
    std::uint16_t id() const noexcept { return id_; }

private:
    std::uint16_t id_;
};

// Keyword arguments of IOSQ.
struct IosqOptions {
    unsigned qprio = 0;           // queue priority, CDW11 bits 2:1 (weighted round robin)
    std::uint16_t nvmsetid = 0;   // CDW12
};

// The fields of sq.read() and sq.write(), in PyNVMe3's order.
struct IoArgs {
    std::uint16_t cid = 0;
    std::uint32_t nsid = 1;
    std::uint64_t lba = 0;
    std::uint32_t lba_count = 1;  // 1-based
    Address prp1 = 0;
    Address prp2 = 0;
};

class IOSQ {
public:
    IOSQ(Controller& nvme, std::uint16_t qid, std::uint32_t depth, Buffer&& memory, CqId cq,
         IosqOptions options = {});
    IOSQ(Controller& nvme, std::uint16_t qid, std::uint32_t depth, PRPList&& memory, CqId cq,
         IosqOptions options = {});
    IOSQ(IOSQ&&) noexcept;
    IOSQ& operator=(IOSQ&&) noexcept;
    IOSQ(const IOSQ&) = delete;
    IOSQ& operator=(const IOSQ&) = delete;
    ~IOSQ();

    std::uint16_t id() const noexcept;
    std::uint16_t cqid() const noexcept;
    std::uint32_t depth() const noexcept;
    bool created() const noexcept;
    // The completion of Create I/O Submission Queue.
    CQE create_cqe() const noexcept;

    // One entry of the ring: sq[i] = cmd writes it, SQE(sq[i]) reads it back.
    class Entry {
    public:
        Entry& operator=(const nvme::Sqe& sqe);
        operator SQE() const;

    private:
        friend class IOSQ;
        Entry(QueueState& s, std::size_t index) noexcept : s_(s), index_(index) {}
        QueueState& s_;
        std::size_t index_;
    };
    // Entry index (UsageError beyond depth).
    Entry operator[](std::size_t index);
    SQE operator[](std::size_t index) const;

    // The value last written to the tail doorbell (0 at creation).
    std::uint32_t tail() const noexcept;
    // Writes the SQ tail doorbell: any value, in range or not.
    void set_tail(std::uint32_t tail);

    // Fill the entry at tail() with a Read (Write) of lba_count blocks at lba
    // and return its index; the doorbell is not written (set_tail() does).
    std::size_t read(const IoArgs& a);
    std::size_t write(const IoArgs& a);

    // Delete I/O Submission Queue ("delete" in Python); returns its CQE.  The
    // queue ID is freed as IOCQ::del() says.
    CQE del();

    // Internal.
    QueueState& state() const;

private:
    std::unique_ptr<QueueState> s_;
};

}  // namespace nvmetest::meta

#endif  // NVMETEST_META_QUEUES_H
