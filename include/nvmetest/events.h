// SPDX-License-Identifier: BSD-3-Clause
//
// Events from nvmetest.ko on its generic netlink family "nvmetest", multicast
// group "events": bind, unbind, resets, removal, PCI error callbacks, interrupt
// setup changes.  libnl stays inside the library.
#ifndef NVMETEST_EVENTS_H
#define NVMETEST_EVENTS_H

#include "nvmetest/cxx20.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nvmetest/device_info.h"

struct nlmsghdr;

namespace nvmetest {

// Values equal the UAPI's enum nvmetest_event.
enum class EventType : std::uint32_t {
    Unspec = 0,
    Bind = 1,
    Unbind = 2,
    ResetBegin = 3,
    ResetEnd = 4,
    Remove = 5,
    PciError = 6,
    IrqSetup = 7,
};

// Values equal the UAPI's enum nvmetest_pci_error_step.
enum class PciErrorStep : std::uint32_t {
    Detected = 1,
    MmioEnabled = 2,
    SlotReset = 3,
    Resume = 4,
    ResetPrepare = 5,
    ResetDone = 6,
};

std::string_view to_string(EventType t) noexcept;     // "bind", "reset-begin", ...
std::string_view to_string(PciErrorStep s) noexcept;  // "error_detected", ...
// pci_channel_state_t: 1 normal, 2 frozen, 3 perm_failure.
std::string_view pci_channel_state_name(std::uint32_t state) noexcept;

struct Event {
    EventType type = EventType::Unspec;
    std::uint32_t raw_type = 0;       // as received, for types newer than this library
    std::string bdf;                  // "0000:01:00.0"
    std::uint32_t pid = 0;            // process that caused it; 0: the kernel
    std::uint64_t timestamp_ns = 0;   // ktime_get_ns() in the kernel; 0 when absent
    std::optional<ResetMethod> reset_method;
    std::optional<std::int32_t> error;  // 0 or a negative errno (reset-end)
    std::optional<IrqType> irq_type;
    std::optional<std::uint32_t> irq_count;
    std::optional<PciErrorStep> pci_error_step;
    std::optional<std::uint32_t> pci_channel_state;

    // "0000:01:00.0 reset-end method=flr result=0 pid=1234 t=12.345678901"
    std::string to_string() const;
};

// Decodes one NVMETEST_CMD_EVENT message of the nvmetest family; nullopt for
// other commands and malformed messages.  Exposed for tests and for callers
// that run their own netlink loop.
std::optional<Event> decode_event(const ::nlmsghdr* msg);

// A subscription to the events group.  Move-only; not thread-safe.
class EventMonitor {
public:
    // Throws SystemError(ENOENT, Op::Netlink) when the family is not registered
    // (the module is not loaded), SystemError(EPERM, Op::Netlink) without
    // CAP_NET_ADMIN, which joining the group takes.
    EventMonitor();
    EventMonitor(EventMonitor&&) noexcept;
    EventMonitor& operator=(EventMonitor&&) noexcept;
    EventMonitor(const EventMonitor&) = delete;
    EventMonitor& operator=(const EventMonitor&) = delete;
    ~EventMonitor();

    // The socket, for callers that poll it with others (POLLIN: call next()).
    int fd() const noexcept;

    // The next event, waiting up to timeout (negative: forever); nullopt on timeout
    // and when a signal interrupted the wait.
    std::optional<Event> next(std::chrono::milliseconds timeout);

    // Messages the kernel dropped because this socket's buffer was full.
    std::uint64_t overruns() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nvmetest

#endif  // NVMETEST_EVENTS_H
