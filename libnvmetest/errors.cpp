// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/errors.h"

#include <cerrno>
#include <cstring>

namespace nvmetest {
namespace {

std::string bdf_or(const ErrorContext& ctx, std::string_view fallback)
{
    return std::string(ctx.bdf.empty() ? fallback : ctx.bdf);
}

std::string reset_advice(const ErrorContext& ctx)
{
    const std::string_view m = ctx.detail;
    if (m == "flr")
        return "this function cannot do a function level reset: it needs FLR in the PCIe "
               "Device Capabilities (or an Advanced Features capability); use 'hot' or 'pm'";
    if (m == "hot")
        return "a secondary bus (hot) reset needs the function alone behind a bridge it can "
               "reset, e.g. a PCIe root or downstream port (in QEMU: -device pcie-root-port); "
               "a device on the root bus or sharing its bus with other functions cannot use it";
    if (m == "link")
        return "a link disable/enable needs a PCIe upstream port (root or downstream port) "
               "with a Link Control register; a device on the root bus has none";
    if (m == "pm")
        return "a D3hot->D0 reset needs a Power Management capability without "
               "No_Soft_Reset set";
    return "the topology does not support this reset method; 'nvmetest-ctl info' lists "
           "the methods that it supports";
}

}  // namespace

AbiMismatchError::AbiMismatchError(unsigned module_version, unsigned library_version)
    : Error("the loaded nvmetest.ko speaks ABI version " + std::to_string(module_version) +
            " but this library was built for version " + std::to_string(library_version) +
            ": load the module built from the same source tree (rmmod nvmetest; insmod "
            "kmod/nvmetest.ko) or rebuild the library"),
      module_version_(module_version),
      library_version_(library_version)
{
}

std::string_view to_string(Op op) noexcept
{
    switch (op) {
    case Op::Open: return "open";
    case Op::Info: return "info";
    case Op::ConfigRead: return "config read";
    case Op::ConfigWrite: return "config write";
    case Op::BarRead: return "BAR read";
    case Op::BarWrite: return "BAR write";
    case Op::BarMap: return "BAR mmap";
    case Op::DmaAlloc: return "DMA allocation";
    case Op::DmaFree: return "DMA free";
    case Op::DmaMap: return "DMA mmap";
    case Op::IrqSetup: return "interrupt setup";
    case Op::IrqMask: return "interrupt mask";
    case Op::IrqUnmask: return "interrupt unmask";
    case Op::IrqTrigger: return "interrupt trigger";
    case Op::IrqWait: return "interrupt wait";
    case Op::Reset: return "reset";
    case Op::Remove: return "remove";
    case Op::Sysfs: return "sysfs";
    case Op::Netlink: return "netlink";
    case Op::Other: return "operation";
    }
    return "operation";
}

std::string_view errno_name(int err) noexcept
{
    const char* n = strerrorname_np(err);
    return n ? std::string_view(n) : std::string_view("E?");
}

std::string errno_advice(int err, Op op, const ErrorContext& ctx)
{
    const std::string bdf = bdf_or(ctx, "<bdf>");
    const std::string detail(ctx.detail);

    switch (err) {
    case EACCES:
    case EPERM:
        if (op == Op::Sysfs)
            return "writing to sysfs needs root: run it as root (sudo)";
        if (op == Op::Netlink)
            return "the netlink group refused this process: run it as root";
        if (err == EACCES)
            return "add yourself to group nvmetest (usermod -aG nvmetest $USER, then log in "
                   "again) or run as root";
        if (op == Op::Open)
            return "no IOMMU translates this device's DMA, so opening it takes CAP_SYS_RAWIO: "
                   "run as root, enable the IOMMU (intel_iommu=on / amd_iommu=on), or have "
                   "root accept the risk with 'modprobe nvmetest allow_unsafe_dma=1' (taints "
                   "the kernel); or the kernel is locked down (Secure Boot)";
        if (op == Op::Remove || op == Op::Reset)
            return "removing the function, rescanning its bus and resetting a bus it shares "
                   "take CAP_SYS_ADMIN: run as root";
        if (op == Op::ConfigWrite)
            return "writing a BAR or expansion ROM register takes CAP_SYS_RAWIO: run as root";
        return "the kernel refused raw PCI access, probably because it is locked down "
               "(Secure Boot): disable lockdown or use a machine without it";

    case ENODEV:
    case ENXIO:
        if (op == Op::BarRead || op == Op::BarWrite || op == Op::BarMap)
            if (err == ENXIO)
                return "that BAR is not implemented or cannot be mapped: 'nvmetest-ctl info " +
                       bdf + "' lists the BARs";
        return "the device was removed; rescan (echo 1 > /sys/bus/pci/rescan) or re-bind it "
               "with 'nvmetest-ctl bind " + bdf + "', then open it again";

    case ENOENT:
        if (op == Op::Open && detail == "no-function")
            return "there is no PCI function " + bdf + ": check the address with lspci -D";
        if (op == Op::Open && detail == "no-module")
            return "nvmetest.ko is not loaded: load it (modprobe nvmetest, or insmod "
                   "kmod/nvmetest.ko), then bind the function with 'nvmetest-ctl bind " +
                   bdf + "'";
        if (op == Op::Open)
            return "no /dev/nvmetest/" + bdf + ": bind it with 'nvmetest-ctl bind " + bdf +
                   "' (if it is bound, udev has not created the node: check udev/ rules)";
        if (op == Op::Netlink)
            return "no generic netlink family 'nvmetest': load the module (modprobe nvmetest "
                   "or insmod kmod/nvmetest.ko)";
        if (op == Op::DmaFree)
            return "no such DMA allocation in this open file (freed twice, or a handle of "
                   "another open file)";
        if (op == Op::Sysfs)
            return "no such sysfs file" + (detail.empty() ? std::string() : " (" + detail + ")") +
                   ": check the address with lspci -D and that nvmetest.ko is loaded";
        return "it does not exist: check the address with lspci -D";

    case ENOTTY:
        if (op == Op::Open || op == Op::Info)
            return "this file is not an nvmetest device node: open /dev/nvmetest/<bdf>";
        return "the loaded nvmetest.ko does not know this request: it is older than the "
               "library; load the module built from the same tree";

    case ENOSPC:
    case EDQUOT:
        if (op == Op::DmaAlloc)
            return "the DMA limit is reached" + (detail.empty() ? std::string() : " (" + detail + ")") +
                   ": free buffers you no longer need, or raise the module parameters "
                   "dma_limit_file and dma_limit_device";
        return "no space left: free resources and retry";

    case ENOMEM:
        if (op == Op::DmaAlloc)
            return "the kernel found no physically contiguous block that large" +
                   (detail.empty() ? std::string() : " (" + detail + ")") +
                   ": allocate smaller pieces (4 MiB is the most stock Debian gives without "
                   "an IOMMU) or boot with an IOMMU";
        if (op == Op::BarMap || op == Op::DmaMap)
            return "the address space or the mapping limit is exhausted: unmap what you no "
                   "longer need";
        return "out of memory: free memory and retry";

    case EBUSY:
        if (op == Op::IrqSetup)
            return "another open file of " + bdf + " owns its interrupts: close it (or set "
                   "them to none there) first";
        if (op == Op::Reset)
            return "the device is busy (another reset or a removal is in progress, or another "
                   "function on the bus is in use): retry when it is idle";
        if (op == Op::Sysfs)
            return "the device is in use: stop what uses it and retry";
        if (op == Op::Open)
            return "the device is open exclusively by another process: close it first";
        if (op == Op::DmaFree)
            return "the allocation is still mapped: unmap it before freeing it";
        if (op == Op::BarRead || op == Op::BarWrite || op == Op::BarMap)
            return "the module could not claim this BAR's address range (another driver "
                   "holds it; see /proc/iomem): unload that driver";
        return "the resource is busy: retry when it is idle";

    case EOPNOTSUPP:
    case ENOSYS:
        if (op == Op::Reset)
            return reset_advice(ctx);
        if (op == Op::IrqSetup)
            return "the function lacks that interrupt type or that many vectors: "
                   "'nvmetest-ctl info " + bdf + "' shows INTx, MSI and MSI-X vector counts";
        if (op == Op::IrqMask || op == Op::IrqUnmask)
            return "this interrupt type cannot be masked per vector (MSI without per-vector "
                   "masking); use MSI-X or INTx";
        if (op == Op::BarMap)
            return "this BAR cannot be mapped (an I/O port BAR): use 'bar read'/'bar write'";
        return "the device or the module does not support this";

    case EINVAL:
        switch (op) {
        case Op::ConfigRead:
        case Op::ConfigWrite:
            return "the offset is outside config space or not aligned to the width "
                   "(1, 2 or 4 bytes, naturally aligned)";
        case Op::BarRead:
        case Op::BarWrite:
            return "the BAR is not implemented, or the offset is outside it or not aligned to "
                   "the width (1, 2, 4 or 8 bytes, naturally aligned)";
        case Op::BarMap:
        case Op::DmaMap:
            return "the mapping is larger than the region or at a bad offset";
        case Op::DmaAlloc:
            return "the size is zero or larger than the largest single allocation" +
                   (detail.empty() ? std::string() : " (" + detail + ")");
        case Op::DmaFree:
            return "no such DMA allocation in this open file (freed twice, or from another "
                   "open file)";
        case Op::IrqSetup:
            return "the interrupt type or vector count is invalid for this function: "
                   "'nvmetest-ctl info " + bdf + "' shows what it has";
        case Op::IrqMask:
        case Op::IrqUnmask:
        case Op::IrqTrigger:
            return "no such vector is set up: set up interrupts first, with enough vectors";
        case Op::Reset:
            return "unknown reset method, or a hold time where none applies: flr and hot "
                   "take no --hold-ms, link and pm take a bounded one";
        case Op::Sysfs:
            return "the kernel rejected the value written" +
                   (detail.empty() ? std::string() : " to " + detail);
        default:
            return "the kernel rejected the arguments: the library and the module disagree; "
                   "load the module built from the same tree";
        }

    case EIO:
        return "the device did not respond (config space reads all ones?): it may be in D3, "
               "in reset or dead; try 'nvmetest-ctl reset " + bdf + " flr' or 'remove "
               "--rescan'";

    case ETIMEDOUT:
        return "the device did not finish in time: check its state with 'nvmetest-ctl info " +
               bdf + "' and retry, or reset it";

    case EFAULT:
        return "the kernel could not access a user buffer: this is a library bug; report it";

    case EINTR:
    case EAGAIN:
        return "interrupted: retry";

    case EMFILE:
    case ENFILE:
        return "too many open files: raise the limit (ulimit -n) or close files";

    case EROFS:
        return "the file system is read-only: remount it read-write";

    case ENOLINK:
        return "the link is down: check the slot and the upstream port";

    default:
        return "see docs/uapi.md for what " + std::string(to_string(op)) +
               " returns and why";
    }
}

SystemError::SystemError(int err, Op op, std::string_view action, const ErrorContext& ctx)
    : Error(std::string(action) + ": " + std::strerror(err) + " (" +
            std::string(errno_name(err)) + "): " + errno_advice(err, op, ctx)),
      code_(err),
      op_(op)
{
}

void throw_system_error(int err, Op op, std::string_view action, const ErrorContext& ctx)
{
    if (err == ENODEV)
        throw DeviceGoneError(err, op, action, ctx);
    if (err == EACCES || err == EPERM)
        throw PermissionError(err, op, action, ctx);
    throw SystemError(err, op, action, ctx);
}

}  // namespace nvmetest
