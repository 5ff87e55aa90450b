// SPDX-License-Identifier: BSD-3-Clause
#include "conf_device.h"

#include "nvmetest/errors.h"

namespace nvmetest::conf {
namespace {

// The admin timeout of a case's controller: long enough for a format under
// TCG, short enough that a DUT which never answers costs seconds, not minutes.
constexpr std::uint32_t kCaseTimeoutMs = 8000;

template <class Submit>
nvme::Cqe wait_one(Submit submit)
{
    nvme::Cqe out{};
    out.dw[3] = out.dw[2] = 0xffffffffu;
    submit([&out](const nvme::Cqe& c) { out = c; });
    return out;
}

}  // namespace

DeviceContext::DeviceContext(Pcie& pcie, bool destructive) : pcie_(pcie), destructive_(destructive) {}

DeviceContext::~DeviceContext() { drop(); }

void DeviceContext::drop() noexcept
{
    try {
        if (nvme_) {
            auto entries = nvme_->cmdlog_merged(0);
            append_since(entries, log_);
        }
    } catch (...) {
        // The log is for the report; a controller gone bad has none to give.
    }
    qpair_.reset();
    ns_.reset();
    nvme_.reset();
}

void DeviceContext::append_since(const std::vector<CmdLogEntry>& entries,
                                 std::vector<std::string>& out) const
{
    for (const auto& e : entries) {
        if (e.submitted < since_)
            continue;
        // The AERs the initialization keeps outstanding are not the case's.
        if (e.sqid == 0 && e.sqe.opcode() == nvme::admin::kAsyncEventRequest && !e.completed)
            continue;
        out.push_back(e.to_string());
    }
}

Controller& DeviceContext::nvme()
{
    if (!nvme_) {
        nvme_ = std::make_unique<Controller>(pcie_);
        nvme_->set_timeout(kCaseTimeoutMs);
        since_ = std::chrono::system_clock::now();
    }
    return *nvme_;
}

void DeviceContext::renew_controller() { drop(); }

Namespace& DeviceContext::ns()
{
    if (!ns_)
        ns_ = std::make_unique<Namespace>(nvme(), 1, kNoVerifyMap);
    return *ns_;
}

Qpair& DeviceContext::qpair()
{
    if (!qpair_)
        qpair_ = std::make_unique<Qpair>(nvme(), 64);
    return *qpair_;
}

void DeviceContext::remember(const Qpair& q)
{
    try {
        append_since(q.cmdlog(0), log_);
    } catch (...) {
    }
}

std::vector<std::string> DeviceContext::commands() const
{
    std::vector<std::string> out = log_;
    if (nvme_)
        append_since(nvme_->cmdlog_merged(0), out);
    return out;
}

DeviceContext& device(Context& ctx)
{
    auto* d = dynamic_cast<DeviceContext*>(&ctx);
    if (!d)
        throw UsageError("this case needs a device context");
    return *d;
}

nvme::Cqe admin(Context& ctx, std::uint32_t opcode, CmdArgs a)
{
    return wait_one([&](Callback cb) {
        a.cb = std::move(cb);
        ctx.nvme().send_cmd(opcode, std::move(a)).waitdone();
    });
}

nvme::Cqe identify(Context& ctx, Buffer& buf, std::uint8_t cns, std::uint32_t nsid, std::uint16_t cntid,
                   std::uint8_t csi)
{
    return wait_one([&](Callback cb) {
        ctx.nvme()
            .identify(buf, {.nsid = nsid, .cns = cns, .cntid = cntid, .csi = csi, .cb = std::move(cb)})
            .waitdone();
    });
}

nvme::Cqe getfeatures(Context& ctx, std::uint8_t fid, GetFeaturesArgs a)
{
    return wait_one([&](Callback cb) {
        a.cb = std::move(cb);
        ctx.nvme().getfeatures(fid, std::move(a)).waitdone();
    });
}

nvme::Cqe setfeatures(Context& ctx, std::uint8_t fid, SetFeaturesArgs a)
{
    return wait_one([&](Callback cb) {
        a.cb = std::move(cb);
        ctx.nvme().setfeatures(fid, std::move(a)).waitdone();
    });
}

nvme::Cqe getlogpage(Context& ctx, std::uint8_t lid, Buffer& buf, std::uint32_t size, GetLogPageArgs a)
{
    return wait_one([&](Callback cb) {
        a.cb = std::move(cb);
        ctx.nvme().getlogpage(lid, buf, size, std::move(a)).waitdone();
    });
}

nvme::Cqe io_on(Context& ctx, Qpair& q, std::uint32_t opcode, IoCmdArgs a)
{
    return wait_one([&](Callback cb) {
        a.cb = std::move(cb);
        ctx.ns().send_cmd(opcode, q, std::move(a)).waitdone();
    });
}

nvme::Cqe io(Context& ctx, std::uint32_t opcode, IoCmdArgs a) { return io_on(ctx, ctx.qpair(), opcode, std::move(a)); }

nvme::Cqe read(Context& ctx, Buffer& buf, std::uint64_t lba, std::uint32_t n, IoArgs a)
{
    return wait_one([&](Callback cb) {
        a.cb = std::move(cb);
        ctx.ns().read(ctx.qpair(), buf, lba, n, std::move(a)).waitdone();
    });
}

nvme::Cqe write(Context& ctx, Buffer& buf, std::uint64_t lba, std::uint32_t n, IoArgs a)
{
    return wait_one([&](Callback cb) {
        a.cb = std::move(cb);
        ctx.ns().write(ctx.qpair(), buf, lba, n, std::move(a)).waitdone();
    });
}

std::uint64_t idctrl(Context& ctx, std::size_t end, std::size_t begin) { return ctx.nvme().id_data(end, begin); }

std::uint64_t cap(Context& ctx) { return ctx.nvme().cap(); }

}  // namespace nvmetest::conf
