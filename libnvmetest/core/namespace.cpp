// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/namespace.h"

#include <algorithm>

#include "core/raw_command.h"
#include "core/byte_fields.h"
#include "core/controller_core.h"
#include "ioworker/make_ioworker.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/warnings.h"
#include "verify/namespace_verify.h"

namespace nvmetest {
namespace {

constexpr std::uint32_t kFormatTimeoutMs = 30000;
constexpr std::uint16_t kPract = 1u << 13;  // io_flags: dword 12 bit 29

}  // namespace

struct Namespace::State {
    std::shared_ptr<core::ControllerCore> ctrl;
    std::uint32_t nsid = 0;
    DmaMemory id;
    std::uint64_t nsze = 0;
    std::uint32_t lba_bytes = 512;
    std::uint32_t ms = 0;
    bool extended = false;  // metadata transferred with the data (FLBAS bit 4)
    unsigned lbaf = 0;      // the LBA format in use (FLBAS)
    std::uint64_t nlba_verify = 0;
    unsigned verify_width = 1;
    std::shared_ptr<verify::NamespaceVerify> verify;
};

Namespace::Namespace(Controller& nvme, std::uint32_t nsid, std::uint64_t nlba_verify,
                     unsigned verify_width)
    : s_(std::make_unique<State>())
{
    if (verify_width != 1 && verify_width != 2 && verify_width != 4)
        throw UsageError("Namespace: verify_width " + std::to_string(verify_width) +
                         " is not a check value width: use 1, 2 or 4 (bytes per LBA)");
    s_->ctrl = nvme.core();
    s_->ctrl->check_open();
    s_->nsid = nsid;
    s_->nlba_verify = nlba_verify;
    s_->verify_width = verify_width;
    s_->id = s_->ctrl->t->alloc_dma(4096);
    refresh();
}

Namespace::Namespace(Namespace&&) noexcept = default;
Namespace& Namespace::operator=(Namespace&&) noexcept = default;
Namespace::~Namespace() = default;

void Namespace::close() noexcept { s_.reset(); }

IOWorker Namespace::ioworker(IOWorkerArgs args) const
{
    const State& s = state();
    return nvmetest::ioworker::make_ioworker({.ctrl = s.ctrl,
                                              .nsid = s.nsid,
                                              .capacity = s.nsze,
                                              .sector_size = s.lba_bytes,
                                              .meta_size = s.ms,
                                              .extended_lba = s.extended,
                                              .lbaf = s.lbaf,
                                              .verify = s.verify},
                                             std::move(args));
}

Namespace::State& Namespace::state() const
{
    State& s = verify_state();
    s.ctrl->check_open();
    return s;
}

// Without an open controller: the check values stay the namespace's while
// its controller is powered off (save_crc works then).
Namespace::State& Namespace::verify_state() const
{
    if (!s_)
        throw UsageError("this Namespace was closed (or moved from): create a new one");
    if (s_->ctrl->closed && s_->ctrl->successor)
        follow_power_cycle();
    return *s_;
}

// The function went away and came back (Subsystem power cycle by QMP): carry
// on with the controller made in its place, as PyNVMe3's nvme0n1 does.  The
// namespace is identified again; its check values (and their LBA locks) stay
// when its identity, size and format are unchanged, and lost commands have
// left their LBAs unknown.
void Namespace::follow_power_cycle() const
{
    State& s = *s_;
    std::shared_ptr<core::ControllerCore> next = s.ctrl->successor;
    while (next->closed && next->successor)
        next = next->successor;
    if (next->closed)
        return;  // powered off again: check_open() says so
    s.ctrl = std::move(next);
    s.id = s.ctrl->t->alloc_dma(4096);  // the old device's memory went with it
    const_cast<Namespace*>(this)->refresh();
}

void Namespace::refresh()
{
    State& s = state();
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kIdentify);
    sqe.set_nsid(s.nsid);
    sqe.cdw[10] = nvme::cns::kNamespace;
    const nvme::Cqe cqe = s.ctrl->admin_sync(sqe, &s.id, 4096);
    if (!cqe.ok())
        throw UsageError("Identify Namespace " + std::to_string(s.nsid) + " failed (" +
                         nvme::status_string(cqe.status()) +
                         "): is the namespace ID active on this controller?");
    const std::uint8_t* d = s.id.data();
    s.nsze = 0;
    for (int i = 7; i >= 0; i--)
        s.nsze = s.nsze << 8 | d[i];
    const std::uint8_t flbas = d[26];
    const unsigned fmt = (flbas & 0xfu) | ((flbas >> 5) & 3u) << 4;
    const std::uint8_t* f = d + 128 + fmt * 4;
    s.ms = f[0] | f[1] << 8;
    s.lba_bytes = f[2] >= 9 && f[2] < 32 ? 1u << f[2] : 512u;
    s.extended = flbas & 0x10;
    s.lbaf = fmt;
    s.verify = verify::make_namespace_verify(*s.ctrl, s.nsid, s.id.data(), s.nlba_verify,
                                             s.verify_width, s.verify);
}

std::uint32_t Namespace::nsid() const { return state().nsid; }
std::uint64_t Namespace::capacity() const { return state().nsze; }
std::uint32_t Namespace::sector_size() const { return state().lba_bytes; }
std::uint32_t Namespace::meta_size() const { return state().ms; }
bool Namespace::extended_lba() const { return state().extended; }

std::uint64_t Namespace::id_int(std::size_t end, std::size_t begin) const
{
    const State& s = state();
    if (begin > end || end >= 4096 || end - begin >= 8)
        throw UsageError("id_data(" + std::to_string(end) + ", " + std::to_string(begin) +
                         ") must name 1 to 8 bytes of Identify Namespace");
    return core::le_field(s.id.data(), end, begin);
}

std::string Namespace::id_string(std::size_t end, std::size_t begin) const
{
    const State& s = state();
    if (begin > end || end >= 4096)
        throw UsageError("id_data<std::string>: the field lies outside Identify Namespace");
    return core::text_field(s.id.data(), end, begin);
}

Qpair& Namespace::submit(Qpair& qpair, nvme::Sqe sqe, Buffer* buf, std::size_t xfer,
                         Callback cb, bool sgl, const Buffer* meta)
{
    State& s = state();
    if (sgl)
        sqe.set_psdt(nvme::psdt::kSglContiguousMeta);
    core::QpairCore& qc = qpair.core();
    if (qc.ctrl.get() != s.ctrl.get())
        throw UsageError("the Qpair belongs to another Controller than this Namespace");
    const std::uint32_t timeout = s.ctrl->io_timeout(sqe.opcode());
    if (buf)
        s.ctrl->check_buffer_device(buf->in_cmb(), buf->device(), buf->name());
    // Data verification: locks, injection, and the hook the queue runs at
    // completion (CMB data is not read by the host byte by byte: unchecked).
    core::CompletionHook hook;
    const bool host_data = buf && !buf->in_cmb();
    const bool verified = verify::prepare(
        s.verify, sqe, host_data ? buf->bytes().data() + buf->offset() : nullptr,
        host_data ? std::min(xfer, buf->size()) : 0, *qc.q, timeout, hook);
    try {
        if (buf) {
            const core::DataRef ref{buf->phys_addr(), buf->size(), buf->offset(), buf->name(),
                                    &buf->share_memory(), meta ? &meta->share_memory() : nullptr};
            qc.q->submit(sqe, &ref, xfer, std::move(cb), timeout, false, verified ? &hook : nullptr);
        } else {
            qc.q->submit(sqe, nullptr, 0, std::move(cb), timeout, false, verified ? &hook : nullptr);
        }
    } catch (...) {
        verify::abandon(hook);
        throw;
    }
    return qpair;
}

Qpair& Namespace::rw(std::uint8_t opcode, Qpair& qpair, Buffer* buf, std::uint64_t lba,
                     std::uint32_t lba_count, IoArgs& a)
{
    const State& s = state();
    if (lba_count == 0 || lba_count > 0x10000)
        throw UsageError("lba_count " + std::to_string(lba_count) +
                         " is outside 1..65536 (NLB is 16 bits, 0-based)");
    nvme::Sqe sqe{};
    sqe.set_opcode(opcode);
    sqe.set_nsid(s.nsid);
    sqe.cdw[10] = static_cast<std::uint32_t>(lba);
    sqe.cdw[11] = static_cast<std::uint32_t>(lba >> 32);
    sqe.cdw[12] = (lba_count - 1) | std::uint32_t{a.io_flags} << 16;
    sqe.cdw[13] = a.dword13;
    sqe.cdw[14] = a.dword14;
    sqe.cdw[15] = a.dword15;
    if (a.meta) {
        if (s.ms == 0 || s.extended)
            throw UsageError(std::string("a metadata buffer (.meta) is for separate-buffer "
                                         "metadata formats; namespace ") +
                             std::to_string(s.nsid) +
                             (s.ms ? " transfers its metadata with the data (extended LBA)"
                                   : " has no metadata"));
        s.ctrl->check_buffer_device(a.meta->in_cmb(), a.meta->device(), a.meta->name());
        const std::size_t need = std::size_t{s.ms} * lba_count;
        if (a.meta->size() < need)
            throw UsageError("metadata Buffer \"" + a.meta->name() + "\" holds " +
                             std::to_string(a.meta->size()) + " bytes from offset " +
                             std::to_string(a.meta->offset()) + ", " + std::to_string(lba_count) +
                             " LBAs need " + std::to_string(need));
        sqe.set_mptr(a.meta->phys_addr());
    } else if (buf && s.ms && !s.extended &&
               !(s.ms == 8 && (a.io_flags & kPract) && s.id.data()[29] & 7u)) {
        throw UsageError("namespace " + std::to_string(s.nsid) + " has " + std::to_string(s.ms) +
                         " bytes of metadata per LBA in a separate buffer: pass .meta = &buffer "
                         "of at least lba_count * " + std::to_string(s.ms) +
                         " bytes (without it the device would transfer metadata at address 0)");
    }
    const std::size_t block = s.lba_bytes + (s.extended ? s.ms : 0);
    return submit(qpair, sqe, buf, buf ? block * lba_count : 0, std::move(a.cb), a.sgl, a.meta);
}

Qpair& Namespace::read(Qpair& q, Buffer& buf, std::uint64_t lba, std::uint32_t n, IoArgs a)
{
    return rw(nvme::io::kRead, q, &buf, lba, n, a);
}
Qpair& Namespace::write(Qpair& q, Buffer& buf, std::uint64_t lba, std::uint32_t n, IoArgs a)
{
    return rw(nvme::io::kWrite, q, &buf, lba, n, a);
}
Qpair& Namespace::compare(Qpair& q, Buffer& buf, std::uint64_t lba, std::uint32_t n, IoArgs a)
{
    return rw(nvme::io::kCompare, q, &buf, lba, n, a);
}
Qpair& Namespace::write_uncor(Qpair& q, std::uint64_t lba, std::uint32_t n, IoArgs a)
{
    return rw(nvme::io::kWriteUncorrectable, q, nullptr, lba, n, a);
}
Qpair& Namespace::write_zeroes(Qpair& q, std::uint64_t lba, std::uint32_t n, IoArgs a)
{
    return rw(nvme::io::kWriteZeroes, q, nullptr, lba, n, a);
}
Qpair& Namespace::verify(Qpair& q, std::uint64_t lba, std::uint32_t n, IoArgs a)
{
    return rw(nvme::io::kVerify, q, nullptr, lba, n, a);
}

Qpair& Namespace::flush(Qpair& qpair, Callback cb)
{
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::io::kFlush);
    sqe.set_nsid(state().nsid);
    return submit(qpair, sqe, nullptr, 0, std::move(cb));
}

Qpair& Namespace::dsm(Qpair& qpair, Buffer& buf, std::uint32_t range_num, DsmArgs a)
{
    if (range_num == 0 || range_num > 256)
        throw UsageError("DSM takes 1 to 256 ranges, not " + std::to_string(range_num));
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::io::kDatasetManagement);
    sqe.set_nsid(state().nsid);
    sqe.cdw[10] = range_num - 1;
    sqe.cdw[11] = a.attribute;
    return submit(qpair, sqe, &buf, std::size_t{range_num} * 16, std::move(a.cb), a.sgl);
}

Qpair& Namespace::copy(Qpair& qpair, Buffer& buf, std::uint64_t sdlba, std::uint32_t range_num,
                       IoArgs a)
{
    if (range_num == 0 || range_num > 256)
        throw UsageError("Copy takes 1 to 256 source ranges, not " + std::to_string(range_num));
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::io::kCopy);
    sqe.set_nsid(state().nsid);
    sqe.cdw[10] = static_cast<std::uint32_t>(sdlba);
    sqe.cdw[11] = static_cast<std::uint32_t>(sdlba >> 32);
    sqe.cdw[12] = (range_num - 1) | std::uint32_t{a.io_flags} << 16;  // format 0
    sqe.cdw[13] = a.dword13;
    sqe.cdw[14] = a.dword14;
    sqe.cdw[15] = a.dword15;
    return submit(qpair, sqe, &buf, std::size_t{range_num} * 32, std::move(a.cb), a.sgl);
}

Qpair& Namespace::send_cmd(std::uint32_t opcode, Qpair& qpair, IoCmdArgs a)
{
    const nvme::Sqe sqe = core::raw_sqe(opcode, a.nsid ? a.nsid : state().nsid, a);
    const std::size_t bytes = core::raw_transfer_bytes(a);
    return submit(qpair, sqe, a.buf, bytes, std::move(a.cb));
}

Qpair& Namespace::zone_append(Qpair& q, Buffer& buf, std::uint64_t zslba, std::uint32_t n,
                              IoArgs a)
{
    return rw(nvme::io::kZoneAppend, q, &buf, zslba, n, a);
}

Qpair& Namespace::zone_mgmt_send(Qpair& qpair, std::uint64_t slba, std::uint8_t action,
                                 ZoneSendArgs a)
{
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::io::kZoneManagementSend);
    sqe.set_nsid(state().nsid);
    sqe.cdw[10] = static_cast<std::uint32_t>(slba);
    sqe.cdw[11] = static_cast<std::uint32_t>(slba >> 32);
    sqe.cdw[13] = action | (a.select_all ? 1u << 8 : 0u);
    return submit(qpair, sqe, a.buf, a.buf ? a.buf->size() : 0, std::move(a.cb), a.sgl);
}

Qpair& Namespace::zone_mgmt_receive(Qpair& qpair, Buffer& buf, std::uint64_t slba,
                                    ZoneReceiveArgs a)
{
    const std::size_t bytes = a.size ? a.size : buf.size();
    if (bytes < 4 || bytes % 4)
        throw UsageError("Zone Management Receive transfers whole dwords: " +
                         std::to_string(bytes) + " bytes is not a positive multiple of 4");
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::io::kZoneManagementReceive);
    sqe.set_nsid(state().nsid);
    sqe.cdw[10] = static_cast<std::uint32_t>(slba);
    sqe.cdw[11] = static_cast<std::uint32_t>(slba >> 32);
    sqe.cdw[12] = static_cast<std::uint32_t>(bytes / 4 - 1);
    sqe.cdw[13] = a.action | std::uint32_t{a.filter} << 8 | (a.partial ? 1u << 16 : 0u);
    return submit(qpair, sqe, &buf, bytes, std::move(a.cb), a.sgl);
}

std::uint16_t Namespace::format(std::uint32_t data_size, std::uint32_t meta_size, std::uint8_t ses)
{
    State& s = state();
    const int lbaf = get_lba_format(data_size, meta_size);
    if (lbaf < 0)
        throw UsageError("namespace " + std::to_string(s.nsid) + " has no LBA format of " +
                         std::to_string(data_size) + " + " + std::to_string(meta_size) +
                         " bytes: see its LBAF list (id_data(128 + 4 * i))");
    const std::uint32_t saved = s.ctrl->admin_timeouts[0x80];
    s.ctrl->admin_timeouts[0x80] = std::max(s.ctrl->admin_timeout(0x80), kFormatTimeoutMs);
    nvme::Sqe sqe{};
    sqe.set_opcode(0x80);
    sqe.set_nsid(s.nsid);
    sqe.cdw[10] = (static_cast<std::uint32_t>(lbaf) & 0xfu) | (ses & 7u) << 9 |
                  ((static_cast<std::uint32_t>(lbaf) >> 4) & 3u) << 12;
    nvme::Cqe cqe{};
    try {
        cqe = s.ctrl->admin_sync(sqe, nullptr, 0);
    } catch (...) {
        s.ctrl->admin_timeouts[0x80] = saved;
        throw;
    }
    s.ctrl->admin_timeouts[0x80] = saved;
    if (!cqe.ok())
        warn(nvme::status_string(cqe.status()));
    refresh();
    if (cqe.ok() && s.verify->verifier)
        s.verify->verifier->reset();  // the media is erased (or undefined)
    return cqe.status();
}

bool Namespace::verify_enable(bool enable)
{
    State& s = state();
    verify::NamespaceVerify& nv = *s.verify;
    if (enable && !nv.enabled && nv.stale && nv.verifier)
        nv.verifier->reset();
    if (enable && nv.verifier)
        verify::probe_zone_size(nv, *s.ctrl, s.nsid,
                                (s.id.data()[26] & 0xfu) | ((s.id.data()[26] >> 5) & 3u) << 4);
    nv.stale = false;
    nv.enabled = enable && nv.verifier;
    return nv.enabled;
}

void Namespace::inject_write_buffer_disable() { state().verify->inject = false; }

verify::Verifier* Namespace::verifier() const { return verify_state().verify->verifier.get(); }

void Namespace::save_crc(const std::string& path) const
{
    const State& s = verify_state();
    if (!s.verify->verifier)
        throw UsageError("save_crc: namespace " + std::to_string(s.nsid) +
                         " has no check values (the memory check at its creation refused them)");
    s.verify->verifier->save(path);
}

void Namespace::load_crc(const std::string& path)
{
    State& s = verify_state();
    if (!s.verify->verifier)
        throw UsageError("load_crc: namespace " + std::to_string(s.nsid) +
                         " has no check values (the memory check at its creation refused them)");
    s.verify->verifier->load(path);
    s.verify->stale = false;
}

bool Namespace::supports(std::uint8_t opcode)
{
    return state().ctrl->supports(256u + opcode);
}

void Namespace::set_timeout_ms(std::uint8_t opcode, std::uint32_t msec)
{
    if (msec == 0)
        throw UsageError("a timeout of 0 ms would fail every command: give milliseconds > 0");
    state().ctrl->io_timeouts[opcode] = msec;
}

int Namespace::get_lba_format(std::uint32_t data_size, std::uint32_t meta_size)
{
    const State& s = state();
    const std::uint8_t* d = s.id.data();
    const unsigned nlbaf = d[25] + 1u;
    for (unsigned i = 0; i < nlbaf && i < 64; i++) {
        const std::uint8_t* f = d + 128 + i * 4;
        const std::uint32_t ms = f[0] | f[1] << 8;
        if (f[2] >= 9 && f[2] < 32 && (1u << f[2]) == data_size && ms == meta_size)
            return static_cast<int>(i);
    }
    return -1;
}

}  // namespace nvmetest
