// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: what IOCQ and IOSQ share.  A metamode queue is its ring memory
// (a contiguous Buffer or a PRPList of pages), its doorbell and the queue ID it
// holds in the controller core's registry (ControllerCore::meta_sqids /
// meta_cqids), so that the library's Qpairs never take the same ID.
#ifndef NVMETEST_LIB_META_QUEUE_STATE_H
#define NVMETEST_LIB_META_QUEUE_STATE_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/controller_core.h"
#include "nvmetest/controller.h"
#include "nvmetest/meta/prp.h"
#include "nvmetest/meta/sqe.h"

namespace nvmetest::meta {

struct QueueState {
    enum class Kind { Sq, Cq };

    QueueState(Controller& nvme, Kind kind, std::uint16_t qid, std::uint32_t depth);
    QueueState(const QueueState&) = delete;
    QueueState& operator=(const QueueState&) = delete;
    // Deletes the queue from the device when it is still there; never throws.
    virtual ~QueueState();

    std::shared_ptr<core::ControllerCore> ctrl;
    Kind kind;
    std::uint16_t qid;
    std::uint32_t depth;
    std::size_t entry_size;
    std::optional<Buffer> buf;    // contiguous ring (PC = 1)
    std::optional<PRPList> list;  // ring pages (PC = 0)
    bool registered = false;      // holds qid in the registry
    bool created = false;         // on the device
    CQE create_cqe{};
    std::uint32_t doorbell_value = 0;
    volatile std::uint32_t* doorbell = nullptr;

    const char* name() const noexcept { return kind == Kind::Sq ? "IOSQ" : "IOCQ"; }
    // Takes the ring memory, checking it holds depth entries.
    void adopt(Buffer&& memory);
    void adopt(PRPList&& memory);
    // Bus address for PRP1 of the create command, and PC (physically contiguous).
    std::uint64_t ring_address() const noexcept;
    bool contiguous() const noexcept { return buf.has_value(); }
    // Sends the create command (PRP1 and PC filled in) and records its answer.
    void create(nvme::Sqe cmd);
    // Sends the delete command; on success frees the queue ID.
    CQE remove();
    // Address of entry index (UsageError beyond depth).
    std::uint8_t* entry(std::size_t index) const;
    void write_doorbell(std::uint32_t value);
    void check_open() const;

private:
    std::uint8_t* ring_byte(std::size_t pos) const;
    void hold_id();
    void release_id() noexcept;
};

}  // namespace nvmetest::meta

#endif  // NVMETEST_LIB_META_QUEUE_STATE_H
