// SPDX-License-Identifier: BSD-3-Clause
//
// Controller: the admin commands, each a thin builder of its SQE.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/controller_core.h"
#include "core/raw_command.h"
#include "nvmetest/controller.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/warnings.h"
#include "verify/namespace_verify.h"

namespace nvmetest {
namespace {

nvme::Sqe make(std::uint8_t opcode, std::uint32_t nsid = 0)
{
    nvme::Sqe sqe{};
    sqe.set_opcode(opcode);
    sqe.set_nsid(nsid);
    return sqe;
}

// Dword count of a transfer, 0-based, as NUMD fields hold it.
std::uint32_t numd(std::size_t bytes) { return bytes >= 4 ? static_cast<std::uint32_t>(bytes / 4 - 1) : 0; }

}  // namespace

Controller& Controller::admin(nvme::Sqe sqe, Buffer* buf, std::size_t xfer, Callback cb)
{
    if (buf) {
        core()->check_buffer_device(buf->in_cmb(), buf->device(), buf->name());
        const core::DataRef ref{buf->phys_addr(), buf->size(), buf->offset(), buf->name(),
                                &buf->share_memory()};
        core()->submit_admin(sqe, &ref, xfer, std::move(cb));
    } else {
        core()->submit_admin(sqe, nullptr, 0, std::move(cb));
    }
    return *this;
}

Controller& Controller::identify(Buffer& buf, IdentifyArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kIdentify, a.nsid);
    sqe.cdw[10] = a.cns | std::uint32_t{a.cntid} << 16;
    sqe.cdw[11] = std::uint32_t{a.csi} << 24 | a.nvmsetid;
    return admin(sqe, &buf, 4096, std::move(a.cb));
}

Controller& Controller::identify(Buffer& buf, std::uint32_t nsid, std::uint8_t cns, Callback cb)
{
    return identify(buf, IdentifyArgs{.nsid = nsid, .cns = cns, .cb = std::move(cb)});
}

Controller& Controller::getfeatures(std::uint8_t fid, GetFeaturesArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kGetFeatures, a.nsid);
    sqe.cdw[10] = fid | (a.sel & 7) << 8;
    sqe.cdw[11] = a.cdw11;
    sqe.cdw[12] = a.cdw12;
    sqe.cdw[13] = a.cdw13;
    sqe.cdw[14] = a.cdw14;
    sqe.cdw[15] = a.cdw15;
    return admin(sqe, a.buf, a.buf ? a.buf->size() : 0, std::move(a.cb));
}

Controller& Controller::setfeatures(std::uint8_t fid, SetFeaturesArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kSetFeatures, a.nsid);
    sqe.cdw[10] = fid | (a.sv ? 1u << 31 : 0u);
    sqe.cdw[11] = a.cdw11;
    sqe.cdw[12] = a.cdw12;
    sqe.cdw[13] = a.cdw13;
    sqe.cdw[14] = a.cdw14;
    sqe.cdw[15] = a.cdw15;
    return admin(sqe, a.buf, a.buf ? a.buf->size() : 0, std::move(a.cb));
}

Controller& Controller::getlogpage(std::uint8_t lid, Buffer& buf, std::uint32_t size,
                                   GetLogPageArgs a)
{
    const std::size_t bytes = size ? size : buf.size();
    const std::uint32_t n = numd(bytes);
    nvme::Sqe sqe = make(nvme::admin::kGetLogPage, a.nsid);
    sqe.cdw[10] = lid | std::uint32_t{a.lsp} << 8 | (a.rae ? 1u << 15 : 0u) | (n & 0xffff) << 16;
    sqe.cdw[11] = n >> 16 | std::uint32_t{a.lsi} << 16;
    sqe.cdw[12] = static_cast<std::uint32_t>(a.offset);
    sqe.cdw[13] = static_cast<std::uint32_t>(a.offset >> 32);
    sqe.cdw[14] = std::uint32_t{a.csi} << 24;
    return admin(sqe, &buf, bytes, std::move(a.cb));
}

Controller& Controller::format(FormatArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kFormatNvm, a.nsid);
    sqe.cdw[10] = (a.lbaf & 0xfu) | (a.mset & 1u) << 4 | (a.pi & 7u) << 5 | (a.pil & 1u) << 8 |
                  (a.ses & 7u) << 9 | ((a.lbaf >> 4) & 3u) << 12;
    // Erased LBAs: the data verification map of the namespace(s) starts over.
    return admin(sqe, nullptr, 0, verify::reset_on_success(core().get(), a.nsid, std::move(a.cb)));
}

Controller& Controller::sanitize(SanitizeArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kSanitize);
    sqe.cdw[10] = (a.option & 7u) | (a.ause ? 1u << 3 : 0u) | (a.owpass & 0xfu) << 4 |
                  (a.oipbp ? 1u << 8 : 0u) | (a.nodas ? 1u << 9 : 0u);
    sqe.cdw[11] = a.pattern;
    return admin(sqe, nullptr, 0,
                 verify::reset_on_success(core().get(), 0xffffffffu, std::move(a.cb)));
}

Controller& Controller::dst(std::uint8_t stc, std::uint32_t nsid, CbArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kDeviceSelfTest, nsid);
    sqe.cdw[10] = stc & 0xfu;
    return admin(sqe, nullptr, 0, std::move(a.cb));
}

Controller& Controller::fw_download(Buffer& buf, std::uint32_t offset, std::uint32_t size, CbArgs a)
{
    const std::size_t bytes = size ? size : buf.size();
    nvme::Sqe sqe = make(nvme::admin::kFirmwareImageDownload);
    sqe.cdw[10] = numd(bytes);
    sqe.cdw[11] = offset / 4;
    return admin(sqe, &buf, bytes, std::move(a.cb));
}

Controller& Controller::fw_commit(std::uint8_t slot, std::uint8_t action, std::uint8_t bpid, CbArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kFirmwareCommit);
    sqe.cdw[10] = (slot & 7u) | (action & 7u) << 3 | (bpid & 1u) << 31;
    return admin(sqe, nullptr, 0, std::move(a.cb));
}

std::uint16_t Controller::downfw(const std::string& filename, std::uint8_t slot, std::uint8_t action)
{
    std::ifstream in(filename, std::ios::binary);
    if (!in)
        throw UsageError("cannot read firmware file " + filename + ": check the path");
    const std::vector<char> image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (image.empty() || image.size() % 4)
        throw UsageError("firmware file " + filename + " has " + std::to_string(image.size()) +
                         " bytes; an image is a non-empty multiple of 4 bytes");
    core::ControllerCore& c = *core();
    const std::size_t chunk = std::min<std::size_t>(mdts(), 64 * 1024);
    DmaMemory mem = c.t->alloc_dma(chunk);
    for (std::size_t off = 0; off < image.size(); off += chunk) {
        const std::size_t n = std::min(chunk, image.size() - off);
        std::memcpy(mem.data(), image.data() + off, n);
        nvme::Sqe sqe = make(nvme::admin::kFirmwareImageDownload);
        sqe.cdw[10] = numd(n);
        sqe.cdw[11] = static_cast<std::uint32_t>(off / 4);
        const nvme::Cqe cqe = c.admin_sync(sqe, &mem, n);
        if (!cqe.ok()) {
            warn(nvme::status_string(cqe.status()));
            return cqe.status();
        }
    }
    nvme::Sqe commit = make(nvme::admin::kFirmwareCommit);
    commit.cdw[10] = (slot & 7u) | (action & 7u) << 3;
    const nvme::Cqe cqe = c.admin_sync(commit, nullptr, 0);
    if (!cqe.ok())
        warn(nvme::status_string(cqe.status()));
    return cqe.status();
}

Controller& Controller::abort(std::uint16_t cid, std::uint16_t sqid, CbArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kAbort);
    sqe.cdw[10] = sqid | std::uint32_t{cid} << 16;
    return admin(sqe, nullptr, 0, std::move(a.cb));
}

Controller& Controller::ns_create(Buffer& buf, std::uint8_t csi, CbArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kNamespaceManagement);
    sqe.cdw[10] = 0;  // SEL: create
    sqe.cdw[11] = std::uint32_t{csi} << 24;
    return admin(sqe, &buf, 4096, std::move(a.cb));
}

Controller& Controller::ns_delete(std::uint32_t nsid, CbArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kNamespaceManagement, nsid);
    sqe.cdw[10] = 1;  // SEL: delete
    return admin(sqe, nullptr, 0, std::move(a.cb));
}

Controller& Controller::ns_attach(Buffer& buf, std::uint32_t nsid, bool attach, CbArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kNamespaceAttachment, nsid);
    sqe.cdw[10] = attach ? 0u : 1u;
    return admin(sqe, &buf, 4096, std::move(a.cb));
}

Controller& Controller::security_send(Buffer& buf, SecurityArgs a)
{
    const std::size_t bytes = a.size ? a.size : buf.size();
    nvme::Sqe sqe = make(nvme::admin::kSecuritySend, a.nsid);
    sqe.cdw[10] = std::uint32_t{a.secp} << 24 | std::uint32_t{a.spsp} << 8 | a.nssf;
    sqe.cdw[11] = static_cast<std::uint32_t>(bytes);
    return admin(sqe, &buf, bytes, std::move(a.cb));
}

Controller& Controller::security_receive(Buffer& buf, SecurityArgs a)
{
    const std::size_t bytes = a.size ? a.size : buf.size();
    nvme::Sqe sqe = make(nvme::admin::kSecurityReceive, a.nsid);
    sqe.cdw[10] = std::uint32_t{a.secp} << 24 | std::uint32_t{a.spsp} << 8 | a.nssf;
    sqe.cdw[11] = static_cast<std::uint32_t>(bytes);
    return admin(sqe, &buf, bytes, std::move(a.cb));
}

Controller& Controller::directive_send(DirectiveArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kDirectiveSend, a.nsid);
    sqe.cdw[10] = a.buf ? numd(a.buf->size()) : 0;
    sqe.cdw[11] = a.doper | std::uint32_t{a.dtype} << 8 | std::uint32_t{a.dspec} << 16;
    sqe.cdw[12] = a.cdw12;
    sqe.cdw[13] = a.cdw13;
    return admin(sqe, a.buf, a.buf ? a.buf->size() : 0, std::move(a.cb));
}

Controller& Controller::directive_receive(DirectiveArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kDirectiveReceive, a.nsid);
    sqe.cdw[10] = a.buf ? numd(a.buf->size()) : 0;
    sqe.cdw[11] = a.doper | std::uint32_t{a.dtype} << 8 | std::uint32_t{a.dspec} << 16;
    sqe.cdw[12] = a.cdw12;
    sqe.cdw[13] = a.cdw13;
    return admin(sqe, a.buf, a.buf ? a.buf->size() : 0, std::move(a.cb));
}

Controller& Controller::virt_mgmt(std::uint16_t cntlid, std::uint8_t act, std::uint8_t rt,
                                  std::uint16_t nr, CbArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kVirtualizationManagement);
    sqe.cdw[10] = (act & 0xfu) | (rt & 7u) << 8 | std::uint32_t{cntlid} << 16;
    sqe.cdw[11] = nr;
    return admin(sqe, nullptr, 0, std::move(a.cb));
}

Controller& Controller::dbbuf_config(Buffer& shadow, Buffer& eventidx, CbArgs a)
{
    core::ControllerCore& c = *core();
    const std::size_t need = core::dbbuf_bytes(c.dbbuf_max_qid(), c.dstrd);
    for (const Buffer* b : {&shadow, &eventidx}) {
        c.check_buffer_device(b->in_cmb(), b->device(), b->name());
        if (b->size() < need)
            throw UsageError("Buffer \"" + b->name() + "\" offers " + std::to_string(b->size()) +
                             " bytes from its offset, but the doorbell slots of queues 0.." +
                             std::to_string(c.dbbuf_max_qid()) + " take " +
                             std::to_string(need) +
                             " bytes: use a larger buffer (one page covers 512 queues at "
                             "DSTRD 0); nothing was sent");
    }
    auto region = [](Buffer& b) {
        return core::DmaRegion{b.share_memory(), b.bytes().data() + b.offset(), b.phys_addr(),
                               b.size()};
    };
    auto b = std::make_shared<core::DoorbellBuffers>(region(shadow), region(eventidx));
    if (b->overlap)
        warn("the shadow doorbell and EventIdx buffers of dbbuf_config() overlap: EventIdx is "
             "ignored and every doorbell update is also written to BAR0; the controller's "
             "EventIdx stores can still overwrite a new doorbell value (give two buffers)");
    c.dbbuf_send(std::move(b), std::move(a.cb));
    return *this;
}

Controller& Controller::dbbuf_config(CbArgs a)
{
    core::ControllerCore& c = *core();
    c.dbbuf_send(c.library_dbbuf(), std::move(a.cb));
    return *this;
}

Controller& Controller::keep_alive(CbArgs a)
{
    return admin(make(nvme::admin::kKeepAlive), nullptr, 0, std::move(a.cb));
}

Controller& Controller::get_lba_status(Buffer& buf, std::uint64_t slba, std::uint32_t mndw,
                                       std::uint16_t rl, std::uint8_t atype, std::uint32_t nsid,
                                       CbArgs a)
{
    nvme::Sqe sqe = make(nvme::admin::kGetLbaStatus, nsid);
    sqe.cdw[10] = static_cast<std::uint32_t>(slba);
    sqe.cdw[11] = static_cast<std::uint32_t>(slba >> 32);
    sqe.cdw[12] = mndw;
    sqe.cdw[13] = rl | std::uint32_t{atype} << 24;
    return admin(sqe, &buf, (std::size_t{mndw} + 1) * 4, std::move(a.cb));
}

Controller& Controller::send_cmd(std::uint32_t opcode, CmdArgs a)
{
    const nvme::Sqe sqe = core::raw_sqe(opcode, a.nsid, a);
    const std::size_t bytes = core::raw_transfer_bytes(a);
    return admin(sqe, a.buf, bytes, std::move(a.cb));
}

}  // namespace nvmetest
