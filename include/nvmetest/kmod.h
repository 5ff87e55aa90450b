// SPDX-License-Identifier: BSD-3-Clause
//
// Umbrella header of the device-access layer (the kmod transport).
#ifndef NVMETEST_KMOD_H
#define NVMETEST_KMOD_H

#include "nvmetest/cxx20.h"

#include "nvmetest/bar.h"
#include "nvmetest/bdf.h"
#include "nvmetest/device_info.h"
#include "nvmetest/dma.h"
#include "nvmetest/errors.h"
#include "nvmetest/events.h"
#include "nvmetest/irq.h"
#include "nvmetest/kmod_device.h"
#include "nvmetest/pci_caps.h"
#include "nvmetest/pci_sysfs.h"

#endif  // NVMETEST_KMOD_H
