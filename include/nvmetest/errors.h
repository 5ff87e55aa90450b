// SPDX-License-Identifier: BSD-3-Clause
//
// Errors of libnvmetest.
//
// Every failure the library reports is an exception derived from nvmetest::Error
// whose what() is a sentence that says what failed and what to do about it.  An
// NVMe completion status is never reported this way: it is data for the test.
#ifndef NVMETEST_ERRORS_H
#define NVMETEST_ERRORS_H

#include "nvmetest/cxx20.h"

#include <stdexcept>
#include <string>
#include <string_view>

namespace nvmetest {

// Base of everything the library throws.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The caller asked for something impossible: a bad argument, an offset outside a
// BAR, a width the hardware cannot do, a malformed PCI address.
class UsageError : public Error {
public:
    using Error::Error;
};

// A controller that cannot be brought up: an initialization step failed
// (PyNVMe3's NvmeEnumerateError).  Thrown by the default initialization, and
// for user initialization functions to throw.
class NvmeEnumerateError : public Error {
public:
    using Error::Error;
};

// A wait (interrupt, register bit, completion) ran out of time.
class TimeoutError : public Error {
public:
    using Error::Error;
};

// The loaded nvmetest.ko speaks another ABI version than this library.
class AbiMismatchError : public Error {
public:
    AbiMismatchError(unsigned module_version, unsigned library_version);
    unsigned module_version() const noexcept { return module_version_; }
    unsigned library_version() const noexcept { return library_version_; }

private:
    unsigned module_version_;
    unsigned library_version_;
};

// What the library was doing when a system call failed; selects the advice.
enum class Op {
    Open,
    Info,
    ConfigRead,
    ConfigWrite,
    BarRead,
    BarWrite,
    BarMap,
    DmaAlloc,
    DmaFree,
    DmaMap,
    IrqSetup,
    IrqMask,
    IrqUnmask,
    IrqTrigger,
    IrqWait,
    Reset,
    Remove,
    Sysfs,
    Netlink,
    Other,
};

std::string_view to_string(Op op) noexcept;

// Extra facts that make the advice precise; every field is optional.
struct ErrorContext {
    std::string_view bdf;     // "0000:01:00.0"
    // The reset method ("flr"...), the DMA limits, the sysfs file; for Op::Open with
    // ENOENT, "no-function" or "no-module" say which step is missing.
    std::string_view detail;
};

// The sentence that tells the user what to do about errno err during op.
// Pure function: unit tests pin its wording of the important cases.
std::string errno_advice(int err, Op op, const ErrorContext& ctx = {});

// Symbolic errno name ("ENODEV"); "E?" when unknown.
std::string_view errno_name(int err) noexcept;

// A system call failed.  what() = "<action>: <strerror> (<ENAME>): <advice>".
class SystemError : public Error {
public:
    SystemError(int err, Op op, std::string_view action, const ErrorContext& ctx = {});
    int code() const noexcept { return code_; }
    Op op() const noexcept { return op_; }

private:
    int code_;
    Op op_;
};

// ENODEV: the function left the PCI bus (surprise removal, remove ioctl, unbind).
class DeviceGoneError : public SystemError {
public:
    using SystemError::SystemError;
};

// EACCES / EPERM: the node's group and mode, or kernel lockdown, refused access.
class PermissionError : public SystemError {
public:
    using SystemError::SystemError;
};

// Throw the SystemError subclass that fits err.
[[noreturn]] void throw_system_error(int err, Op op, std::string_view action,
                                     const ErrorContext& ctx = {});

}  // namespace nvmetest

#endif  // NVMETEST_ERRORS_H
