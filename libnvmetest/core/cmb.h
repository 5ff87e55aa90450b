// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: the Controller Memory Buffer of one controller (NVMe 1.4+).
//
// Enabling: CAP.CMBS says the controller has one; CMBMSC.CRE makes CMBLOC and
// CMBSZ readable (QEMU reads them as 0 before, unless legacy-cmb), CMBMSC.CMSE
// with CBA = the bus address of the BAR that CMBLOC.BIR names turns on the
// controller memory space, so that queue and PRP addresses inside
// [CBA, CBA + size) reach the CMB.  The host reaches it through a mapping of
// that BAR.  Without an IOMMU the bus address of a BAR is the address in its
// config space Base Address Register.
//
// Memory is handed out by a first-fit allocator over the CMB, in page-aligned
// pieces; a piece (CmbAllocation) keeps its Cmb alive.
#ifndef NVMETEST_LIB_CORE_CMB_H
#define NVMETEST_LIB_CORE_CMB_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include "nvmetest/bar.h"

namespace nvmetest::core {

class Transport;
class Cmb;

struct CmbAllocation {
    std::shared_ptr<Cmb> cmb;
    std::size_t offset = 0;  // from the start of the CMB
    std::size_t length = 0;
    std::uint8_t* data = nullptr;
    std::uint64_t bus = 0;  // bus address of byte 0
    ~CmbAllocation();
};

class Cmb : public std::enable_shared_from_this<Cmb> {
public:
    // Enables and maps the CMB; UsageError when the controller has none.
    static std::shared_ptr<Cmb> open(const std::shared_ptr<Transport>& t);

    // Writes CMBMSC again (after a controller or PCIe reset).
    void program();

    std::uint64_t size() const noexcept { return size_; }
    std::uint64_t bus_base() const noexcept { return bus_; }
    std::uint32_t cmbsz() const noexcept { return cmbsz_; }
    std::uint32_t cmbloc() const noexcept { return cmbloc_; }
    bool sq_supported() const noexcept { return cmbsz_ & 1u; }
    bool cq_supported() const noexcept { return cmbsz_ & 2u; }
    bool data_supported() const noexcept { return (cmbsz_ & 0x18u) == 0x18u; }
    std::size_t free_bytes() const noexcept;

    // length bytes aligned to align (a power of two, at most 4096 is guaranteed
    // by the BAR alignment); UsageError when the CMB has no such free range.
    std::shared_ptr<CmbAllocation> alloc(std::size_t length, std::size_t align = 4096);

private:
    friend struct CmbAllocation;
    Cmb() = default;
    void release(std::size_t offset, std::size_t length) noexcept;

    std::shared_ptr<Transport> t_;
    BarMapping bar_;
    std::uint64_t bar_bus_ = 0;   // bus address of the BAR
    std::uint64_t bus_ = 0;       // bus address of the CMB (BAR + CMBLOC.OFST)
    std::uint64_t offset_ = 0;    // CMB offset in the BAR
    std::uint64_t size_ = 0;
    std::uint32_t cmbsz_ = 0, cmbloc_ = 0;
    std::map<std::size_t, std::size_t> free_;  // offset -> length
};

}  // namespace nvmetest::core

#endif  // NVMETEST_LIB_CORE_CMB_H
