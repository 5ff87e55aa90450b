// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/subsystem.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "core/controller_core.h"
#include "core/qmp.h"
#include "core/transport.h"
#include "nvmetest/bdf.h"
#include "nvmetest/controller.h"
#include "nvmetest/nvme/registers.h"
#include "nvmetest/pcie.h"
#include "nvmetest/warnings.h"

namespace nvmetest {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::uint64_t kCapNssrs = std::uint64_t{1} << 36;

bool path_exists(const std::string& p)
{
    struct stat st;
    return ::stat(p.c_str(), &st) == 0;
}

template <class F>
bool wait_until(F&& ready, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (ready())
            return true;
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(50ms);
    }
}

std::string env(const char* name)
{
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::string normalize(const std::string& addr)
{
    return Bdf::from_string(addr).to_string();
}

std::string pci_dir(const std::string& addr) { return "/sys/bus/pci/devices/" + addr; }

std::string bound_driver(const std::string& addr)
{
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(pci_dir(addr) + "/driver", ec);
    return ec ? "" : target.filename().string();
}

void write_file(const std::string& path, const std::string& text)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error("cannot open " + path + ": " + std::strerror(errno));
    const ssize_t n = ::write(fd, text.data(), text.size());
    const int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(text.size()))
        throw Error("cannot write \"" + text + "\" to " + path + ": " +
                    (n < 0 ? std::strerror(err) : "short write"));
}

// The QEMU device id of addr, from the harness's $NVMETEST_DUTS / $NVMETEST_DUT_IDS.
std::string qdev_id_of(const std::string& addr)
{
    std::istringstream duts(env("NVMETEST_DUTS")), ids(env("NVMETEST_DUT_IDS"));
    std::string bdf, id;
    while (duts >> bdf && ids >> id)
        if (normalize(bdf) == addr)
            return id;
    throw UsageError("the QMP power control does not know the QEMU device id of " + addr +
                     ": $NVMETEST_DUTS and $NVMETEST_DUT_IDS (set by tests/vm/nvmetest-vm) do "
                     "not list it; pass poweron/poweroff functions to Subsystem instead");
}

// The controller `now` replaces `off`, the one that left the bus: Namespaces
// of `off` follow it on their next use (Namespace::state), and its Qpairs are
// made again on it under their queue IDs, as Controller::reset() makes them
// again, so that a test keeps the objects it holds.  Queues whose rings were
// in the old function's CMB, and IOWorkers' queues (their workers ended at
// power off), stay dead and say so.
void carry_over(std::shared_ptr<core::ControllerCore> off,
                const std::shared_ptr<core::ControllerCore>& now)
{
    if (!off)
        return;
    off->successor = now;
    std::vector<core::QpairCore*> kept;
    for (core::QpairCore* q : off->qpairs) {
        if (q->driven_by_thread || q->q->sq_in_cmb() || q->q->cq_in_cmb()) {
            kept.push_back(q);
            continue;
        }
        core::QueueConfig cfg = q->q->config();
        cfg.dstrd = now->dstrd;
        cfg.page_size = now->page_size;
        q->q = std::make_unique<core::Queue>(*now->t, cfg);
        q->ctrl = now;
        q->dead = false;
        q->msix_baseline = 0;
        now->qpairs.push_back(q);
        try {
            q->create_on_device();
        } catch (const Error& e) {
            warn("the Qpair of queue ID " + std::to_string(cfg.qid) +
                 " could not be created again after the power cycle: " + e.what());
        }
    }
    off->qpairs = std::move(kept);
}

}  // namespace

const char* to_string(PowerMethod m) noexcept
{
    switch (m) {
    case PowerMethod::User:
        return "user functions";
    case PowerMethod::Qmp:
        return "QMP hot-remove and re-add";
    case PowerMethod::S3:
        return "S3 suspend with RTC wake";
    }
    return "?";
}

Subsystem::Subsystem(Controller& nvme0, PowerFunc poweron, PowerFunc poweroff)
    : nvme0_(&nvme0), pcie_(nullptr), poweron_(std::move(poweron)), poweroff_(std::move(poweroff))
{
    if (static_cast<bool>(poweron_) != static_cast<bool>(poweroff_))
        throw UsageError("Subsystem: give both poweron and poweroff functions, or neither "
                         "(for the default power control)");
    addr_ = nvme0.core()->t->address();
    if (poweron_)
        method_ = PowerMethod::User;
    else if (!env("NVMETEST_QMP").empty())
        method_ = PowerMethod::Qmp;
    else
        method_ = PowerMethod::S3;
    spdlog::debug("Subsystem of {}: power control by {}", addr_, to_string(method_));
}

Subsystem::Subsystem(Controller& nvme0, Pcie& pcie, PowerFunc poweron, PowerFunc poweroff)
    : Subsystem(nvme0, std::move(poweron), std::move(poweroff))
{
    pcie_ = &pcie;
    msi_only_ = pcie.msi_only();
}

Subsystem::~Subsystem() = default;

bool Subsystem::nssr_supported() { return (nvme0_->cap() & kCapNssrs) != 0; }

void Subsystem::reset()
{
    if (!nssr_supported())
        throw UnsupportedError("NVM subsystem reset is not supported by the controller at " +
                               addr_ + ": CAP.NSSRS is 0, so a write to NSSR would be ignored; "
                               "use Controller::reset() or Pcie::reset()/flr() instead");
    spdlog::debug("nvme subsystem reset by NSSR.NSSRC on {}", addr_);
    (*nvme0_)[nvme::reg::kNssr] = nvme::reg::kNssrReset;
    // The reset takes the link down and back; let the controller come back
    // (CSTS no longer all ones) before initializing it again.
    std::this_thread::sleep_for(100ms);
    wait_until([&] { return static_cast<std::uint32_t>((*nvme0_)[nvme::reg::kCsts]) != 0xffffffffu; },
               10s);
    nvme0_->reset();
}

void Subsystem::shutdown_notify(bool abrupt) { nvme0_->shutdown_notify(abrupt); }

void Subsystem::poweroff()
{
    spdlog::info("power off {} ({})", addr_, to_string(method_));
    switch (method_) {
    case PowerMethod::User:
        poweroff_();
        break;
    case PowerMethod::Qmp:
        qmp_poweroff();
        break;
    case PowerMethod::S3:
        s3_suspend(s3_seconds_);
        break;
    }
    off_ = true;
}

void Subsystem::poweron()
{
    spdlog::info("power on {} ({})", addr_, to_string(method_));
    switch (method_) {
    case PowerMethod::User:
        poweron_();
        break;
    case PowerMethod::Qmp:
        if (off_)
            qmp_poweron();
        break;
    case PowerMethod::S3:
        break;  // the RTC woke the host: poweroff() returned powered on
    }
    off_ = false;
}

void Subsystem::power_cycle(unsigned sec)
{
    spdlog::info("power off {} for {} s", addr_, sec);
    if (method_ == PowerMethod::S3) {
        s3_seconds_ = sec;
        poweroff();
        s3_seconds_ = 10;
    } else {
        poweroff();
        std::this_thread::sleep_for(std::chrono::seconds(sec));
    }
    poweron();
    spdlog::info("power is back on {}", addr_);
    nvme0_->reset();
}

void Subsystem::qmp_poweroff()
{
    const std::string id = qdev_id_of(addr_);
    // The function leaves the bus: its BAR mapping would fault (SIGBUS).  So
    // the controller is disabled and released now, while it is still there
    // (IOWorkers stop, commands in flight are lost: their LBAs become
    // unknown); its Qpairs and Namespaces refuse I/O (UsageError) until
    // poweron() gives them the controller made in its place.
    off_core_ = nvme0_->core();
    off_core_->powered_off = true;
    {
        Controller released(std::move(*nvme0_));
    }
    core::QmpClient qmp(env("NVMETEST_QMP"));
    qmp.execute("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"" + id + "\"}}");
    if (!wait_until([&] { return !path_exists(pci_dir(addr_)); }, 60s))
        throw TimeoutError("power off by QMP device_del of " + id + ": the guest did not remove " +
                           addr_ + " within 60 s (is pciehp handling the root port?)");
    if (!qmp.wait_event({"DEVICE_DELETED", "\"" + id + "\""}, 30s))
        throw TimeoutError("power off by QMP device_del of " + id +
                           ": QEMU did not report DEVICE_DELETED within 30 s");
}

void Subsystem::qmp_poweron()
{
    const std::string id = qdev_id_of(addr_);
    const std::string file = env("NVMETEST_VM_DIR") + "/" + id + ".device_add.json";
    std::ifstream in(file);
    if (!in)
        throw UsageError("power on by QMP: cannot read " + file +
                         " (written by tests/vm/nvmetest-vm; is $NVMETEST_VM_DIR set?)");
    std::vector<std::string> commands;
    for (std::string line; std::getline(in, line);)
        if (line.find_first_not_of(" \t\r") != std::string::npos)
            commands.push_back(line);
    if (commands.empty())
        throw UsageError("power on by QMP: no device_add command in " + file);
    {
        core::QmpClient qmp(env("NVMETEST_QMP"));
        for (const auto& c : commands)
            qmp.execute(c);
    }
    if (!wait_until([&] { return path_exists(pci_dir(addr_)); }, 60s))
        throw TimeoutError("power on by QMP device_add of " + id + ": " + addr_ +
                           " did not appear in /sys/bus/pci/devices within 60 s");
    // nvmetest.ko reclaims a function that was bound to it when it left
    // (parameter reclaim=1, the default).  Otherwise bind it here.
    if (!wait_until([&] { return bound_driver(addr_) == "nvmetest"; }, 5s)) {
        if (!bound_driver(addr_).empty())
            throw Error("power on: " + addr_ + " came back bound to " + bound_driver(addr_) +
                        ", not nvmetest; unbind it first");
        spdlog::debug("{} is back unbound (nvmetest.ko reclaim=0?): binding it", addr_);
        write_file(pci_dir(addr_) + "/driver_override", "nvmetest");
        write_file("/sys/bus/pci/drivers_probe", addr_);
        if (!wait_until([&] { return bound_driver(addr_) == "nvmetest"; }, 10s))
            throw TimeoutError("power on: " + addr_ + " is not bound to nvmetest 10 s after "
                               "drivers_probe");
    }
    // The device node comes from udev: open as soon as it is there.
    PcieOptions opts{.vf = 0, .msi_only = msi_only_};
    std::unique_ptr<Pcie> fresh;
    const auto deadline = Clock::now() + 10s;
    for (;;) {
        try {
            fresh = std::make_unique<Pcie>(addr_, opts);
            break;
        } catch (const Error& e) {
            if (Clock::now() >= deadline)
                throw Error("power on: " + addr_ + " is back and bound, but opening it failed: " +
                            e.what());
            std::this_thread::sleep_for(50ms);
        }
    }
    Pcie* target;
    if (pcie_) {
        *pcie_ = std::move(*fresh);
        target = pcie_;
    } else {
        own_pcie_ = std::move(fresh);
        target = own_pcie_.get();
    }
    *nvme0_ = Controller(*target);
    carry_over(std::move(off_core_), nvme0_->core());
}

void Subsystem::s3_suspend(unsigned sec)
{
    // As rtcwake -m mem -s sec: clear, arm the alarm, suspend to RAM.
    const std::string alarm = "/sys/class/rtc/rtc0/wakealarm";
    if (path_exists("/sys/power/mem_sleep")) {
        try {
            write_file("/sys/power/mem_sleep", "deep");
        } catch (const Error& e) {
            spdlog::debug("S3: {} (suspending with the platform's default mem_sleep)", e.what());
        }
    }
    write_file(alarm, "0");
    write_file(alarm, "+" + std::to_string(sec < 1 ? 1 : sec));
    spdlog::info("S3: suspending the host to RAM, RTC wake in {} s", sec);
    write_file("/sys/power/state", "mem");  // returns after the wake-up
}

}  // namespace nvmetest
