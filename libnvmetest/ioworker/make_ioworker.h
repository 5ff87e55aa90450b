// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: how Namespace::ioworker() hands its namespace to an IOWorker.
#ifndef NVMETEST_LIB_IOWORKER_MAKE_IOWORKER_H
#define NVMETEST_LIB_IOWORKER_MAKE_IOWORKER_H

#include <cstdint>
#include <memory>

#include "nvmetest/ioworker.h"

namespace nvmetest::core {
struct ControllerCore;
}
namespace nvmetest::verify {
struct NamespaceVerify;
}

namespace nvmetest::ioworker {

struct NamespaceView {
    std::shared_ptr<core::ControllerCore> ctrl;
    std::uint32_t nsid = 1;
    std::uint64_t capacity = 0;
    std::uint32_t sector_size = 512;
    std::uint32_t meta_size = 0;
    bool extended_lba = false;
    unsigned lbaf = 0;  // the LBA format in use (FLBAS), for the zone size of a zoned namespace
    // The namespace's data verification state (verify/namespace_verify.h):
    // on or off, the engine, whether writes inject.
    std::shared_ptr<verify::NamespaceVerify> verify;
};

// Checks args (UsageError) and prepares the worker; nothing reaches the device.
IOWorker make_ioworker(const NamespaceView& ns, IOWorkerArgs args);

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_MAKE_IOWORKER_H
