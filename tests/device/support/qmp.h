// SPDX-License-Identifier: GPL-2.0
// A QMP client for the monitor reachable from the guest at $NVMETEST_QMP (a
// virtio-serial port connected to QEMU's own QMP monitor).
#pragma once

#include "json.h"
#include "util.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace devtest {

class Qmp {
public:
    // Opens path (default $NVMETEST_QMP) and leaves capability negotiation
    // done; "" or what failed via error().
    bool open(const std::string& path = "");
    const std::string& error() const { return error_; }

    // Runs a command (args: a JSON object text or empty) and returns its
    // "return" value; nullopt with error() set on an error reply or timeout.
    std::optional<Json> execute(const std::string& command, const std::string& args = "",
                                std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Waits for an asynchronous event named name (events seen by execute()
    // are kept and searched first).
    std::optional<Json> wait_event(const std::string& name, std::chrono::milliseconds timeout);
    void clear_events() { events_.clear(); }

private:
    bool send(const std::string& text);
    // Next complete message, or nullopt on timeout.
    std::optional<Json> receive(std::chrono::milliseconds timeout);

    UniqueFd fd_;
    std::string buf_;
    std::string error_;
    std::vector<Json> events_;
    unsigned next_id_ = 1;
};

// A PCI function as QEMU sees it (from query-pci).
struct QemuPciDevice {
    int bus = -1, slot = -1, function = -1;
    std::string qdev_id;   // "" when the device was created without id
    std::string parent_id; // qdev id of the bridge it sits behind ("" for the root bus)
    int vendor = -1, device = -1;
};
// Lists every PCI function, walking bridges.
std::vector<QemuPciDevice> qmp_pci_devices(Qmp& qmp);
// Finds the function with the guest address bdf ("0000:01:00.0").
std::optional<QemuPciDevice> qmp_find_pci(Qmp& qmp, const std::string& bdf);

} // namespace devtest
