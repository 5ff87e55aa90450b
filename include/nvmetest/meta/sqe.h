// SPDX-License-Identifier: BSD-3-Clause
//
// Metamode command and completion entries: PyNVMe3's SQE and CQE (seed 002
// section 2, seed 003 "Python Space Driver").  They extend the spec structs
// nvme::Sqe and nvme::Cqe (every named field accessor is theirs) with dword
// indexing and with PRP fields that take a Buffer or a PRPList directly.
//
//   meta::SQE cmd(2, 1);           // SQE(2, 1): read, namespace 1
//   cmd.set_cid(0);                // cmd.cid = 0
//   cmd.set_prp1(buf);             // cmd.prp1 = buf  (its bus address)
//   cmd.set_prp2(prp_list);        // cmd.prp2 = prp_list
//   cmd[12] = 1;                   // cmd[12] = 1
//   meta::CQE cqe = cq[0];         // cqe.sqid(), cqe.sqhd(), cqe.cid(), cqe.p(), cqe.sc()
//
// Nothing is validated: an SQE is 16 raw dwords, so a test can send any value.
#ifndef NVMETEST_META_SQE_H
#define NVMETEST_META_SQE_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>

#include "nvmetest/buffer.h"
#include "nvmetest/nvme/command.h"

namespace nvmetest::meta {

class PRPList;

// The bus address given to a PRP (or MPTR) field: a raw value, or the address
// of byte offset() of a Buffer or PRPList.  Temporaries are refused at compile
// time: the device would write into memory already freed.
class Address {
public:
    Address(std::uint64_t value) noexcept : value_(value) {}
    Address(const Buffer& buf) noexcept : value_(buf.phys_addr()) {}
    Address(const PRPList& list) noexcept;
    Address(Buffer&&) = delete;
    Address(PRPList&&) = delete;
    std::uint64_t value() const noexcept { return value_; }

private:
    std::uint64_t value_;
};

// 64-byte submission queue entry.
struct SQE : nvme::Sqe {
    SQE() noexcept : nvme::Sqe{} {}
    // PyNVMe3's SQE(opcode, nsid): dword 0 holds the opcode (FUSE/PSDT 0), dword 1 the NSID.
    explicit SQE(std::uint8_t opcode, std::uint32_t nsid = 0, std::uint16_t cid = 0) noexcept;
    SQE(const nvme::Sqe& raw) noexcept : nvme::Sqe(raw) {}

    // Dword i (0..15); UsageError beyond.
    std::uint32_t& operator[](std::size_t i);
    std::uint32_t operator[](std::size_t i) const;

    void set_prp1(Address a) noexcept { nvme::Sqe::set_prp1(a.value()); }
    void set_prp2(Address a) noexcept { nvme::Sqe::set_prp2(a.value()); }
    void set_mptr(Address a) noexcept { nvme::Sqe::set_mptr(a.value()); }
};
static_assert(sizeof(SQE) == 64, "an SQE is copied into the ring as it is");

// 16-byte completion queue entry.
struct CQE : nvme::Cqe {
    CQE() noexcept : nvme::Cqe{} {}
    CQE(const nvme::Cqe& raw) noexcept : nvme::Cqe(raw) {}

    // Dword i (0..3); UsageError beyond.
    std::uint32_t& operator[](std::size_t i);
    std::uint32_t operator[](std::size_t i) const;
    // The phase tag, PSD's cqe.p.
    bool p() const noexcept { return phase(); }
};
static_assert(sizeof(CQE) == 16, "a CQE is read from the ring as it is");

}  // namespace nvmetest::meta

#endif  // NVMETEST_META_SQE_H
