// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-conformance: the context of a case on a real device, and the
// command helpers the case files use.  Each helper sends one command with a
// callback (so a failing status is data, not a warning), waits for it and
// returns its completion.
#ifndef NVMETEST_CONF_DEVICE_H
#define NVMETEST_CONF_DEVICE_H

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "conf_context.h"
#include "nvmetest/buffer.h"
#include "nvmetest/controller.h"
#include "nvmetest/namespace.h"
#include "nvmetest/pcie.h"
#include "nvmetest/qpair.h"

namespace nvmetest::conf {

// A case's view of the DUT.  The Pcie is the program's (opened once); the
// Controller, namespace 1 and the queue pair are the case's own, made on
// first use and dropped (controller disabled) when the case ends, so that no
// case inherits another's state.
class DeviceContext : public Context {
public:
    DeviceContext(Pcie& pcie, bool destructive);
    ~DeviceContext() override;

    Pcie& pcie() override { return pcie_; }
    Controller& nvme() override;
    void renew_controller() override;
    Namespace& ns() override;
    Qpair& qpair() override;
    std::vector<std::string> commands() const override;
    bool destructive() const override { return destructive_; }

    // The commands of a queue pair the case made itself, for the report:
    // call before it goes.
    void remember(const Qpair& q);

private:
    void drop() noexcept;
    void append_since(const std::vector<CmdLogEntry>& entries, std::vector<std::string>& out) const;

    Pcie& pcie_;
    bool destructive_;
    std::unique_ptr<Controller> nvme_;
    std::unique_ptr<Namespace> ns_;
    std::unique_ptr<Qpair> qpair_;
    std::chrono::system_clock::time_point since_{};  // the current controller's initialization end
    std::vector<std::string> log_;  // commands of controllers and queues already gone
};

// nlba_verify of the Namespaces the pack makes.  The pack never turns data
// verification on; a check-value map of one LBA keeps a Namespace's
// construction (once per case) cheap on drives of terabytes, where the whole
// map would take gigabytes.
inline constexpr std::uint64_t kNoVerifyMap = 1;

// The device context behind ctx (UsageError when it is the bare one).
DeviceContext& device(Context& ctx);

// ------------------------------------------------------------- commands
nvme::Cqe admin(Context& ctx, std::uint32_t opcode, CmdArgs a = {});
nvme::Cqe identify(Context& ctx, Buffer& buf, std::uint8_t cns, std::uint32_t nsid = 0,
                   std::uint16_t cntid = 0, std::uint8_t csi = 0);
nvme::Cqe getfeatures(Context& ctx, std::uint8_t fid, GetFeaturesArgs a = {});
nvme::Cqe setfeatures(Context& ctx, std::uint8_t fid, SetFeaturesArgs a = {});
nvme::Cqe getlogpage(Context& ctx, std::uint8_t lid, Buffer& buf, std::uint32_t size = 0,
                     GetLogPageArgs a = {});
// Any I/O opcode on the context's queue pair, to namespace 1 unless a.nsid says otherwise.
nvme::Cqe io(Context& ctx, std::uint32_t opcode, IoCmdArgs a = {});
nvme::Cqe io_on(Context& ctx, Qpair& q, std::uint32_t opcode, IoCmdArgs a = {});
nvme::Cqe read(Context& ctx, Buffer& buf, std::uint64_t lba, std::uint32_t n = 1, IoArgs a = {});
nvme::Cqe write(Context& ctx, Buffer& buf, std::uint64_t lba, std::uint32_t n = 1, IoArgs a = {});

// Identify Controller field (bytes end..begin, as the specification numbers them).
std::uint64_t idctrl(Context& ctx, std::size_t end, std::size_t begin);
inline std::uint64_t idctrl(Context& ctx, std::size_t byte) { return idctrl(ctx, byte, byte); }
std::uint64_t cap(Context& ctx);

}  // namespace nvmetest::conf

#endif  // NVMETEST_CONF_DEVICE_H
