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

struct ControllerCore {
    std::shared_ptr<Transport> t;
    bool msi_only = false;
    bool closed = false;

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
    // Commands Supported and Effects: 0..255 admin, 256..511 I/O.
    bool supports(std::uint32_t opcode);
    // Disables the controller (CC.EN = 0, waits for CSTS.RDY = 0, bounded).
    void disable() noexcept;
    // Stops the threads that drive I/O queues of this device (IOWorkers),
    // before a reset or release takes their queues.
    void stop_drivers() noexcept { t->stop_drivers(); }
    // Maximum Data Transfer Size in bytes (2 MiB when MDTS is 0: no limit);
    // UsageError before Identify Controller was read.
    std::uint64_t mdts() const;
};

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
