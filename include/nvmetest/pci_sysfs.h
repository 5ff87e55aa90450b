// SPDX-License-Identifier: BSD-3-Clause
//
// Finding PCI functions and moving them between drivers through sysfs:
// driver_override, unbind and drivers_probe.  Taking a function from the
// kernel's nvme driver is refused while its block devices are in use.
//
// The sysfs, procfs and /dev roots are parameters so unit tests can run the
// logic on a synthetic tree.
#ifndef NVMETEST_PCI_SYSFS_H
#define NVMETEST_PCI_SYSFS_H

#include "nvmetest/cxx20.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvmetest/bdf.h"
#include "nvmetest/errors.h"

namespace nvmetest {

struct SysfsRoots {
    std::string sys = "/sys";
    std::string proc = "/proc";
    std::string dev = "/dev";
};

struct PciFunction {
    Bdf bdf;
    std::uint16_t vendor_id = 0;
    std::uint16_t device_id = 0;
    std::uint32_t class_code = 0;
    std::string driver;           // "" when unbound
    std::string driver_override;  // "" when not set
    std::string node;             // "/dev/nvmetest/<bdf>" when the node exists

    bool is_nvme() const noexcept { return (class_code >> 8) == 0x0108; }
};

// A block device of the function and why it cannot be taken away now.
struct BlockDeviceUse {
    std::string name;                  // "nvme0n1p1"
    std::vector<std::string> reasons;  // "mounted on /mnt", "swap", "held by dm-0", "open"
};

// Bind refused: the function's block devices are in use.
class BindRefusedError : public Error {
public:
    BindRefusedError(const Bdf& bdf, std::vector<BlockDeviceUse> users);
    const std::vector<BlockDeviceUse>& users() const noexcept { return users_; }

private:
    std::vector<BlockDeviceUse> users_;
};

struct BindResult {
    std::string previous_driver;  // "" when it was unbound
    std::string node;             // the char device path
    bool node_ready = false;      // the node appeared within the timeout
    bool already_bound = false;
};

// Parses /proc/self/mountinfo text: (major:minor, mount point) of every mount.
std::vector<std::pair<std::string, std::string>> parse_mountinfo(std::string_view text);
// Parses /proc/swaps text: the file names of active swap areas.
std::vector<std::string> parse_swaps(std::string_view text);

class PciSysfs {
public:
    explicit PciSysfs(SysfsRoots roots = {});

    const SysfsRoots& roots() const noexcept { return roots_; }

    // Every PCI function, sorted by address.
    std::vector<PciFunction> functions() const;
    std::optional<PciFunction> function(const Bdf& bdf) const;
    // Functions bound to nvmetest.
    std::vector<PciFunction> bound() const;
    // Whether nvmetest.ko registered its PCI driver.
    bool module_loaded() const;

    // The function's block devices (namespaces, multipath heads, partitions).
    std::vector<std::string> block_devices(const Bdf& bdf) const;
    // Those of them in use, with the reasons; empty when the function is free.
    std::vector<BlockDeviceUse> busy_block_devices(const Bdf& bdf) const;

    // Moves the function to nvmetest and waits up to node_timeout for its node.
    // Throws BindRefusedError when its block devices are in use (unless force).
    BindResult bind(const Bdf& bdf, std::chrono::milliseconds node_timeout = std::chrono::seconds(5),
                    bool force = false);
    // Gives the function back: clears driver_override, unbinds it from nvmetest
    // and lets the kernel probe its own driver.  Returns the new driver ("" if none).
    std::string unbind(const Bdf& bdf);

private:
    std::string device_dir(const Bdf& bdf) const;
    void write_attr(const std::string& path, std::string_view value, const Bdf& bdf) const;

    SysfsRoots roots_;
};

}  // namespace nvmetest

#endif  // NVMETEST_PCI_SYSFS_H
