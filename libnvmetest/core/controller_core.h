// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: the state of one NVMe controller, shared by its Controller handle,
// Qpairs and Namespaces (shared_ptr), so that a Qpair outliving its Controller
// finds it closed instead of dangling.
#ifndef NVMETEST_LIB_CORE_CONTROLLER_CORE_H
#define NVMETEST_LIB_CORE_CONTROLLER_CORE_H

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cmb.h"
#include "core/queue.h"
#include "core/transport.h"
#include "nvmetest/dma.h"

namespace nvmetest::core {

inline constexpr std::uint32_t kDefaultTimeoutMs = 10000;
inline constexpr std::uint32_t kAdminDepth = 64;

struct QpairCore;

// Memory the controller was given by address: a share of its owner (a
// Buffer's or the library's DMA memory) keeps it alive.
struct DmaRegion {
    std::shared_ptr<void> owner;
    std::uint8_t* cpu = nullptr;  // the byte at bus
    std::uint64_t bus = 0;
    std::size_t bytes = 0;        // usable from there
};

// The two buffers of a Doorbell Buffer Config command, kept while the
// controller may write them, even when the user's Buffer objects are gone.
struct DoorbellBuffers {
    DmaRegion shadow, eventidx;
    bool overlap = false;  // the regions share bytes: EventIdx is not trusted

    DoorbellBuffers(DmaRegion shadow_region, DmaRegion eventidx_region) noexcept;
    // The slots of queue qid; UsageError when they lie beyond either buffer.
    ShadowSlots slots(std::uint16_t qid, std::uint32_t dstrd) const;
};

// Bytes of each doorbell buffer that queues 0..max_qid use.
inline std::size_t dbbuf_bytes(std::uint32_t max_qid, std::uint32_t dstrd) noexcept
{
    return (2 * std::size_t{max_qid} + 2) * (std::size_t{4} << dstrd);
}

struct ControllerCore {
    std::shared_ptr<Transport> t;
    bool msi_only = false;
    bool closed = false;
    // The controller made in this one's place when the function came back
    // from a power cycle that removed it (Subsystem::poweron by QMP): the
    // Namespaces and Qpairs of this closed one carry on there.
    std::shared_ptr<ControllerCore> successor;
    bool powered_off = false;  // closed by Subsystem::poweroff, not destroyed

    std::uint64_t cap = 0;
    std::uint32_t dstrd = 0;
    std::uint32_t page_size = 4096;

    std::unique_ptr<Queue> admin;
    bool admin_lazy = false;
    DmaMemory id_ctrl;       // Identify Controller, read by init_ns()
    bool id_valid = false;
    DmaMemory scratch;       // 4 KiB for internal commands (supports(), get_lba_format())
    std::vector<DmaMemory> hmb;  // Host Memory Buffer chunks and (last) their descriptor list

    std::uint32_t timeout_ms = kDefaultTimeoutMs;
    std::array<std::uint32_t, 256> admin_timeouts{};  // 0: timeout_ms
    std::array<std::uint32_t, 256> io_timeouts{};

    Callback aer_cb;
    std::uint32_t max_sq = 0, max_cq = 0;  // I/O queues granted (init_queues)

    // The Controller Memory Buffer, enabled on first use (CMB Buffers, CMB queues).
    std::shared_ptr<Cmb> cmb;
    Cmb& cmb_open()
    {
        if (!cmb)
            cmb = Cmb::open(t);
        return *cmb;
    }

    IrqSet* irqs = nullptr;
    std::vector<QpairCore*> qpairs;
    // Queues whose deletion the device did not confirm: it may still touch their
    // rings, so they live until the controller is disabled.
    std::vector<std::unique_ptr<Queue>> orphans;
    // Metamode (libnvmetest/meta): the I/O queue IDs its IOSQs and IOCQs hold,
    // which Qpairs must not take, and the rings of metamode queues whose
    // deletion the device did not confirm (kept like orphans).
    std::vector<std::uint16_t> meta_sqids, meta_cqids;
    std::vector<std::shared_ptr<void>> meta_orphans;
    // Who holds I/O queue ID id as an SQ (sq) or a CQ (cq): "a Qpair" (it holds
    // both), "a metamode IOSQ", "a metamode IOCQ"; nullptr when free.
    // Defined in meta/queue_ids.cpp.
    const char* queue_id_holder(std::uint16_t id, bool sq, bool cq) const noexcept;

    // Shadow doorbells.  dbbuf: the buffers of the last Doorbell Buffer Config
    // the controller completed successfully (kept across reset(), which sends
    // them again); dbbuf_on: the controller uses them now, and so do all queues.
    // dbbuf_sent: every pair sent since the controller was last disabled, which
    // it may write until then (a command that timed out may still be executed).
    std::shared_ptr<const DoorbellBuffers> dbbuf;
    bool dbbuf_on = false;
    std::vector<std::shared_ptr<const DoorbellBuffers>> dbbuf_sent;
    // Whether IOWorker::start() may turn shadow doorbells on
    // (ControllerOptions::shadow_doorbell not false).
    bool dbbuf_for_ioworkers = true;

    void check_open() const;
    // A Buffer of another device: refused in the CMB of another controller,
    // and under an IOMMU (another address space); allowed otherwise.
    void check_buffer_device(bool in_cmb, const std::string& device, std::string_view name) const;
    std::uint32_t admin_timeout(std::uint8_t op) const noexcept
    {
        return admin_timeouts[op] ? admin_timeouts[op] : timeout_ms;
    }
    std::uint32_t io_timeout(std::uint8_t op) const noexcept
    {
        return io_timeouts[op] ? io_timeouts[op] : timeout_ms;
    }
    // Admin command submission and reaping.
    std::uint16_t submit_admin(const nvme::Sqe& sqe, const DataRef* data, std::size_t xfer,
                               Callback cb, bool aer = false);
    std::uint32_t admin_wait(unsigned n);
    // Synchronous admin command on internal memory; returns the CQE.
    nvme::Cqe admin_sync(nvme::Sqe sqe, DmaMemory* data, std::size_t xfer);
    // Commands Supported and Effects: 0..255 admin, 256..511 I/O (see
    // Controller::supports for csi).
    bool supports(std::uint32_t opcode, std::optional<std::uint8_t> csi = {});
    // Whether the log of command set csi lists opcode as supported.
    bool effects_list(std::uint32_t opcode, std::uint8_t csi, bool warn_on_error);
    // Disables the controller (CC.EN = 0, waits for CSTS.RDY = 0, bounded).
    // Returns whether it stopped (CSTS.RDY = 0, or the function is gone): only
    // then has it forgotten the commands it held, and their memory may go.
    bool disable() noexcept;
    // Set when the Controller was released and the controller did not stop:
    // the memory its commands may still reach is kept until the process
    // exits (keep_until_exit()).
    bool dma_live = false;

    // The highest queue ID the doorbell buffers must cover: the granted queues
    // and every live Qpair.
    std::uint32_t dbbuf_max_qid() const noexcept;
    // Sends Doorbell Buffer Config with b; on success every queue switches to
    // shadow doorbells (dbbuf_use).  cb gets the CQE; without one an error
    // status raises the usual warning.  Returns the command identifier.
    std::uint16_t dbbuf_send(std::shared_ptr<const DoorbellBuffers> b, Callback cb);
    // A Doorbell Buffer Config pair in library memory: one page each, or what
    // the queues need.
    std::shared_ptr<const DoorbellBuffers> library_dbbuf() const;
    // For IOWorker::start() (test thread, before its thread runs): when the
    // controller supports Doorbell Buffer Config, shadow doorbells are off,
    // allowed (dbbuf_for_ioworkers) and no queue is driven by another thread
    // (the switch is not synchronized with them), sends library_dbbuf() and
    // waits.  A refusal warns and leaves BAR0 doorbells.
    void dbbuf_for_ioworker();
    // After a reset: sends dbbuf again and waits; BAR0 doorbells only (and a
    // warning) when the controller refuses it.
    void dbbuf_restore();
    // Every queue (admin and I/O) publishes its doorbells through b.
    void dbbuf_use(const std::shared_ptr<const DoorbellBuffers>& b);
    // The controller was disabled: BAR0 doorbells only, and the memory of the
    // configurations sent is free to go (dbbuf itself is kept for reset()).
    void dbbuf_dropped() noexcept;
    // Stops the threads that drive I/O queues of this device (IOWorkers),
    // before a reset or release takes their queues.
    void stop_drivers() noexcept { t->stop_drivers(); }
    // Maximum Data Transfer Size in bytes (2 MiB when MDTS is 0: no limit);
    // UsageError before Identify Controller was read.
    std::uint64_t mdts() const;
};

// Keeps mem allocated until the process exits, for memory a controller that
// could not be stopped may still write.  At exit the kernel module stops the
// function's DMA (Bus Master Enable off) before it frees the file's memory.
void keep_until_exit(std::shared_ptr<void> mem) noexcept;

struct QpairCore {
    std::shared_ptr<ControllerCore> ctrl;
    std::unique_ptr<Queue> q;
    bool ien = true;
    unsigned vector = 0;
    unsigned prio = 0;
    std::uint64_t msix_baseline = 0;
    bool dead = false;  // deleted, or its controller went away
    // Driven by a thread of its own (an IOWorker, registered with
    // Transport::add_driver): Controller::reset() stops that thread and leaves
    // the queue to it (not re-initialized, not re-created), and
    // Controller::cmdlog_merged() does not read its log.
    bool driven_by_thread = false;

    void check_usable() const;
    // Create I/O CQ and SQ on the device (admin commands, waited for).
    void create_on_device();
};

}  // namespace nvmetest::core

#endif  // NVMETEST_LIB_CORE_CONTROLLER_CORE_H
