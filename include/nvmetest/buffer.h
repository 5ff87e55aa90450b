// SPDX-License-Identifier: BSD-3-Clause
//
// Buffer: DMA memory for data, PRP lists, log pages and feature structures, as
// PyNVMe3's Buffer class (API section 1).
//
//   nvmetest::Buffer buf(512, {.name = "write", .pvalue = 100, .ptype = 0xbeef});
//   buf.set_offset(3); buf.set_size(509);
//   std::uint64_t vid = id_buf.data(1, 0);
//   std::string mn = id_buf.data<std::string>(63, 24);
//
// Which device's memory: a Buffer is DMA memory of one PCI function.  It comes
// from options.pcie when given, else from the process default device: the most
// recently opened Pcie whose device is still open (by the Pcie, or by a
// Controller or Buffer made from it).  A Buffer keeps that device's file
// open, so it may outlive its Pcie; it can only be used in commands to that
// device (another device would read another address space under an IOMMU).
//
// Layout (identical to PyNVMe3):
//
//    0             offset                             length
//    |===============|===================================|
//                    |<========= size =========>|
//
// length is fixed at creation; offset is where the region given to the device
// starts and size its length (default: offset 0, size = length).  PRP entries
// are built from (phys_addr(), size()).  Setting the offset alone makes size
// length - offset; offset + size never exceeds length (UsageError).  Indexing
// (buf[i], slice, data) is relative to byte 0 of the allocation, not the offset.
//
// Controller Memory Buffer: with .nvme = &nvme0 the buffer lies in that
// controller's CMB (BAR2 on QEMU), enabled on first use (CMBMSC.CRE and CMSE,
// CBA = the BAR's bus address); phys_addr() is then a CMB address, which the
// controller serves from its own memory.  in_cmb() tells.  The CMB holds data,
// PRP lists and SQs (CMBSZ.SQS/LISTS/RDS/WDS); not CQs on QEMU.  The
// buffer keeps the CMB space until it goes; reads and writes of its bytes are
// uncached accesses to the BAR (slow: meant for command data, not bulk).
//
// Several devices: without an IOMMU every device reaches every DMA buffer by
// its bus address, so a host Buffer of one Pcie works in commands to another
// (tests of two controllers share data buffers that way).  Under an IOMMU each
// device has its own address space and a Buffer is only valid for its own
// device; device() names it so that tests can check.  A CMB Buffer is valid
// for its own controller (peer-to-peer to another controller is not set up).
//
// One Buffer is one physically contiguous allocation: at most
// info().dma_max_alloc bytes (4 MiB without an IOMMU on Debian's kernel).  Larger
// requests are refused with a UsageError naming the limit; split the transfer
// or run with a translating IOMMU, where the limit is the module's per-file DMA
// limit.
#ifndef NVMETEST_BUFFER_H
#define NVMETEST_BUFFER_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "nvmetest/dma.h"

namespace nvmetest {

class Controller;
class Pcie;

// Keyword arguments of the constructor, in Python's order.
struct BufferOptions {
    std::string name = "buffer";
    std::uint64_t pvalue = 0;
    std::uint32_t ptype = 0;  // 0, 32, 0xbeef, 0xf17e, 0x1234, 0x4321 (see pattern.h)
    std::size_t offset = 0;
    // Allocate in this controller's Controller Memory Buffer (see above).
    Controller* nvme = nullptr;
    // The device whose DMA memory to use; nullptr: the process default device.
    Pcie* pcie = nullptr;
    // ptype 0xf17e: the file whose contents fill the buffer (Python passes it as pvalue).
    std::string pfile{};
};

class Buffer {
public:
    explicit Buffer(std::size_t length = 4096, BufferOptions options = {});
    Buffer(std::size_t length, const char* name);
    // A moved-from Buffer has length 0.
    Buffer(Buffer&& other) noexcept;
    Buffer& operator=(Buffer&& other) noexcept;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() = default;

    const std::string& name() const noexcept { return name_; }
    std::size_t length() const noexcept { return length_; }
    std::size_t offset() const noexcept { return offset_; }
    std::size_t size() const noexcept { return size_; }
    void set_offset(std::size_t offset);
    void set_size(std::size_t size);
    // The bus address of byte offset(): what PRP1 gets.
    std::uint64_t phys_addr() const noexcept { return bus_ + offset_; }
    // The bus address of any byte of the allocation.
    std::uint64_t phys_addr_at(std::size_t pos) const noexcept { return bus_ + pos; }
    // Whether the buffer lies in a Controller Memory Buffer.
    bool in_cmb() const noexcept { return cmb_ != nullptr; }
    // The PCI address ("0000:01:00.0") of the device whose memory this is.
    const std::string& device() const noexcept { return device_; }

    // ------------------------------------------------------ byte access
    // Bounds-checked (UsageError); Python's buf[i] and buf[i] = v.
    std::uint8_t& operator[](std::size_t i);
    std::uint8_t operator[](std::size_t i) const;
    // Python's buf[begin:end] (end excluded).
    std::span<std::uint8_t> slice(std::size_t begin, std::size_t end);
    std::span<const std::uint8_t> slice(std::size_t begin, std::size_t end) const;
    // Python's buf[begin:begin+len(bytes)] = bytes.
    void set(std::size_t begin, std::span<const std::uint8_t> bytes);
    void set(std::size_t begin, std::initializer_list<std::uint8_t> bytes);
    void set(std::size_t begin, std::string_view text);
    // The whole allocation.
    std::span<std::uint8_t> bytes() noexcept { return {ptr_, length_}; }
    std::span<const std::uint8_t> bytes() const noexcept { return {ptr_, length_}; }

    // A field [begin, end] with both ends included, as the NVMe specification
    // numbers bytes; begin defaults to end.  Integers are little-endian and at
    // most 8 bytes wide; strings lose their trailing spaces and NULs.
    //   buf.data(1, 0)   buf.data<std::string>(63, 24)
    template <class T = std::uint64_t>
    T data(std::size_t end, std::size_t begin) const
    {
        if constexpr (std::is_same_v<T, std::string>)
            return data_string(end, begin);
        else
            return static_cast<T>(data_int(end, begin));
    }
    template <class T = std::uint64_t>
    T data(std::size_t end) const
    {
        return data<T>(end, end);
    }

    // Hex dump of the first size bytes (0: all), with the name as its first line.
    std::string dump(std::size_t size = 0) const;
    // CRC-8 of the whole allocation (nvmetest::crc8).
    std::uint8_t crc8() const;
    // Byte-for-byte equality of the whole allocations (lengths must match too).
    bool operator==(const Buffer& other) const noexcept;

    // Refill with a data pattern (see pattern.h for ptype/pvalue).
    void fill_pattern(std::uint64_t pvalue, std::uint32_t ptype = 0);
    void fill_pattern_file(const std::string& path);

    // ------------------------------------------------ command data helpers
    // Dataset Management range index: context attributes, length in LBAs, start LBA.
    void set_dsm_range(std::size_t index, std::uint64_t lba, std::uint32_t lba_count,
                       std::uint32_t attr = 0);
    // Copy source range index (format 0): start LBA and a count of LBAs (1-based;
    // the descriptor holds it 0-based).
    void set_copy_range(std::size_t index, std::uint64_t lba, std::uint32_t lba_count);
    // Controller list: number of identifiers, then the identifiers.
    void set_controller_list(std::initializer_list<std::uint16_t> ids);
    template <class... Ids>
    void set_controller_list(Ids... ids)
    {
        set_controller_list({static_cast<std::uint16_t>(ids)...});
    }

    // Internal: the host DMA allocation (empty for a CMB buffer).
    const DmaMemory& memory() const noexcept;
    // Internal: the owner of the memory (host DMA or CMB allocation), of
    // which the library keeps a share while the device may still write it
    // after this Buffer is gone (a command in flight or timed out,
    // Controller::dbbuf_config); empty for a moved-from Buffer.
    const std::shared_ptr<void>& share_memory() const noexcept { return share_; }

private:
    std::uint64_t data_int(std::size_t end, std::size_t begin) const;
    std::string data_string(std::size_t end, std::size_t begin) const;
    void check_range(std::size_t begin, std::size_t end, const char* what) const;

    std::string name_;
    std::string device_;
    std::shared_ptr<DmaMemory> mem_;  // shared: see share_memory()
    std::shared_ptr<void> cmb_;  // the CMB allocation, when in the CMB
    std::shared_ptr<void> share_;  // mem_ or cmb_, as the device's memory
    std::uint8_t* ptr_ = nullptr;
    std::uint64_t bus_ = 0;
    std::size_t length_ = 0;
    std::size_t offset_ = 0;
    std::size_t size_ = 0;
    bool size_set_ = false;
};

}  // namespace nvmetest

#endif  // NVMETEST_BUFFER_H
