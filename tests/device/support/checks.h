// SPDX-License-Identifier: GPL-2.0
// Checks shared by the disruptive tests (reset, unbind, removal, hot-plug).
#pragma once

#include "device.h"

#include <string>

namespace devtest {

// Reads *addr in a forked child; the child's fate says whether the mapping
// still reaches the device (exit 0) or was zapped (SIGBUS).
ChildStatus touch_in_child(const void* addr);

// Every ioctl on a file whose device is gone answers -ENODEV; returns a list
// of the ones that did not ("" when all did).
std::string ioctls_not_enodev(int fd, uint32_t dma_handle);

// Opens the DUT afresh, builds an admin queue and runs Identify Controller:
// "" when the device is usable, else what failed.
std::string device_usable(const std::string& bdf);

} // namespace devtest
