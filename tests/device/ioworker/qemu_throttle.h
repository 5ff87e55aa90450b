// SPDX-License-Identifier: BSD-3-Clause
// QEMU's own I/O throttling of the DUT's namespace (QMP block_set_io_throttle):
// a device slow but alive, for the IOWorker's timeout tests (-3, -4).
#pragma once

#include <cstdint>
#include <string>

#include <nvmetest/fixtures.h>

#include "support/qmp.h"

namespace devtest {

// QEMU throttles the block device of the namespace device ns_qdev_id to
// iops commands a second while it lives.  QMP is opened per call: the port
// admits one client at a time.
class QemuThrottle {
public:
    QemuThrottle(std::string ns_qdev_id, int iops) : id_(std::move(ns_qdev_id)) { on_ = set(iops); }
    ~QemuThrottle() { off(); }
    QemuThrottle(const QemuThrottle&) = delete;
    QemuThrottle& operator=(const QemuThrottle&) = delete;

    bool on() const { return on_; }
    const std::string& error() const { return error_; }
    void off()
    {
        if (on_)
            on_ = !set(0);
    }

private:
    bool set(int iops)
    {
        devtest::Qmp qmp;
        if (!qmp.open()) {
            error_ = qmp.error();
            return false;
        }
        const std::string args = "{\"id\":\"" + id_ +
                                 "\",\"bps\":0,\"bps_rd\":0,\"bps_wr\":0,\"iops\":" +
                                 std::to_string(iops) + ",\"iops_rd\":0,\"iops_wr\":0}";
        if (!qmp.execute("block_set_io_throttle", args)) {
            error_ = qmp.error();
            return false;
        }
        return true;
    }

    std::string id_;
    bool on_ = false;
    std::string error_;
};

// The qdev id of the DUT's namespace nsid: "<controller id>-ns<nsid>"
// (tests/vm/nvmetest-vm), the controller's id from QEMU's query-pci.
inline std::string namespace_qdev_id(std::uint32_t nsid)
{
    devtest::Qmp qmp;
    if (!qmp.open())
        return "";
    const auto dev = devtest::qmp_find_pci(qmp, nvmetest::testing::pciaddr());
    return dev && !dev->qdev_id.empty() ? dev->qdev_id + "-ns" + std::to_string(nsid) : "";
}

}  // namespace devtest
