// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/events.h"

#include <linux/nvmetest.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <poll.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>

#include "nvmetest/errors.h"

namespace nvmetest {

static_assert(static_cast<std::uint32_t>(EventType::IrqSetup) == NVMETEST_EVENT_IRQ_SETUP);
static_assert(static_cast<std::uint32_t>(EventType::PciError) == NVMETEST_EVENT_PCI_ERROR);
static_assert(static_cast<std::uint32_t>(PciErrorStep::ResetDone) == NVMETEST_PCI_ERROR_RESET_DONE);

std::string_view to_string(EventType t) noexcept
{
    switch (t) {
    case EventType::Unspec: return "unspec";
    case EventType::Bind: return "bind";
    case EventType::Unbind: return "unbind";
    case EventType::ResetBegin: return "reset-begin";
    case EventType::ResetEnd: return "reset-end";
    case EventType::Remove: return "remove";
    case EventType::PciError: return "pci-error";
    case EventType::IrqSetup: return "irq-setup";
    }
    return "unknown";
}

std::string_view to_string(PciErrorStep s) noexcept
{
    switch (s) {
    case PciErrorStep::Detected: return "error_detected";
    case PciErrorStep::MmioEnabled: return "mmio_enabled";
    case PciErrorStep::SlotReset: return "slot_reset";
    case PciErrorStep::Resume: return "resume";
    case PciErrorStep::ResetPrepare: return "reset_prepare";
    case PciErrorStep::ResetDone: return "reset_done";
    }
    return "unknown";
}

std::string_view pci_channel_state_name(std::uint32_t state) noexcept
{
    switch (state) {
    case 1: return "normal";
    case 2: return "frozen";
    case 3: return "perm_failure";
    default: return "unknown";
    }
}

std::string Event::to_string() const
{
    std::string s = bdf.empty() ? std::string("-") : bdf;
    s += ' ';
    if (type == EventType::Unspec && raw_type != 0)
        s += "event" + std::to_string(raw_type);
    else
        s += nvmetest::to_string(type);
    if (reset_method)
        s += " method=" + std::string(nvmetest::to_string(*reset_method));
    if (error) {
        s += " result=" + std::to_string(*error);
        if (*error < 0)
            s += " (" + std::string(errno_name(-*error)) + ")";
    }
    if (irq_type)
        s += " type=" + std::string(nvmetest::to_string(*irq_type));
    if (irq_count)
        s += " count=" + std::to_string(*irq_count);
    if (pci_error_step)
        s += " step=" + std::string(nvmetest::to_string(*pci_error_step));
    if (pci_channel_state)
        s += " channel=" + std::string(pci_channel_state_name(*pci_channel_state));
    s += " pid=" + std::to_string(pid);
    if (timestamp_ns) {
        char buf[40];
        std::snprintf(buf, sizeof(buf), " t=%llu.%09llu",
                      static_cast<unsigned long long>(timestamp_ns / 1000000000ull),
                      static_cast<unsigned long long>(timestamp_ns % 1000000000ull));
        s += buf;
    }
    return s;
}

std::optional<Event> decode_event(const ::nlmsghdr* msg)
{
    if (!msg)
        return std::nullopt;
    auto* hdr = const_cast<::nlmsghdr*>(msg);
    if (!genlmsg_valid_hdr(hdr, 0))
        return std::nullopt;
    const genlmsghdr* g = static_cast<const genlmsghdr*>(nlmsg_data(hdr));
    if (g->cmd != NVMETEST_CMD_EVENT)
        return std::nullopt;

    nla_policy policy[NVMETEST_ATTR_MAX + 1] = {};
    policy[NVMETEST_ATTR_EVENT].type = NLA_U32;
    policy[NVMETEST_ATTR_BDF].type = NLA_STRING;
    policy[NVMETEST_ATTR_PID].type = NLA_U32;
    policy[NVMETEST_ATTR_RESET_METHOD].type = NLA_U32;
    policy[NVMETEST_ATTR_ERRNO].type = NLA_U32;  // s32 on the wire, same size
    policy[NVMETEST_ATTR_IRQ_TYPE].type = NLA_U32;
    policy[NVMETEST_ATTR_IRQ_COUNT].type = NLA_U32;
    policy[NVMETEST_ATTR_PCI_ERROR_STEP].type = NLA_U32;
    policy[NVMETEST_ATTR_PCI_CHANNEL_STATE].type = NLA_U32;
    policy[NVMETEST_ATTR_TIMESTAMP_NS].type = NLA_U64;

    nlattr* a[NVMETEST_ATTR_MAX + 1] = {};
    if (genlmsg_parse(hdr, 0, a, NVMETEST_ATTR_MAX, policy) < 0)
        return std::nullopt;
    if (!a[NVMETEST_ATTR_EVENT])
        return std::nullopt;

    Event e;
    e.raw_type = nla_get_u32(a[NVMETEST_ATTR_EVENT]);
    e.type = (e.raw_type < __NVMETEST_EVENT_MAX) ? static_cast<EventType>(e.raw_type)
                                                 : EventType::Unspec;
    if (a[NVMETEST_ATTR_BDF]) {
        const char* s = static_cast<const char*>(nla_data(a[NVMETEST_ATTR_BDF]));
        e.bdf.assign(s, strnlen(s, static_cast<std::size_t>(nla_len(a[NVMETEST_ATTR_BDF]))));
    }
    if (a[NVMETEST_ATTR_PID])
        e.pid = nla_get_u32(a[NVMETEST_ATTR_PID]);
    if (a[NVMETEST_ATTR_TIMESTAMP_NS])
        e.timestamp_ns = nla_get_u64(a[NVMETEST_ATTR_TIMESTAMP_NS]);
    if (a[NVMETEST_ATTR_RESET_METHOD]) {
        const std::uint32_t m = nla_get_u32(a[NVMETEST_ATTR_RESET_METHOD]);
        if (m < NVMETEST_RESET_NR)
            e.reset_method = static_cast<ResetMethod>(m);
    }
    if (a[NVMETEST_ATTR_ERRNO])
        e.error = static_cast<std::int32_t>(nla_get_u32(a[NVMETEST_ATTR_ERRNO]));
    if (a[NVMETEST_ATTR_IRQ_TYPE]) {
        const std::uint32_t t = nla_get_u32(a[NVMETEST_ATTR_IRQ_TYPE]);
        if (t <= NVMETEST_IRQ_MSIX)
            e.irq_type = static_cast<IrqType>(t);
    }
    if (a[NVMETEST_ATTR_IRQ_COUNT])
        e.irq_count = nla_get_u32(a[NVMETEST_ATTR_IRQ_COUNT]);
    if (a[NVMETEST_ATTR_PCI_ERROR_STEP]) {
        const std::uint32_t s = nla_get_u32(a[NVMETEST_ATTR_PCI_ERROR_STEP]);
        if (s >= 1 && s <= 6)
            e.pci_error_step = static_cast<PciErrorStep>(s);
    }
    if (a[NVMETEST_ATTR_PCI_CHANNEL_STATE])
        e.pci_channel_state = nla_get_u32(a[NVMETEST_ATTR_PCI_CHANNEL_STATE]);
    return e;
}

struct EventMonitor::Impl {
    nl_sock* sock = nullptr;
    std::deque<Event> pending;
    std::uint64_t overruns = 0;

    ~Impl()
    {
        if (sock)
            nl_socket_free(sock);
    }

    static int on_valid(nl_msg* msg, void* arg)
    {
        auto* self = static_cast<Impl*>(arg);
        if (auto e = decode_event(nlmsg_hdr(msg)))
            self->pending.push_back(std::move(*e));
        return NL_OK;
    }
};

namespace {

int nl_to_errno(int nlerr)
{
    switch (nlerr < 0 ? -nlerr : nlerr) {
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_PERM: return EPERM;
    case NLE_NOMEM: return ENOMEM;
    case NLE_AGAIN: return EAGAIN;
    case NLE_INTR: return EINTR;
    case NLE_NOACCESS: return EACCES;
    default: return EIO;
    }
}

}  // namespace

EventMonitor::EventMonitor() : impl_(std::make_unique<Impl>())
{
    impl_->sock = nl_socket_alloc();
    if (!impl_->sock)
        throw_system_error(ENOMEM, Op::Netlink, "allocating a netlink socket");
    nl_socket_disable_seq_check(impl_->sock);
    nl_socket_disable_auto_ack(impl_->sock);
    if (int r = genl_connect(impl_->sock); r < 0)
        throw_system_error(nl_to_errno(r), Op::Netlink,
                           std::string("connecting to generic netlink: ") + nl_geterror(r));
    const int grp = genl_ctrl_resolve_grp(impl_->sock, NVMETEST_GENL_NAME, NVMETEST_GENL_MCGRP);
    if (grp < 0)
        throw_system_error(nl_to_errno(grp), Op::Netlink,
                           "resolving group " NVMETEST_GENL_MCGRP " of family " NVMETEST_GENL_NAME);
    if (int r = nl_socket_add_membership(impl_->sock, grp); r < 0)
        throw_system_error(nl_to_errno(r), Op::Netlink,
                           std::string("joining the events group (it takes CAP_NET_ADMIN): ") +
                               nl_geterror(r));
    nl_socket_modify_cb(impl_->sock, NL_CB_VALID, NL_CB_CUSTOM, &Impl::on_valid, impl_.get());
    nl_socket_set_nonblocking(impl_->sock);
    // Bursts of events (a reset storm) should not overrun the default buffer.
    nl_socket_set_buffer_size(impl_->sock, 1 << 20, 0);
}

EventMonitor::EventMonitor(EventMonitor&&) noexcept = default;
EventMonitor& EventMonitor::operator=(EventMonitor&&) noexcept = default;
EventMonitor::~EventMonitor() = default;

int EventMonitor::fd() const noexcept { return impl_ ? nl_socket_get_fd(impl_->sock) : -1; }

std::uint64_t EventMonitor::overruns() const noexcept { return impl_ ? impl_->overruns : 0; }

std::optional<Event> EventMonitor::next(std::chrono::milliseconds timeout)
{
    const bool forever = timeout.count() < 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (impl_->pending.empty()) {
        int wait_ms = -1;
        if (!forever) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return std::nullopt;
            wait_ms = static_cast<int>(left.count());
        }
        pollfd p{fd(), POLLIN, 0};
        const int r = ::poll(&p, 1, wait_ms);
        if (r < 0) {
            if (errno == EINTR)
                return std::nullopt;  // a signal: let the caller look at its flags
            throw_system_error(errno, Op::Netlink, "polling the netlink socket");
        }
        if (r == 0)
            continue;
        const int rr = nl_recvmsgs_default(impl_->sock);
        if (rr < 0) {
            if (rr == -NLE_AGAIN)
                continue;
            if (rr == -NLE_NOMEM || rr == -NLE_MSG_OVERFLOW) {
                ++impl_->overruns;  // ENOBUFS: the kernel dropped events
                continue;
            }
            throw_system_error(nl_to_errno(rr), Op::Netlink,
                               std::string("receiving events: ") + nl_geterror(rr));
        }
    }
    Event e = std::move(impl_->pending.front());
    impl_->pending.pop_front();
    return e;
}

}  // namespace nvmetest
