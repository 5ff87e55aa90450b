// SPDX-License-Identifier: BSD-3-Clause
//
// Subsystem: reset and power control of the NVM subsystem of a controller, as
// PyNVMe3's Subsystem class (API section 6).
//
//   nvmetest::Subsystem subsystem(nvme0, pcie);    // default power control
//   subsystem.poweroff();
//   subsystem.poweron();
//   nvme0.reset();                                  // as in Python
//
//   nvmetest::Subsystem s(nvme0, [&] { relay.on(); }, [&] { relay.off(); });
//
// Power control, in this order of preference:
//  - User: poweron/poweroff functions given at construction (a lab power
//    switch, a Quarch PAM, PERST#).  Called as they are; the device stays on
//    the bus, so Controller::reset() after poweron() brings it back.
//  - Qmp ($NVMETEST_QMP set: the QEMU lab of tests/vm): poweroff() disables
//    and releases the Controller, then hot-removes the DUT with QMP device_del
//    and waits until the guest has removed it from /sys/bus/pci/devices and
//    QEMU reports DEVICE_DELETED; poweron() re-adds it with the harness's own
//    arguments ($NVMETEST_VM_DIR/<id>.device_add.json), waits until nvmetest.ko
//    has rebound it (its reclaim parameter, on by default; else binds it), and
//    re-creates the Pcie and the Controller in place (the default
//    initialization).  A hot-removed function is a new device when it comes
//    back, yet the objects a test holds carry on as in PyNVMe3: commands
//    pending at poweroff() are lost (their LBAs become unknown to data
//    verification), IOWorkers end (-7); after poweron() Namespaces made before
//    work on the new controller with the same check values, and Qpairs are
//    created again under their queue IDs (not those with rings in the CMB:
//    UsageError, make them again).  Between poweroff() and poweron() their
//    I/O is a UsageError.  Buffers made before are memory of the old device:
//    allocate new ones for I/O.  Pass the Pcie to the constructor so that it
//    is reopened as well; otherwise the Subsystem opens its own.
//  - S3 (otherwise, on a bare-metal host): poweroff() arms the RTC
//    (/sys/class/rtc/rtc0/wakealarm) and suspends the host to RAM
//    (/sys/power/state "mem", as rtcwake -m mem); it returns after the RTC
//    woke the host.  poweron() has nothing left to do.  Needs root and a
//    platform with working S3 and RTC wake.
#ifndef NVMETEST_SUBSYSTEM_H
#define NVMETEST_SUBSYSTEM_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "nvmetest/errors.h"

namespace nvmetest {

class Controller;
class Pcie;
namespace core {
struct ControllerCore;
}

// The controller cannot do what was asked (CAP.NSSRS = 0 for reset()).
class UnsupportedError : public Error {
public:
    using Error::Error;
};

// A power function: no arguments, no result; throw to report failure.
using PowerFunc = std::function<void()>;

enum class PowerMethod {
    User,  // the functions given to the constructor
    Qmp,   // hot-remove and re-add through QEMU's QMP monitor ($NVMETEST_QMP)
    S3,    // suspend to RAM with RTC wake-up
};
const char* to_string(PowerMethod m) noexcept;

class Subsystem {
public:
    // Python's Subsystem(nvme0, poweron, poweroff).  Without functions the
    // default power control applies (Qmp when $NVMETEST_QMP is set, else S3).
    // Giving only one of them is a UsageError.
    explicit Subsystem(Controller& nvme0, PowerFunc poweron = {}, PowerFunc poweroff = {});
    // The same, with the Pcie that nvme0 was made on: the Qmp method reopens
    // it after poweron().  pcie and nvme0 must outlive the Subsystem.
    Subsystem(Controller& nvme0, Pcie& pcie, PowerFunc poweron = {}, PowerFunc poweroff = {});
    ~Subsystem();
    Subsystem(const Subsystem&) = delete;
    Subsystem& operator=(const Subsystem&) = delete;

    PowerMethod method() const noexcept { return method_; }

    // CAP.NSSRS: whether the controller supports NVM Subsystem Reset.
    bool nssr_supported();
    // NVM Subsystem Reset: writes "NVMe" (0x4E564D65) to NSSR, then
    // Controller::reset().  UnsupportedError, and nothing written, when
    // CAP.NSSRS is 0 (QEMU's controller).
    void reset();

    void poweroff();
    void poweron();
    // poweroff(), sec seconds without power, poweron(), then nvme0.reset() as
    // PyNVMe's power_cycle does.  With S3, sec is the RTC alarm.
    void power_cycle(unsigned sec = 10);
    // CC.SHN normal (abrupt: 2) and waits for CSTS.SHST complete; the same as
    // Controller::shutdown_notify.
    void shutdown_notify(bool abrupt = false);

private:
    void qmp_poweroff();
    void qmp_poweron();
    void s3_suspend(unsigned sec);

    Controller* nvme0_;
    Pcie* pcie_;                      // the caller's, or nullptr
    std::unique_ptr<Pcie> own_pcie_;  // reopened when the caller gave none
    PowerFunc poweron_, poweroff_;
    PowerMethod method_;
    std::string addr_;
    bool msi_only_ = false;
    bool off_ = false;
    // Between a QMP poweroff() and poweron(): the controller that went away,
    // whose Namespaces and Qpairs carry on with the one made in its place.
    std::shared_ptr<core::ControllerCore> off_core_;
    unsigned s3_seconds_ = 10;
};

}  // namespace nvmetest

#endif  // NVMETEST_SUBSYSTEM_H
