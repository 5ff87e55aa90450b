// SPDX-License-Identifier: BSD-3-Clause
#include "verify/namespace_verify.h"

#include "core/byte_fields.h"
#include "core/controller_core.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/describe.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/nvme/zns.h"
#include "nvmetest/warnings.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace nvmetest::verify {
namespace {

namespace io = nvme::io;

constexpr std::uint32_t kInjected = 1u << 8; // hook.flags: headers were injected
constexpr std::uint32_t kLocked = 1u << 9;   // hook.flags: [lba, lba + count) locked
constexpr std::uint32_t kMaxReports = 16;    // warnings per command

constexpr std::uint8_t kZoneReset = 4, kZoneOffline = 5;

std::uint64_t slba(const nvme::Sqe& sqe) {
    return sqe.cdw[10] | std::uint64_t{sqe.cdw[11]} << 32;
}
std::uint32_t nlb(const nvme::Sqe& sqe) {
    return (sqe.cdw[12] & 0xffff) + 1;
}

std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// Ranges of a DSM (16 bytes: attributes, NLB, SLBA) or Copy format 0 source
// range (32 bytes: SLBA at 8, 0-based NLB at 16) buffer.
struct Range {
    std::uint64_t lba;
    std::uint64_t n;
};
Range dsm_range(const std::uint8_t* d, std::uint32_t i) {
    std::uint32_t n;
    std::memcpy(&n, d + i * 16 + 4, 4);
    return {load64(d + i * 16 + 8), n};
}
Range copy_range(const std::uint8_t* d, std::uint32_t i) {
    std::uint16_t n;
    std::memcpy(&n, d + i * 32 + 16, 2);
    return {load64(d + i * 32 + 8), std::uint64_t{n} + 1};
}

// The box of LBAs a multi-range command touches: locked as one range, so a
// command never waits for itself and the rollback stays simple.
void widen(std::uint64_t& lo, std::uint64_t& hi, Range r) {
    if (!r.n)
        return;
    lo = std::min(lo, r.lba);
    hi = std::max(hi, r.lba + r.n);
}

std::string command_text(const nvme::Sqe* sqe) {
    return sqe ? nvme::describe(*sqe, false) : std::string("(no longer in the command log)");
}

void report(const Mismatch* m, std::uint32_t shown, std::uint32_t total, const nvme::Sqe* sqe) {
    const std::string cmd = command_text(sqe);
    for (std::uint32_t i = 0; i < shown; i++)
        warn("data verification: " + m[i].to_string() + "; command: " + cmd);
    if (total > shown)
        warn("data verification: " + std::to_string(total - shown) +
             " more LBAs mismatched in the same command: " + cmd);
}

void report_status(const Mismatch& m, const nvme::Cqe& cqe, const nvme::Sqe* sqe) {
    warn("data verification: " + m.to_string() + " (" + nvme::status_string(cqe.status()) +
         "); command: " + command_text(sqe));
}

void on_complete(const core::CompletionHook& h, const nvme::Sqe* sqe, const nvme::Cqe* cqe) {
    auto& nv = *static_cast<NamespaceVerify*>(h.ctx);
    Verifier& v = *nv.verifier;
    const std::uint8_t op = h.flags & 0xff;
    struct Unlock {
        const core::CompletionHook& h;
        Verifier& v;
        ~Unlock() {
            if (h.flags & kLocked)
                v.unlock(h.lba, h.count);
        }
    } unlock{h, v};

    const bool ok = cqe && cqe->ok();
    // Forgotten (reset), timed out, or failed after it may have started:
    // what the command wrote is undefined now.
    const bool undefined = !ok && !(cqe && not_executed(*cqe));
    switch (op) {
    case io::kWrite:
        if (ok && h.data)
            v.written(h.data, h.lba, static_cast<std::uint32_t>(h.count));
        else if (ok || undefined)
            v.mark(h.lba, h.count, CheckMap::kUnknown);
        return;
    case io::kWriteZeroes:
    case io::kWriteUncorrectable:
        if (ok)
            v.mark(h.lba, h.count,
                   op == io::kWriteZeroes ? v.map().zeros() : v.map().uncorrectable());
        else if (undefined)
            v.mark(h.lba, h.count, CheckMap::kUnknown);
        return;
    case io::kZoneAppend:
        if (ok) {
            const std::uint64_t at = cqe->dw[0] | std::uint64_t{cqe->dw[1]} << 32;
            if (h.data)
                v.appended(h.data, at, static_cast<std::uint32_t>(h.count));
            else
                v.mark(at, h.count, CheckMap::kUnknown);
        }
        return; // where a failed append went is unknown; nothing to mark
    case io::kDatasetManagement:
    case io::kZoneManagementSend:
        // Deallocated ranges and reset zones: the box locked is a superset;
        // mark exactly the ranges when the buffer tells them.
        if (!ok && !undefined)
            return;
        if (op == io::kDatasetManagement && ok && sqe && h.data) {
            // Unknown even when DLFEAT says deallocated LBAs read as zeros:
            // the Deallocate attribute is advisory, and an LBA the controller
            // chose not to deallocate keeps its data (QEMU keeps ranges below
            // its discard granularity; docs/verification.md).
            for (std::uint32_t i = 0; i <= (sqe->cdw[10] & 0xff); i++) {
                const Range r = dsm_range(h.data, i);
                v.mark(r.lba, r.n, CheckMap::kUnknown);
            }
        } else {
            v.mark(h.lba, h.count, CheckMap::kUnknown);
        }
        return;
    case io::kCopy:
        if (ok && sqe && h.data) {
            std::uint64_t dst = slba(*sqe);
            for (std::uint32_t i = 0; i <= (sqe->cdw[12] & 0xff); i++) {
                const Range r = copy_range(h.data, i);
                v.copied(r.lba, dst, r.n);
                dst += r.n;
            }
        } else if (undefined) {
            v.mark(h.lba, h.count, CheckMap::kUnknown); // the box holds the destination
        }
        return;
    default:
        break;
    }
    if (!cqe || cqe->status() == 0x7fff)
        return; // reads of a reset or a timeout: nothing to check
    const std::uint32_t n = static_cast<std::uint32_t>(h.count);
    if (op == io::kRead && ok) {
        Mismatch m[kMaxReports];
        const std::uint32_t bad = v.check_read(h.data, h.lba, n, nv.inject, m, kMaxReports);
        if (bad)
            report(m, std::min(bad, kMaxReports), bad, sqe);
    } else if (op == io::kCompare || op == io::kVerify) {
        const bool compare = op == io::kCompare;
        const int want = compare ? v.expect_compare(h.data, h.lba, n, nv.inject)
                                 : v.expect_verify(h.lba, n);
        Mismatch m;
        if (v.status_contradicts(compare, h.lba, want, cqe->status(), m))
            report_status(m, *cqe, sqe);
    }
}

void poll_queue(void* q) {
    static_cast<core::Queue*>(q)->poll_completions();
}

// The NVM subsystem a controller belongs to: its NQN (Identify Controller
// SUBNQN), or serial and model when it reports none.  Check values belong to
// a namespace of a subsystem, not to one Controller object: a Controller made
// again after a power cycle (or another controller of the subsystem) finds
// the same state.
std::string subsystem_of(const core::ControllerCore& ctrl) {
    if (!ctrl.id_valid)
        return "controller@" + std::to_string(reinterpret_cast<std::uintptr_t>(&ctrl));
    const std::uint8_t* id = ctrl.id_ctrl.data();
    const std::string nqn = core::text_field(id, 1023, 768);
    return !nqn.empty() ? nqn : core::text_field(id, 23, 4) + "/" + core::text_field(id, 63, 24);
}

// Every live namespace verification state by subsystem, for admin commands
// that erase media (cold path: a mutex is fine).
struct Registered {
    std::string subsystem;
    std::uint32_t nsid;
    std::weak_ptr<NamespaceVerify> nv;
};
std::mutex g_registry_mutex;
std::vector<Registered> g_registry;

// A live state of namespace nsid of the subsystem that fits.
template <class Fits>
std::shared_ptr<NamespaceVerify> find_state(const std::string& subsystem, std::uint32_t nsid,
                                            Fits fits) {
    std::lock_guard lock(g_registry_mutex);
    for (const auto& r : g_registry)
        if (r.subsystem == subsystem && r.nsid == nsid)
            if (auto nv = r.nv.lock(); fits(nv))
                return nv;
    return nullptr;
}

void register_state(const std::string& subsystem, std::uint32_t nsid,
                    const std::shared_ptr<NamespaceVerify>& nv) {
    std::lock_guard lock(g_registry_mutex);
    std::erase_if(g_registry, [](const Registered& r) { return r.nv.expired(); });
    g_registry.push_back({subsystem, nsid, nv});
}

} // namespace

core::Callback reset_on_success(const core::ControllerCore* ctrl, std::uint32_t nsid,
                                core::Callback cb) {
    return [subsystem = subsystem_of(*ctrl), nsid, cb = std::move(cb)](const nvme::Cqe& cqe) {
        if (cqe.ok()) {
            std::vector<std::shared_ptr<NamespaceVerify>> hit;
            {
                std::lock_guard lock(g_registry_mutex);
                for (const auto& r : g_registry)
                    if (r.subsystem == subsystem && (nsid == 0xffffffffu || r.nsid == nsid))
                        if (auto nv = r.nv.lock())
                            hit.push_back(std::move(nv));
            }
            for (const auto& nv : hit)
                if (nv->verifier)
                    nv->verifier->reset();
        }
        if (cb)
            cb(cqe);
        else if (!cqe.ok())
            warn(nvme::status_string(cqe.status()));
    };
}

std::shared_ptr<NamespaceVerify>
make_namespace_verify(core::ControllerCore& ctrl, std::uint32_t nsid, const std::uint8_t* id_ns,
                      std::uint64_t nlba_verify, unsigned width,
                      const std::shared_ptr<NamespaceVerify>& prev) {
    VerifyConfig c;
    c.id.nsid = nsid;
    c.id.nsze = load64(id_ns);
    const std::uint8_t flbas = id_ns[26];
    const unsigned fmt = (flbas & 0xfu) | ((flbas >> 5) & 3u) << 4;
    const std::uint8_t* f = id_ns + 128 + fmt * 4;
    c.id.meta_bytes = f[0] | f[1] << 8;
    c.id.lba_bytes = f[2] >= 9 && f[2] < 32 ? 1u << f[2] : 512u;
    c.stride = c.id.lba_bytes + (flbas & 0x10 ? c.id.meta_bytes : 0);
    c.nlba_verify = nlba_verify;
    c.width = width;
    std::memcpy(c.id.nguid.data(), id_ns + 104, 16);
    std::memcpy(c.id.eui64.data(), id_ns + 120, 8);
    if (ctrl.id_valid) {
        std::memcpy(c.id.serial.data(), ctrl.id_ctrl.data() + 4, 20);
        std::memcpy(c.id.model.data(), ctrl.id_ctrl.data() + 24, 40);
    }
    const std::uint64_t want = nlba_verify && nlba_verify < c.id.nsze ? nlba_verify : c.id.nsze;
    auto same = [&](const std::shared_ptr<NamespaceVerify>& nv) {
        return nv && nv->verifier && nv->verifier->identity().differences(c.id).empty() &&
               nv->verifier->stride() == c.stride && nv->verifier->coverage() == want &&
               nv->verifier->map().width() == width;
    };
    if (same(prev))
        return prev;
    // Another Namespace object of the same namespace, made on this Controller
    // or on one before a power cycle: one map and one set of LBA locks per
    // namespace, whichever object sends the I/O.
    const std::string subsystem = subsystem_of(ctrl);
    if (auto shared = find_state(subsystem, nsid, same))
        return shared;
    auto nv = std::make_shared<NamespaceVerify>();
    std::string warning;
    auto v = std::make_unique<Verifier>(c, &warning);
    if (!warning.empty())
        warn(warning);
    if (v->coverage())
        nv->verifier = std::move(v);
    if (prev) {
        nv->inject = prev->inject;
        nv->enabled = prev->enabled && nv->verifier;
    }
    register_state(subsystem, nsid, nv);
    return nv;
}

void probe_zone_size(NamespaceVerify& nv, core::ControllerCore& ctrl, std::uint32_t nsid,
                     unsigned lbaf) {
    if (nv.zone_probed)
        return;
    nv.zone_probed = true;
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kIdentify);
    sqe.set_nsid(nsid);
    sqe.cdw[10] = 0x05;        // CNS 05h: I/O command set specific namespace
    sqe.cdw[11] = 0x02u << 24; // CSI 02h: zoned namespace
    const nvme::Cqe cqe = ctrl.admin_sync(sqe, &ctrl.scratch, 4096);
    if (!cqe.ok())
        return;
    nvme::ZnsIdentifyNamespace z;
    std::memcpy(&z, ctrl.scratch.data(), sizeof(z));
    nv.zone_size = z.lbafe[lbaf & 63].zsze;
}

bool prepare(const std::shared_ptr<NamespaceVerify>& nvp, const nvme::Sqe& sqe, std::uint8_t* data,
             std::size_t data_bytes, core::Queue& q, std::uint32_t timeout_ms,
             core::CompletionHook& hook) {
    NamespaceVerify& nv = *nvp;
    const std::uint8_t op = sqe.opcode();
    if (!nv.enabled) {
        if (op != io::kRead && op != io::kCompare && op != io::kVerify && op != io::kFlush &&
            op != io::kZoneManagementReceive)
            nv.stale = true; // the map no longer describes the media
        return false;
    }
    if (!nv.verifier)
        return false;
    Verifier& v = *nv.verifier;
    hook = {};
    hook.fn = on_complete;
    hook.ctx = &nv;
    hook.data = data;
    hook.flags = op;
    bool lock = !sqe.fuse(); // a fused pair must reach the queue back to back
    switch (op) {
    case io::kWrite:
    case io::kRead:
    case io::kCompare:
    case io::kZoneAppend:
        hook.lba = slba(sqe); // Zone Append: the zone; where data lands is in the CQE
        hook.count = nlb(sqe);
        // Data the host cannot see whole (a CMB buffer, a raw command shorter
        // than its NLB, a fused command) is not checked; what it writes
        // becomes unknown.
        if (!data || data_bytes < hook.count * v.stride() || sqe.fuse())
            hook.data = nullptr;
        if (op == io::kZoneAppend)
            lock = false; // beyond the write pointer: nobody else's I/O
        else if (!hook.data && op != io::kWrite)
            return false;
        break;
    case io::kWriteZeroes:
    case io::kWriteUncorrectable:
    case io::kVerify:
        hook.lba = slba(sqe);
        hook.count = nlb(sqe);
        break;
    case io::kDatasetManagement:
    case io::kCopy: {
        if (op == io::kDatasetManagement && !(sqe.cdw[11] & 0x4))
            return false; // attributes only: media unchanged
        const std::uint32_t ranges = ((op == io::kCopy ? sqe.cdw[12] : sqe.cdw[10]) & 0xff) + 1;
        const std::size_t need = ranges * (op == io::kCopy ? 32u : 16u);
        if (!data || data_bytes < need || (op == io::kCopy && (sqe.cdw[12] >> 8 & 0xf) != 0)) {
            // Ranges the host cannot read (or a Copy format not understood):
            // every LBA may have changed.
            hook.data = nullptr;
            hook.lba = 0;
            hook.count = v.coverage();
            lock = false;
            break;
        }
        std::uint64_t lo = ~0ull, hi = 0;
        std::uint64_t copied = 0;
        for (std::uint32_t i = 0; i < ranges; i++) {
            const Range r = op == io::kCopy ? copy_range(data, i) : dsm_range(data, i);
            widen(lo, hi, r);
            copied += r.n;
        }
        if (op == io::kCopy)
            widen(lo, hi, {slba(sqe), copied});
        if (hi <= lo)
            return false;
        hook.lba = lo;
        hook.count = hi - lo;
        break;
    }
    case io::kZoneManagementSend: {
        const std::uint8_t action = sqe.cdw[13] & 0xff;
        if (action != kZoneReset && action != kZoneOffline)
            return false;
        const bool all = sqe.cdw[13] >> 8 & 1;
        hook.lba = all || !nv.zone_size ? 0 : slba(sqe);
        hook.count = all || !nv.zone_size ? v.coverage() : nv.zone_size;
        break;
    }
    default:
        return false;
    }
    if (lock) {
        if (!v.lock(hook.lba, hook.count, timeout_ms, poll_queue, &q))
            throw UsageError("data verification: LBAs " + std::to_string(hook.lba) + ".." +
                             std::to_string(hook.lba + hook.count - 1) +
                             " stayed locked by another in-flight I/O for " +
                             std::to_string(timeout_ms) +
                             " ms (a command of this thread on another qpair? reap it with "
                             "waitdone() first); nothing was sent");
        hook.flags |= kLocked;
    }
    if ((op == io::kWrite || op == io::kZoneAppend) && hook.data && nv.inject) {
        v.inject(hook.data, hook.lba, static_cast<std::uint32_t>(hook.count));
        hook.flags |= kInjected;
    }
    hook.owner = nvp;
    return true;
}

bool not_executed(const nvme::Cqe& cqe) noexcept {
    const std::uint8_t sct = cqe.sct(), sc = cqe.sc();
    if (sct == 1)
        return true; // command specific: zone state, invalid format, ...
    return sct == 0 && (sc == 0x01 || sc == 0x02 || sc == 0x0b || sc == 0x80);
}

void abandon(const core::CompletionHook& hook) noexcept {
    if (hook.fn && (hook.flags & kLocked))
        static_cast<NamespaceVerify*>(hook.ctx)->verifier->unlock(hook.lba, hook.count);
}

} // namespace nvmetest::verify
