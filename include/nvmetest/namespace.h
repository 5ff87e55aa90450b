// SPDX-License-Identifier: BSD-3-Clause
//
// Namespace: an NVMe namespace of a Controller, as PyNVMe3's Namespace class
// (API section 4).  I/O commands go through an explicit Qpair and return it,
// so that nvme0n1.read(qpair, buf, 0, 8).waitdone() reads as in Python.
//
//   nvmetest::Namespace nvme0n1(nvme0);        // nsid 1
//   nvme0n1.write(qpair, buf, 0, 1).waitdone();
//   nvme0n1.read(qpair, buf, 0, 1, {.cb = [&](const nvmetest::nvme::Cqe& c) { ... }});
//   qpair.waitdone();
//
// A data buffer smaller than lba_count blocks (buf.size() from buf.offset()) is
// refused with UsageError before anything reaches the device.
//
// Data verification (PyNVMe3 API 4.4, docs/verification.md): off until
// verify_enable() (the `verify` fixture of fixtures.h).  While on, every
// write carries nsid/LBA in the first 8 bytes and a unique token in the last
// 8 bytes of each LBA (the Buffer is modified before submission, unless
// inject_write_buffer_disable()), the check value of each LBA is stored when
// the write succeeds, every successful read is checked LBA by LBA, and a
// mismatch becomes a warning naming namespace, LBA, expected and found
// values and the command.  I/Os on overlapping LBAs never run at once: a
// conflicting command waits, reaping its own qpair meanwhile (completions
// reaped so count for the next waitdone()); one that conflicts with a command
// of another qpair nobody reaps (this thread's, or from inside a callback)
// fails with UsageError after the command's timeout, nothing sent.  While off,
// nothing is tracked: if media-changing commands went through this Namespace
// meanwhile, verify_enable() starts again from an empty map (every LBA
// unknown) rather than check against values that may be stale.
//
// The check values belong to the namespace of the NVM subsystem, not to this
// object or its Controller: Namespace objects of the same namespace share
// them, also one made after a power cycle.  Across Subsystem::poweroff() /
// poweron() (QMP), this object carries on with the controller made in place
// of the old one (identified again on first use); writes in flight at the
// power loss leave their LBAs unknown (docs/verification.md).
#ifndef NVMETEST_NAMESPACE_H
#define NVMETEST_NAMESPACE_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "nvmetest/buffer.h"
#include "nvmetest/controller.h"
#include "nvmetest/ioworker.h"
#include "nvmetest/qpair.h"

namespace nvmetest {

namespace verify {
class Verifier;
}

// The keyword tail of I/O commands: io_flags is dword 12 bits 31:16 (FUA,
// LR, PRINFO, ...), dword13..15 as given.
//
// Metadata: on an extended-LBA format (FLBAS bit 4) the metadata travels with
// the data, so the data buffer holds lba_count * (sector_size + meta_size)
// bytes.  On a separate-buffer format, meta is the metadata buffer (MPTR =
// meta->phys_addr(), at least lba_count * meta_size bytes from its offset);
// a data transfer without it is refused (the device would write metadata to
// bus address 0), except with PRACT set on a format whose metadata is only
// the 8-byte protection information.
//
// sgl: the data pointer is a Scatter Gather List instead of PRPs (PSDT 01b):
// one SGL Data Block descriptor in SGL1 covering the buffer from its offset
// (Buffers are physically contiguous), and MPTR, if any, the contiguous
// metadata buffer.  PyNVMe3 chooses SGLs per I/O in the ioworker
// (sgl_percentage); this is the same choice for one command.  Whether the
// controller takes them is its business (Identify Controller SGLS, bytes
// 539:536): the command goes out as asked and the status tells.
struct IoArgs {
    std::uint16_t io_flags = 0;
    std::uint32_t dword13 = 0, dword14 = 0, dword15 = 0;
    Buffer* meta = nullptr;
    bool sgl = false;
    Callback cb{};
};
struct DsmArgs {
    std::uint32_t attribute = 0x4;  // AD: deallocate
    bool sgl = false;               // the range list through an SGL (see IoArgs)
    Callback cb{};
};
// send_cmd() on a namespace: the opcode's bits 9:8 are the FUSE field and
// bits 15:14 PSDT (nonzero: the buffer goes as one SGL Data Block descriptor).
struct IoCmdArgs {
    Buffer* buf = nullptr;
    std::uint32_t nsid = 0;  // 0: this namespace
    std::uint32_t cdw2 = 0, cdw3 = 0;
    std::uint32_t cdw10 = 0, cdw11 = 0, cdw12 = 0, cdw13 = 0, cdw14 = 0, cdw15 = 0;
    std::size_t size = 0;  // bytes transferred; 0: the buffer's size
    Callback cb{};
};

// Zone Management Send: select_all applies the action to every zone in a
// state it applies to (SLBA ignored); buf is the data of Set Zone Descriptor
// Extension.
struct ZoneSendArgs {
    bool select_all = false;
    Buffer* buf = nullptr;
    bool sgl = false;  // see IoArgs
    Callback cb{};
};
// Zone Management Receive: action 0 report zones, 1 extended report; filter
// (Reporting Options): 0 all, 1 empty, 2 implicitly open, 3 explicitly open,
// 4 closed, 5 full, 6 read only, 7 offline; partial: nr_zones counts only the
// zones that fit.  size: bytes to transfer, 0: the buffer's size.
struct ZoneReceiveArgs {
    std::uint8_t action = 0;
    std::uint8_t filter = 0;
    bool partial = false;
    std::uint32_t size = 0;
    bool sgl = false;  // see IoArgs
    Callback cb{};
};

class Namespace {
public:
    // nlba_verify: verify only LBAs [0, nlba_verify) (0: all).  The memory
    // the check values need is checked here: when it is short, a warning says
    // how much was needed and verification stays unavailable.
    // verify_width: bytes per check value, 1 (PyNVMe3's, the default), 2 or 4;
    // wider values let fewer corruptions escape (docs/verification.md: about
    // 1/250, 1/65000, 2^-31; a flip of an odd number of bits never escapes).
    // Anything else is a UsageError.
    explicit Namespace(Controller& nvme, std::uint32_t nsid = 1, std::uint64_t nlba_verify = 0,
                       unsigned verify_width = 1);
    Namespace(Namespace&&) noexcept;
    Namespace& operator=(Namespace&&) noexcept;
    Namespace(const Namespace&) = delete;
    Namespace& operator=(const Namespace&) = delete;
    ~Namespace();

    // Python's close(): later use throws UsageError.  Idempotent.
    void close() noexcept;

    std::uint32_t nsid() const;
    // NSZE: the namespace size in logical blocks.
    std::uint64_t capacity() const;
    // Bytes of one logical block's data, and of its metadata.
    std::uint32_t sector_size() const;
    std::uint32_t meta_size() const;
    // Whether the metadata is transferred with the data (extended LBA).
    bool extended_lba() const;

    // Identify Namespace bytes [begin, end] (read at creation and by format()).
    template <class T = std::uint64_t>
    T id_data(std::size_t end, std::size_t begin) const
    {
        if constexpr (std::is_same_v<T, std::string>)
            return id_string(end, begin);
        else
            return static_cast<T>(id_int(end, begin));
    }
    template <class T = std::uint64_t>
    T id_data(std::size_t end) const
    {
        return id_data<T>(end, end);
    }
    // Reads Identify Namespace again (after format, attach, ...).
    void refresh();

    // ------------------------------------------------------------ I/O
    Qpair& read(Qpair& qpair, Buffer& buf, std::uint64_t lba, std::uint32_t lba_count = 1,
                IoArgs a = {});
    Qpair& write(Qpair& qpair, Buffer& buf, std::uint64_t lba, std::uint32_t lba_count = 1,
                 IoArgs a = {});
    Qpair& compare(Qpair& qpair, Buffer& buf, std::uint64_t lba, std::uint32_t lba_count = 1,
                   IoArgs a = {});
    Qpair& flush(Qpair& qpair, Callback cb = {});
    Qpair& write_uncor(Qpair& qpair, std::uint64_t lba, std::uint32_t lba_count = 1,
                       IoArgs a = {});
    Qpair& write_zeroes(Qpair& qpair, std::uint64_t lba, std::uint32_t lba_count = 1,
                        IoArgs a = {});
    Qpair& verify(Qpair& qpair, std::uint64_t lba, std::uint32_t lba_count = 1, IoArgs a = {});
    // Dataset Management of range_num ranges (Buffer::set_dsm_range).
    Qpair& dsm(Qpair& qpair, Buffer& buf, std::uint32_t range_num, DsmArgs a = {});
    // Copy range_num source ranges (Buffer::set_copy_range) to sdlba.
    Qpair& copy(Qpair& qpair, Buffer& buf, std::uint64_t sdlba, std::uint32_t range_num = 1,
                IoArgs a = {});
    // Any I/O opcode, valid or not.
    Qpair& send_cmd(std::uint32_t opcode, Qpair& qpair, IoCmdArgs a = {});

    // ------------------------------------------------- zoned namespaces
    // Zone Append to the zone starting at zslba; the LBA the data went to is
    // in the CQE: dw[0] | uint64_t(dw[1]) << 32 (see zone_append_lba()).
    Qpair& zone_append(Qpair& qpair, Buffer& buf, std::uint64_t zslba,
                       std::uint32_t lba_count = 1, IoArgs a = {});
    // Zone Management Send: action is nvme::zone_send_action (1 close,
    // 2 finish, 3 open, 4 reset, 5 offline, 0x10 set descriptor extension).
    Qpair& zone_mgmt_send(Qpair& qpair, std::uint64_t slba, std::uint8_t action,
                          ZoneSendArgs a = {});
    // Zone Management Receive into buf: a ZoneReportHeader, then 64-byte
    // ZoneDescriptors (nvme/zns.h).
    Qpair& zone_mgmt_receive(Qpair& qpair, Buffer& buf, std::uint64_t slba = 0,
                             ZoneReceiveArgs a = {});
    static std::uint64_t zone_append_lba(const nvme::Cqe& cqe) noexcept
    {
        return cqe.dw[0] | std::uint64_t{cqe.dw[1]} << 32;
    }

    // ------------------------------------------------ data verification
    // Turns verification on or off; returns whether it is on (false when the
    // memory check refused it).
    bool verify_enable(bool enable = true);
    // Writes keep the caller's data in every byte; reads then check check
    // values only (no header).
    void inject_write_buffer_disable();
    // The check values to a file and back (see verify.h for the header); a
    // file of another namespace, LBA format, size or nlba_verify is refused
    // with UsageError and changes nothing.  No I/O may be in flight.
    void save_crc(const std::string& path) const;
    void load_crc(const std::string& path);
    // The engine (null when the memory check refused it): the map, locks
    // and checks, for IOWorkers and tests.
    verify::Verifier* verifier() const;
    // --------------------------------------------------------- IOWorker
    // An I/O generator with its own thread and Qpair (nvmetest/ioworker.h):
    //   nvme0n1.ioworker({.io_size = 8, .time = 5}).start().close();
    // Throws UsageError for contradictory or out-of-range arguments.
    IOWorker ioworker(IOWorkerArgs args = {}) const;

    // ---------------------------------------------------------- helpers
    // Formats this namespace to the LBA format of these sizes and waits (with a
    // timeout of at least 30 s); returns the status field (0: success).
    std::uint16_t format(std::uint32_t data_size = 512, std::uint32_t meta_size = 0,
                         std::uint8_t ses = 0);
    bool supports(std::uint8_t opcode);
    void set_timeout_ms(std::uint8_t opcode, std::uint32_t msec);
    int get_lba_format(std::uint32_t data_size = 512, std::uint32_t meta_size = 0);

private:
    struct State;
    State& state() const;
    State& verify_state() const;
    void follow_power_cycle() const;
    std::uint64_t id_int(std::size_t end, std::size_t begin) const;
    std::string id_string(std::size_t end, std::size_t begin) const;
    Qpair& rw(std::uint8_t opcode, Qpair& qpair, Buffer* buf, std::uint64_t lba,
              std::uint32_t lba_count, IoArgs& a);
    // meta: the separate metadata buffer MPTR names, kept with buf until the
    // device is done with the command.
    Qpair& submit(Qpair& qpair, nvme::Sqe sqe, Buffer* buf, std::size_t xfer, Callback cb,
                  bool sgl = false, const Buffer* meta = nullptr);

    std::unique_ptr<State> s_;
};

}  // namespace nvmetest

#endif  // NVMETEST_NAMESPACE_H
