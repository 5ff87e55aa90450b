// SPDX-License-Identifier: GPL-2.0
// A minimal NVMe admin queue built by the test in DMA memory: just enough to
// make the device write into a DMA buffer and post completions (polled, or
// signalled through MSI-X vector 0 / INTx).
#pragma once

#include "device.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace devtest::nvme {

// Controller registers (NVMe 1.4, 3.1).
inline constexpr uint32_t kCap = 0x00;
inline constexpr uint32_t kVs = 0x08;
inline constexpr uint32_t kIntms = 0x0c;
inline constexpr uint32_t kIntmc = 0x10;
inline constexpr uint32_t kCc = 0x14;
inline constexpr uint32_t kCsts = 0x1c;
inline constexpr uint32_t kAqa = 0x24;
inline constexpr uint32_t kAsq = 0x28;
inline constexpr uint32_t kAcq = 0x30;
inline constexpr uint32_t kDoorbells = 0x1000;

inline constexpr uint32_t kCcEn = 1u << 0;
inline constexpr uint32_t kCstsRdy = 1u << 0;
inline constexpr uint32_t kCstsCfs = 1u << 1;

inline uint32_t cap_mqes(uint64_t cap) {
    return cap & 0xffff;
}
inline uint32_t cap_cqr(uint64_t cap) {
    return (cap >> 16) & 1;
}
inline uint32_t cap_to(uint64_t cap) {
    return (cap >> 24) & 0xff;
}
inline uint32_t cap_dstrd(uint64_t cap) {
    return (cap >> 32) & 0xf;
}

struct Sqe {
    uint32_t cdw0; // opcode 7:0, command identifier 31:16
    uint32_t nsid;
    uint32_t cdw2;
    uint32_t cdw3;
    uint64_t mptr;
    uint64_t prp1;
    uint64_t prp2;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
static_assert(sizeof(Sqe) == 64);

struct Cqe {
    uint32_t dw0;
    uint32_t dw1;
    uint16_t sqhd;
    uint16_t sqid;
    uint16_t cid;
    uint16_t status; // bit 0: phase, 15:1 status field
    uint16_t sf() const { return status >> 1; }
};
static_assert(sizeof(Cqe) == 16);

inline constexpr uint8_t kOpIdentify = 0x06;

// Identify Controller fields used by the tests.
struct IdentifyController {
    uint16_t vid = 0;
    uint16_t ssvid = 0;
    std::string serial; // trailing spaces removed
    std::string model;
};
IdentifyController parse_identify_controller(const unsigned char* data);

// Accessors for a mapped BAR0.
class Regs {
public:
    Regs() = default;
    explicit Regs(void* bar0) : base_(static_cast<volatile unsigned char*>(bar0)) {}
    uint32_t read32(uint32_t off) const {
        return *reinterpret_cast<volatile uint32_t*>(base_ + off);
    }
    void write32(uint32_t off, uint32_t v) const {
        *reinterpret_cast<volatile uint32_t*>(base_ + off) = v;
    }
    uint64_t read64(uint32_t off) const {
        return read32(off) | static_cast<uint64_t>(read32(off + 4)) << 32;
    }
    void write64(uint32_t off, uint64_t v) const {
        write32(off, static_cast<uint32_t>(v));
        write32(off + 4, static_cast<uint32_t>(v >> 32));
    }
    explicit operator bool() const { return base_ != nullptr; }

private:
    volatile unsigned char* base_ = nullptr;
};

// The admin queue pair plus a 4 KiB data buffer, all in DMA memory of fd.
class AdminQueue {
public:
    static constexpr uint16_t kDepth = 32;

    // bar0 must stay mapped while the queue is used.
    AdminQueue(int fd, void* bar0) : fd_(fd), regs_(bar0) {}

    // Disables the controller, programs the admin queue and enables it.
    // mask_intx writes INTMS so a polled queue never asserts INTx.
    // Returns "" or a description of what failed.
    std::string init(bool mask_intx = true);
    // CC.EN = 0 and waits for CSTS.RDY = 0.
    std::string disable();

    // Builds an Identify command (CNS cns) into the data buffer and submits it.
    uint16_t submit_identify(uint32_t cns, uint32_t nsid = 0);
    // Copies sqe into the next slot (its command identifier is set here) and
    // rings the SQ tail doorbell; returns the command identifier.
    uint16_t submit(Sqe sqe);
    // Whether the entry at the CQ head has the expected phase.
    bool completion_ready() const;
    // Polls for the next completion; consumes it and (ring_head) writes the
    // CQ head doorbell.
    std::optional<Cqe> wait(std::chrono::milliseconds timeout, bool ring_head = true);
    void ring_cq_head();

    // Submit Identify Controller and wait; "" or what failed.
    std::string identify_controller(IdentifyController* out,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

    DmaBuffer& data() { return data_; }
    const Regs& regs() const { return regs_; }
    uint64_t timeout_ms() const;

private:
    std::string wait_ready(bool ready);

    int fd_;
    Regs regs_;
    DmaBuffer sq_, cq_, data_;
    uint16_t sq_tail_ = 0;
    uint16_t cq_head_ = 0;
    uint16_t phase_ = 1;
    uint16_t next_cid_ = 1;
};

} // namespace devtest::nvme
