// SPDX-License-Identifier: GPL-2.0
// Subscribes to the nvmetest generic netlink family's "events" group (libnl).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

struct nl_sock;
struct nl_msg;

namespace devtest {

struct Event {
    uint32_t event = 0; // enum nvmetest_event
    std::string bdf;
    std::optional<uint32_t> pid;
    std::optional<uint32_t> reset_method;
    std::optional<int32_t> error; // NVMETEST_ATTR_ERRNO
    std::optional<uint32_t> irq_type;
    std::optional<uint32_t> irq_count;
    std::optional<uint32_t> pci_error_step;
    std::optional<uint32_t> pci_channel_state; // NVMETEST_ATTR_PCI_CHANNEL_STATE
    std::optional<uint64_t> timestamp_ns;
    std::string describe() const;
};

class EventListener {
public:
    EventListener() = default;
    ~EventListener();
    EventListener(const EventListener&) = delete;
    EventListener& operator=(const EventListener&) = delete;

    // Resolves the family and joins the group; "" or what failed.
    std::string subscribe();
    // Next event (for any device), nullopt after timeout.
    std::optional<Event> next(std::chrono::milliseconds timeout);
    // Collects events until pred matches one (returned last) or timeout; all
    // events seen are in the result.
    std::vector<Event> collect_until(const std::function<bool(const Event&)>& pred,
                                     std::chrono::milliseconds timeout);
    // Everything that arrives within window.
    std::vector<Event> collect_for(std::chrono::milliseconds window);

private:
    static int on_valid(::nl_msg* msg, void* arg);

    nl_sock* sock_ = nullptr;
    int family_ = -1;
    std::vector<Event> pending_;
};

const char* event_name(uint32_t event);

} // namespace devtest
