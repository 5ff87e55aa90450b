// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: data verification on the single-command path of a Namespace.
// Namespace::submit calls prepare() before a command goes to its queue; the
// hook it fills runs when the command ends (core::CompletionHook) and keeps
// the check-value map true, checks reads, compares and verifies, releases
// the LBA locks and reports mismatches as warnings with the command.
#ifndef NVMETEST_LIB_VERIFY_NAMESPACE_VERIFY_H
#define NVMETEST_LIB_VERIFY_NAMESPACE_VERIFY_H

#include "core/queue.h"
#include "nvmetest/verify.h"

#include <cstdint>
#include <memory>

namespace nvmetest::core {
struct ControllerCore;
}

namespace nvmetest::verify {

struct NamespaceVerify {
    // Null when the memory check refused it (the warning was given).
    std::unique_ptr<Verifier> verifier;
    bool enabled = false;        // the verify fixture / verify_enable()
    bool stale = false;          // media changed while disabled: reset on enable
    bool inject = true;          // until inject_write_buffer_disable()
    std::uint64_t zone_size = 0; // zoned namespace: LBAs per zone; 0 otherwise
    bool zone_probed = false;
};

// The verification state of namespace nsid from its Identify Namespace data
// id_ns: prev when the namespace's size and LBA format are unchanged, else a
// new one (checking memory, with the warning when it is short).
std::shared_ptr<NamespaceVerify>
make_namespace_verify(core::ControllerCore& ctrl, std::uint32_t nsid, const std::uint8_t* id_ns,
                      std::uint64_t nlba_verify, unsigned width,
                      const std::shared_ptr<NamespaceVerify>& prev);

// Zone size of a zoned namespace (Identify Namespace of the Zoned command
// set), read once when verification is turned on: zone resets change the
// zone's LBAs only.  Stays 0 on other namespaces.
void probe_zone_size(NamespaceVerify& nv, core::ControllerCore& ctrl, std::uint32_t nsid,
                     unsigned lbaf);

// With verification on, for a command that reads or changes media: waits for
// its LBA locks (reaping q meanwhile: the conflict may be one's own command),
// injects header and token into written data, and fills hook; returns whether
// it did.  data: the host address of the buffer's byte offset(), data_bytes
// what the command transfers of it (null / 0: no buffer, or one the host
// must not read byte by byte, as in a CMB).  Throws UsageError when the locks
// stay taken for timeout_ms.
bool prepare(const std::shared_ptr<NamespaceVerify>& nv, const nvme::Sqe& sqe, std::uint8_t* data,
             std::size_t data_bytes, core::Queue& q, std::uint32_t timeout_ms,
             core::CompletionHook& hook);

// For Controller::format and Controller::sanitize: a callback that, when the
// command succeeds, resets the check values of the namespaces it erased
// (nsid, or every namespace of ctrl for 0xffffffff and for sanitize) before
// calling cb, or warning about an error status as an absent cb would.
core::Callback reset_on_success(const core::ControllerCore* ctrl, std::uint32_t nsid,
                                core::Callback cb);

// Whether a command that ended with this status was refused before it
// touched the media (the map stays as it was).
bool not_executed(const nvme::Cqe& cqe) noexcept;

// Undoes prepare() when the command was not submitted after all.
void abandon(const core::CompletionHook& hook) noexcept;

} // namespace nvmetest::verify

#endif // NVMETEST_LIB_VERIFY_NAMESPACE_VERIFY_H
