// SPDX-License-Identifier: BSD-3-Clause
//
// Controller: lifetime, registers, initialization, waiting, reset.
#include "nvmetest/controller.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <new>
#include <thread>
#include <type_traits>

#include "core/byte_fields.h"
#include "core/controller_core.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/pci_caps.h"
#include "nvmetest/pcie.h"
#include "nvmetest/warnings.h"

namespace nvmetest {
namespace {

constexpr std::uint32_t kCcDefault = 0x00460000;  // IOCQES 4, IOSQES 6, MPS 4 KiB, NVM
constexpr std::uint8_t kOpAer = nvme::admin::kAsyncEventRequest;
constexpr std::uint64_t kOacsDbbuf = 1u << 8;  // Identify Controller OACS: Doorbell Buffer Config

std::string hex32(std::uint32_t v)
{
    char s[16];
    std::snprintf(s, sizeof(s), "0x%08x", v);
    return s;
}

// Interrupts for the queues: MSI-X (or MSI with msi_only); INTx is disabled
// when neither exists, so a polled controller never asserts a shared line.
IrqSet* setup_interrupts(core::Transport& t, bool msi_only)
{
    const DeviceInfo& info = t.info();
    try {
        if (msi_only && info.msi_vectors)
            return t.setup_irqs(IrqType::Msi, std::min<std::uint32_t>(info.msi_vectors, 32));
        if (!msi_only && info.msix_vectors)
            return t.setup_irqs(IrqType::Msix, std::min<std::uint32_t>(info.msix_vectors, 64));
    } catch (const Error& e) {
        warn(std::string("interrupts of ") + t.address() + " are not set up (" + e.what() +
             "); queues are polled, msix_* of Qpairs will not work");
    }
    const std::uint32_t cmd = t.cfg_read(pci::kCommand, 2);
    t.cfg_write(pci::kCommand, 2, cmd | pci::kCommandIntxDisable);
    return nullptr;
}

}  // namespace

Controller::Controller(Pcie& pcie, ControllerOptions options)
    : core_(std::make_shared<core::ControllerCore>())
{
    core::ControllerCore& c = *core_;
    c.t = pcie.transport();
    c.msi_only = pcie.msi_only();
    c.cap = c.t->reg_read64(nvme::reg::kCap);
    if (c.cap == ~0ull)
        throw UsageError("CAP of " + c.t->address() +
                         " reads all ones: the function does not answer in BAR0 (reset in "
                         "progress, or removed)");
    c.dstrd = nvme::cap::dstrd(c.cap);
    c.page_size = 4096;
    c.id_ctrl = c.t->alloc_dma(4096);
    c.scratch = c.t->alloc_dma(4096);
    c.irqs = setup_interrupts(*c.t, c.msi_only);
    shadow_doorbell_init_ = options.shadow_doorbell.value_or(false);
    c.dbbuf_for_ioworkers = options.shadow_doorbell.value_or(true);
    init_ = options.nvme_init_func ? std::move(options.nvme_init_func)
                                   : std::function<void(Controller&)>(&Controller::default_init);
    try {
        run_init();
    } catch (...) {
        // No destructor runs for a constructor that throws: disable the
        // controller before its queue memory goes (AERs may be outstanding).
        release();
        throw;
    }
}

namespace {
Pcie& as_lvalue(Pcie&& pcie) { return pcie; }
}  // namespace

// The temporary Pcie lives until the delegated constructor returns; the
// transport it opened is shared by the controller core from then on.
Controller::Controller(std::string_view addr, ControllerOptions options)
    : Controller(as_lvalue(Pcie(addr)), std::move(options))
{
}

Controller::Controller(Controller&&) noexcept = default;
Controller& Controller::operator=(Controller&& other) noexcept
{
    if (this != &other) {
        Controller old(std::move(*this));  // disables and releases the current controller
        core_ = std::move(other.core_);
        init_ = std::move(other.init_);
        shadow_doorbell_init_ = other.shadow_doorbell_init_;
    }
    return *this;
}

Controller::~Controller() { release(); }

void Controller::release() noexcept
{
    if (!core_)
        return;
    core_->stop_drivers();  // IOWorkers stop before the device may go (QMP power off)
    core::ControllerCore& c = *core_;
    c.dma_live = !c.disable();
    c.closed = true;
    if (c.dma_live) {
        // The controller did not stop: it may still execute what it holds and
        // write the queues, the memory of their commands, the doorbell and
        // HMB buffers.  All of it stays until the process exits (the Qpairs'
        // and metamode queues' too, when they go: see their destructors).
        auto keep = [](auto&& owner) noexcept {
            using T = std::decay_t<decltype(owner)>;
            try {
                core::keep_until_exit(std::make_shared<T>(std::move(owner)));
            } catch (...) {
                new (std::nothrow) T(std::move(owner));  // out of memory: leak it instead
            }
        };
        keep(std::move(c.admin));
        keep(std::move(c.orphans));
        keep(std::move(c.meta_orphans));
        keep(std::move(c.hmb));
        keep(std::move(c.dbbuf_sent));
        keep(std::move(c.id_ctrl));
        keep(std::move(c.scratch));
    }
    c.dbbuf_dropped();
    c.dbbuf.reset();
    for (core::QpairCore* q : c.qpairs) {
        q->dead = true;
        // The commands still pending are lost: their verification hooks
        // release their LBA locks and leave what they wrote unknown (an
        // IOWorker's thread did that for its own when it stopped).  Not while
        // the controller may still run them: reinit() would let their memory
        // go.  Rings in the CMB are not touched: the BAR may be gone already.
        if (!c.dma_live && !q->driven_by_thread && !q->q->sq_in_cmb() && !q->q->cq_in_cmb())
            q->q->reinit();
    }
    c.admin.reset();
    c.orphans.clear();
    c.hmb.clear();
}

const std::shared_ptr<core::ControllerCore>& Controller::core() const
{
    if (!core_)
        throw UsageError("this Controller was moved from: use the object it was moved to");
    return core_;
}

// ------------------------------------------------------------- registers

Controller::RegRef Controller::operator[](std::uint32_t offset)
{
    if (offset % 4)
        throw UsageError("NVMe register offset " + std::to_string(offset) +
                         " is not dword aligned: nvme0[offset] accesses 32-bit registers; use "
                         "Pcie::mem_*_read() for other widths");
    return RegRef(core().get(), offset);
}

Controller::RegRef::operator std::uint32_t() const { return c_->t->reg_read32(off_); }

Controller::RegRef& Controller::RegRef::operator=(std::uint32_t v)
{
    c_->t->reg_write32(off_, v);
    return *this;
}

std::uint64_t Controller::cap() { return core()->t->reg_read64(nvme::reg::kCap); }

// -------------------------------------------------------- initialization

void Controller::run_init()
{
    init_(*this);
    if (!core_->admin)
        throw UsageError("the initialization function did not create the admin queue: call "
                         "init_adminq() in it");
}

void Controller::default_init()
{
    core::ControllerCore& c = *core();
    // 1-2. disable and wait for CSTS.RDY = 0
    (*this)[nvme::reg::kCc] = 0;
    wait_csts({.rdy = false});
    // 3. admin queue registers
    init_adminq();
    // 4-6. CC, enable, wait for CSTS.RDY = 1
    // CSS: all I/O command sets (110b) when CAP.CSS says the controller has
    // several (bit 6), as Linux does, so that zoned namespaces take their
    // commands; NVM only (000b) otherwise.
    const std::uint32_t css = (nvme::cap::css(c.cap) & 0x40u) ? 6u : 0u;
    (*this)[nvme::reg::kCc] = kCcDefault | css << 4;
    (*this)[nvme::reg::kCc] = kCcDefault | css << 4 | nvme::cc::kEnable;
    wait_csts({.rdy = true});
    // 7. identify controller (and namespaces)
    if (init_ns() < 0)
        throw NvmeEnumerateError("Identify Controller failed on " + c.t->address() +
                    ": the controller cannot be initialized");
    // 8. I/O queues: ask for the maximum, record what is granted
    setfeatures(7, {.cdw11 = 0xfffefffe, .cb = [](const nvme::Cqe&) {}}).waitdone();
    const std::uint32_t cdw0 = getfeatures(7).waitdone();
    init_queues(cdw0);
    // 9. as many AERs as the controller takes
    const unsigned aerl = static_cast<unsigned>(id_data(259)) + 1;
    for (unsigned i = 0; i < aerl && i < core::kAdminDepth / 2; i++)
        aer();
    // 10. (ControllerOptions::shadow_doorbell) shadow doorbells in library memory
    if (shadow_doorbell_init_) {
        if (id_data(257, 256) & kOacsDbbuf)
            dbbuf_config().waitdone();
        else
            warn("shadow doorbells were asked for, but " + c.t->address() +
                 " does not support Doorbell Buffer Config (OACS bit 8 is 0): doorbells go "
                 "to BAR0");
    }
}

int Controller::init_adminq(bool lazy_doorbell)
{
    core::ControllerCore& c = *core();
    // Only a disabled controller takes new admin queue registers, and disabling
    // dropped any doorbell buffers it had.
    c.dbbuf_dropped();
    if (!c.admin) {
        core::QueueConfig qc;
        qc.qid = 0;
        qc.depth = core::kAdminDepth;
        qc.dstrd = c.dstrd;
        qc.page_size = c.page_size;
        qc.max_prp_entries = 512;
        qc.lazy_doorbell = lazy_doorbell;
        qc.admin = true;
        c.admin = std::make_unique<core::Queue>(*c.t, qc);
        core::ControllerCore* cp = &c;
        c.admin->set_aer_handler([cp](const nvme::Cqe& cqe, core::Callback& cb) {
            if (!cqe.ok()) {  // not an event: aborted, or the limit exceeded
                if (cb)
                    core::invoke_callback(cb, cqe);
                else
                    warn(nvme::status_string(cqe.status()));
                return;
            }
            nvme::Sqe sqe{};
            sqe.set_opcode(kOpAer);
            try {
                cp->submit_admin(sqe, nullptr, 0, cb, true);
            } catch (const Error& e) {
                warn(std::string("the AER could not be resubmitted: ") + e.what());
            }
            const core::Callback& use = cb ? cb : cp->aer_cb;
            if (use)
                core::invoke_callback(use, cqe);
            warn("AER notification is triggered: dword0 " + hex32(cqe.dw[0]));
        });
    } else {
        if (const std::size_t lost = c.admin->reinit(); lost)
            warn(std::to_string(lost) + " admin commands were pending when the admin queue "
                                        "was initialized again; they are forgotten");
        c.admin->set_lazy_doorbell(lazy_doorbell);
    }
    c.admin_lazy = lazy_doorbell;
    c.t->reg_write32(nvme::reg::kAqa, nvme::aqa::make(core::kAdminDepth, core::kAdminDepth));
    c.t->reg_write64(nvme::reg::kAsq, c.admin->sq_iova());
    c.t->reg_write64(nvme::reg::kAcq, c.admin->cq_iova());
    return 0;
}

void Controller::wait_csts(CstsWait want)
{
    core::ControllerCore& c = *core();
    const std::uint32_t ms = want.timeout_ms ? want.timeout_ms
                                             : std::max<std::uint32_t>(nvme::cap::timeout_ms(c.cap), 500);
    const auto limit = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    std::uint32_t v = 0;
    for (;;) {
        v = c.t->reg_read32(nvme::reg::kCsts);
        if (v == 0xffffffff)
            throw DeviceGoneError(ENODEV, Op::BarRead, "CSTS reads all ones",
                                  {c.t->address(), {}});
        const bool ok = (!want.rdy || nvme::csts::rdy(v) == *want.rdy) &&
                        (!want.shst || nvme::csts::shst(v) == *want.shst) &&
                        (!want.nssro || nvme::csts::nssro(v) == *want.nssro) &&
                        (!want.pp || nvme::csts::pp(v) == *want.pp);
        if (ok)
            return;
        if (std::chrono::steady_clock::now() >= limit)
            break;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    throw TimeoutError("CSTS of " + c.t->address() + " is " + hex32(v) +
                       " and did not reach the expected value within " + std::to_string(ms) +
                       " ms (CAP.TO): the controller is not responding" +
                       (nvme::csts::cfs(v) ? " and reports a fatal status (CSTS.CFS)" : ""));
}

int Controller::init_ns()
{
    core::ControllerCore& c = *core();
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kIdentify);
    sqe.cdw[10] = nvme::cns::kController;
    const nvme::Cqe cqe = c.admin_sync(sqe, &c.id_ctrl, 4096);
    if (!cqe.ok()) {
        warn(nvme::status_string(cqe.status()));
        return -1;
    }
    c.id_valid = true;
    return 0;
}

void Controller::init_queues(std::uint32_t cdw0)
{
    core::ControllerCore& c = *core();
    c.max_sq = (cdw0 & 0xffff) + 1;
    c.max_cq = (cdw0 >> 16) + 1;
}

Controller& Controller::aer(Callback cb)
{
    nvme::Sqe sqe{};
    sqe.set_opcode(kOpAer);
    core()->submit_admin(sqe, nullptr, 0, std::move(cb), true);
    return *this;
}

void Controller::register_aer_cb(Callback cb) { core()->aer_cb = std::move(cb); }

// --------------------------------------------------------- identify data

std::uint64_t Controller::id_int(std::size_t end, std::size_t begin) const
{
    const auto& c = *core();
    if (!c.id_valid)
        throw UsageError("no Identify Controller data yet: call init_ns() in the initialization");
    if (begin > end || end >= 4096 || end - begin >= 8)
        throw UsageError("id_data(" + std::to_string(end) + ", " + std::to_string(begin) +
                         ") must name 1 to 8 bytes inside the 4096 of Identify Controller; use "
                         "id_data<std::string>() for text fields");
    return core::le_field(c.id_ctrl.data(), end, begin);
}

std::string Controller::id_string(std::size_t end, std::size_t begin) const
{
    const auto& c = *core();
    if (!c.id_valid)
        throw UsageError("no Identify Controller data yet: call init_ns() in the initialization");
    if (begin > end || end >= 4096)
        throw UsageError("id_data<std::string>(" + std::to_string(end) + ", " +
                         std::to_string(begin) + ") lies outside Identify Controller");
    return core::text_field(c.id_ctrl.data(), end, begin);
}

std::uint64_t Controller::mdts() const
{
    return core()->mdts();
}

bool Controller::supports(std::uint32_t opcode) { return core()->supports(opcode); }
bool Controller::supports(std::uint32_t opcode, std::uint8_t csi)
{
    return core()->supports(opcode, csi);
}

int Controller::get_lba_format(std::uint32_t data_size, std::uint32_t meta_size,
                               std::uint32_t nsid)
{
    core::ControllerCore& c = *core();
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kIdentify);
    sqe.set_nsid(nsid);
    sqe.cdw[10] = nvme::cns::kNamespace;
    const nvme::Cqe cqe = c.admin_sync(sqe, &c.scratch, 4096);
    if (!cqe.ok()) {
        warn(nvme::status_string(cqe.status()));
        return -1;
    }
    const std::uint8_t* d = c.scratch.data();
    const unsigned nlbaf = d[25] + 1u;
    for (unsigned i = 0; i < nlbaf && i < 64; i++) {
        const std::uint8_t* f = d + 128 + i * 4;
        const std::uint32_t ms = f[0] | f[1] << 8;
        const std::uint32_t lbads = f[2];
        if (lbads >= 9 && lbads < 32 && (1u << lbads) == data_size && ms == meta_size)
            return static_cast<int>(i);
    }
    return -1;
}

// ----------------------------------------------------------------- waiting

std::uint32_t Controller::waitdone(unsigned expected) { return core()->admin_wait(expected); }
std::uint16_t Controller::latest_cid() const { return core()->admin->latest_cid(); }
std::uint64_t Controller::latest_latency() const { return core()->admin->latest_latency(); }

std::uint32_t Controller::timeout() const { return core()->timeout_ms; }
void Controller::set_timeout(std::uint32_t msec)
{
    if (msec == 0)
        throw UsageError("a timeout of 0 ms would fail every command: give milliseconds > 0");
    core()->timeout_ms = msec;
}
void Controller::set_timeout_ms(std::uint8_t opcode, std::uint32_t msec)
{
    if (msec == 0)
        throw UsageError("a timeout of 0 ms would fail every command: give milliseconds > 0");
    core()->admin_timeouts[opcode] = msec;
}

// ----------------------------------------------------------------- control

void Controller::reset()
{
    core::ControllerCore& c = *core();
    c.check_open();
    c.stop_drivers();  // IOWorkers stop before their queues go
    const std::uint32_t cc = c.t->reg_read32(nvme::reg::kCc);
    c.t->reg_write32(nvme::reg::kCc, cc & ~nvme::cc::kEnable);
    wait_csts({.rdy = false});
    c.timeout_ms = core::kDefaultTimeoutMs;
    c.admin_timeouts.fill(0);
    c.io_timeouts.fill(0);
    c.id_valid = false;
    c.dbbuf_dropped();
    if (c.cmb)
        c.cmb->program();  // CMB queues and buffers keep their addresses
    run_init();
    // Shadow doorbells again, with the same buffers (as Linux does), unless the
    // initialization function configured them itself.
    if (c.dbbuf && !c.dbbuf_on)
        c.dbbuf_restore();
    for (core::QpairCore* q : c.qpairs) {
        if (q->dead || q->driven_by_thread)
            continue;
        if (const std::size_t lost = q->q->reinit(); lost)
            warn(std::to_string(lost) + " commands pending on qpair " + std::to_string(q->q->qid()) +
                 " were lost by the controller reset");
        q->create_on_device();
    }
}

void Controller::shutdown_notify(bool abrupt)
{
    core::ControllerCore& c = *core();
    const std::uint32_t cc = c.t->reg_read32(nvme::reg::kCc);
    c.t->reg_write32(nvme::reg::kCc, (cc & ~(3u << 14)) | (abrupt ? 2u : 1u) << 14);
    wait_csts({.shst = 2, .timeout_ms = 10000});
}

void Controller::enable_hmb()
{
    core::ControllerCore& c = *core();
    const std::uint64_t hmpre = id_data(275, 272);  // 4 KiB units
    if (hmpre == 0) {
        warn("HMB is not enabled: the controller asks for none (HMPRE is 0)");
        return;
    }
    c.hmb.clear();
    const std::uint64_t chunk = std::max<std::uint64_t>(c.t->dma_max_alloc() / 4096, 1);
    DmaMemory list = c.t->alloc_dma(4096);
    std::uint32_t n = 0;
    for (std::uint64_t left = hmpre; left; n++) {
        const std::uint64_t pages = std::min(left, chunk);
        if (n == 256)
            throw UsageError("HMB of " + std::to_string(hmpre) +
                             " pages needs more than 256 descriptors of one DMA allocation each");
        c.hmb.push_back(c.t->alloc_dma(pages * 4096));
        list.store<std::uint64_t>(n * 16, c.hmb.back().iova());
        list.store<std::uint32_t>(n * 16 + 8, static_cast<std::uint32_t>(pages));
        left -= pages;
    }
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kSetFeatures);
    sqe.cdw[10] = 0x0d;
    sqe.cdw[11] = 1;
    sqe.cdw[12] = static_cast<std::uint32_t>(hmpre);
    sqe.cdw[13] = static_cast<std::uint32_t>(list.iova());
    sqe.cdw[14] = static_cast<std::uint32_t>(list.iova() >> 32);
    sqe.cdw[15] = n;
    c.hmb.push_back(std::move(list));
    const nvme::Cqe cqe = c.admin_sync(sqe, nullptr, 0);
    if (!cqe.ok())
        warn(nvme::status_string(cqe.status()));
}

void Controller::disable_hmb()
{
    core::ControllerCore& c = *core();
    if (id_data(275, 272) == 0 && c.hmb.empty()) {
        warn("HMB is not disabled: the controller asks for none (HMPRE is 0), so none was "
             "enabled");
        return;
    }
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kSetFeatures);
    sqe.cdw[10] = 0x0d;
    const nvme::Cqe cqe = c.admin_sync(sqe, nullptr, 0);
    if (!cqe.ok()) {
        warn(nvme::status_string(cqe.status()));
        return;  // keep the memory: the controller may still use it
    }
    c.hmb.clear();
}

bool Controller::shadow_doorbell() const { return core()->dbbuf_on; }

DoorbellStats Controller::doorbell_stats(std::uint16_t qid) const
{
    const auto& c = *core();
    const core::Queue* q = nullptr;
    if (qid == 0)
        q = c.admin.get();
    for (const core::QpairCore* p : c.qpairs)
        if (qid && !p->dead && p->q->qid() == qid)
            q = p->q.get();
    if (!q)
        throw UsageError("no queue " + std::to_string(qid) + " on this controller: give 0 (admin) "
                         "or the sqid of a live Qpair");
    const core::DoorbellCounts& n = q->doorbell_counts();
    return DoorbellStats{n.sq_updates, n.sq_mmio, n.cq_updates, n.cq_mmio, q->shadowed()};
}

std::vector<CmdLogEntry> Controller::cmdlog(std::size_t count, std::size_t offset) const
{
    return core()->admin->cmdlog(count, offset);
}

std::vector<CmdLogEntry> Controller::cmdlog_merged(std::size_t count) const
{
    const auto& c = *core();
    std::vector<CmdLogEntry> all = c.admin->cmdlog(0);
    for (const core::QpairCore* q : c.qpairs) {
        if (q->driven_by_thread)
            continue;  // an IOWorker's queue: its thread writes that log
        auto part = q->q->cmdlog(0);
        all.insert(all.end(), part.begin(), part.end());
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const CmdLogEntry& a, const CmdLogEntry& b) { return a.submitted < b.submitted; });
    if (count && all.size() > count)
        all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(count));
    return all;
}

}  // namespace nvmetest
