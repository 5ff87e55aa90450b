// SPDX-License-Identifier: GPL-2.0
#include "events.h"

#include <linux/nvmetest.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <poll.h>
#include <sstream>

namespace devtest {

const char* event_name(uint32_t event) {
    switch (event) {
    case NVMETEST_EVENT_BIND:
        return "BIND";
    case NVMETEST_EVENT_UNBIND:
        return "UNBIND";
    case NVMETEST_EVENT_RESET_BEGIN:
        return "RESET_BEGIN";
    case NVMETEST_EVENT_RESET_END:
        return "RESET_END";
    case NVMETEST_EVENT_REMOVE:
        return "REMOVE";
    case NVMETEST_EVENT_PCI_ERROR:
        return "PCI_ERROR";
    case NVMETEST_EVENT_IRQ_SETUP:
        return "IRQ_SETUP";
    default:
        return "UNKNOWN";
    }
}

std::string Event::describe() const {
    std::ostringstream os;
    os << event_name(event) << "(" << event << ") bdf=" << bdf;
    if (pid)
        os << " pid=" << *pid;
    if (reset_method)
        os << " method=" << *reset_method;
    if (error)
        os << " errno=" << *error;
    if (irq_type)
        os << " irq_type=" << *irq_type;
    if (irq_count)
        os << " irq_count=" << *irq_count;
    if (pci_error_step)
        os << " step=" << *pci_error_step;
    if (pci_channel_state)
        os << " channel=" << *pci_channel_state;
    return os.str();
}

EventListener::~EventListener() {
    if (sock_)
        nl_socket_free(sock_);
}

std::string EventListener::subscribe() {
    sock_ = nl_socket_alloc();
    if (!sock_)
        return "nl_socket_alloc failed";
    int r = genl_connect(sock_);
    if (r < 0)
        return std::string("genl_connect: ") + nl_geterror(r);
    family_ = genl_ctrl_resolve(sock_, NVMETEST_GENL_NAME);
    if (family_ < 0)
        return std::string("generic netlink family " NVMETEST_GENL_NAME ": ") +
               nl_geterror(family_);
    int grp = genl_ctrl_resolve_grp(sock_, NVMETEST_GENL_NAME, NVMETEST_GENL_MCGRP);
    if (grp < 0)
        return std::string("multicast group " NVMETEST_GENL_MCGRP ": ") + nl_geterror(grp);
    nl_socket_disable_seq_check(sock_);
    nl_socket_modify_cb(sock_, NL_CB_VALID, NL_CB_CUSTOM, &EventListener::on_valid, this);
    r = nl_socket_add_membership(sock_, grp);
    if (r < 0)
        return std::string("joining the events group: ") + nl_geterror(r);
    nl_socket_set_nonblocking(sock_);
    return "";
}

int EventListener::on_valid(::nl_msg* msg, void* arg) {
    auto* self = static_cast<EventListener*>(arg);
    struct nlmsghdr* nlh = nlmsg_hdr(msg);
    struct genlmsghdr* gh = static_cast<struct genlmsghdr*>(nlmsg_data(nlh));
    if (nlh->nlmsg_type != self->family_ || gh->cmd != NVMETEST_CMD_EVENT)
        return NL_SKIP;
    struct nlattr* tb[NVMETEST_ATTR_MAX + 1];
    if (genlmsg_parse(nlh, 0, tb, NVMETEST_ATTR_MAX, nullptr) < 0)
        return NL_SKIP;
    Event e;
    if (tb[NVMETEST_ATTR_EVENT])
        e.event = nla_get_u32(tb[NVMETEST_ATTR_EVENT]);
    if (tb[NVMETEST_ATTR_BDF])
        e.bdf = nla_get_string(tb[NVMETEST_ATTR_BDF]);
    if (tb[NVMETEST_ATTR_PID])
        e.pid = nla_get_u32(tb[NVMETEST_ATTR_PID]);
    if (tb[NVMETEST_ATTR_RESET_METHOD])
        e.reset_method = nla_get_u32(tb[NVMETEST_ATTR_RESET_METHOD]);
    if (tb[NVMETEST_ATTR_ERRNO])
        e.error = static_cast<int32_t>(nla_get_u32(tb[NVMETEST_ATTR_ERRNO]));
    if (tb[NVMETEST_ATTR_IRQ_TYPE])
        e.irq_type = nla_get_u32(tb[NVMETEST_ATTR_IRQ_TYPE]);
    if (tb[NVMETEST_ATTR_IRQ_COUNT])
        e.irq_count = nla_get_u32(tb[NVMETEST_ATTR_IRQ_COUNT]);
    if (tb[NVMETEST_ATTR_PCI_ERROR_STEP])
        e.pci_error_step = nla_get_u32(tb[NVMETEST_ATTR_PCI_ERROR_STEP]);
    if (tb[NVMETEST_ATTR_PCI_CHANNEL_STATE])
        e.pci_channel_state = nla_get_u32(tb[NVMETEST_ATTR_PCI_CHANNEL_STATE]);
    if (tb[NVMETEST_ATTR_TIMESTAMP_NS])
        e.timestamp_ns = nla_get_u64(tb[NVMETEST_ATTR_TIMESTAMP_NS]);
    self->pending_.push_back(e);
    return NL_OK;
}

std::optional<Event> EventListener::next(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_.empty()) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline || !sock_)
            return std::nullopt;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        struct pollfd pfd = {nl_socket_get_fd(sock_), POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count()) + 1) <= 0)
            continue;
        nl_recvmsgs_default(sock_);
    }
    Event e = pending_.front();
    pending_.erase(pending_.begin());
    return e;
}

std::vector<Event> EventListener::collect_until(const std::function<bool(const Event&)>& pred,
                                                std::chrono::milliseconds timeout) {
    std::vector<Event> out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            return out;
        auto e = next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        if (!e)
            return out;
        out.push_back(*e);
        if (pred(*e))
            return out;
    }
}

std::vector<Event> EventListener::collect_for(std::chrono::milliseconds window) {
    return collect_until([](const Event&) { return false; }, window);
}

} // namespace devtest
