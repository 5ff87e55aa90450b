// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-conformance: what the case files share: the Identify fields that
// decide applicability, raw queue commands, and short names.
#ifndef NVMETEST_CONF_CASES_UTIL_H
#define NVMETEST_CONF_CASES_UTIL_H

#include <cstdint>
#include <string>

#include "conf_device.h"
#include "conf_registry.h"
#include "nvmetest/nvme/features.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/registers.h"
#include "nvmetest/nvme/status.h"

namespace nvmetest::conf {

namespace st = nvme::status;
namespace op = nvme::admin;
namespace iop = nvme::io;
namespace fid = nvme::feature;
using nvme::Cqe;

inline constexpr const char* kBase = "NVMe Base 2.0 ";
inline constexpr const char* kNvm = "NVM CS 1.0 ";
inline constexpr const char* kPcie = "PCIe 5.0 ";

// A case, shortly: make_case("admin.x", "title", "NVMe Base 2.0 5.17", Level::kMandatory, body).
inline Case make_case(std::string id, std::string title, std::string section, Level level,
                      std::function<void(Context&)> body, bool destructive = false)
{
    return Case{{std::move(id), std::move(title), std::move(section), level, destructive}, std::move(body)};
}

// Identify Controller fields that decide applicability.
inline std::uint16_t oacs(Context& c) { return static_cast<std::uint16_t>(idctrl(c, 257, 256)); }
inline std::uint16_t oncs(Context& c) { return static_cast<std::uint16_t>(idctrl(c, 521, 520)); }
inline std::uint8_t lpa(Context& c) { return static_cast<std::uint8_t>(idctrl(c, 261)); }
inline std::uint32_t nn(Context& c) { return static_cast<std::uint32_t>(idctrl(c, 519, 516)); }
inline std::uint32_t sgls(Context& c) { return static_cast<std::uint32_t>(idctrl(c, 539, 536)); }
inline std::uint32_t vs(Context& c) { return c.nvme()[nvme::reg::kVs]; }
inline bool bit(std::uint64_t v, unsigned n) { return (v >> n) & 1; }

// "Identify Controller ONCS (0x5f) bit 5 (Reservations) is 0".
std::string field_says(const char* field, std::uint64_t value, unsigned bitno, const char* meaning);

// Granted I/O queues (Get Features Number of Queues, 1-based).
unsigned granted_sqs(Context& c);
unsigned granted_cqs(Context& c);

// Raw queue commands (the case owns the queue memory).  qsize is 1-based.
Cqe create_cq(Context& c, Buffer& mem, std::uint16_t qid, std::uint32_t qsize, bool pc = true,
               bool ien = false, std::uint16_t iv = 0);
Cqe create_sq(Context& c, Buffer& mem, std::uint16_t qid, std::uint32_t qsize, std::uint16_t cqid,
              bool pc = true);
Cqe delete_sq(Context& c, std::uint16_t qid);
Cqe delete_cq(Context& c, std::uint16_t qid);

// The lowest NSID up to NN that is not active (Identify CNS 02h); 0: none.
std::uint32_t first_inactive_nsid(Context& c);

// Not applicable unless PCIe Device Capabilities says Function Level Reset.
void require_flr(Context& c);

// The LBA format in use on namespace 1: data bytes and metadata bytes.
std::uint32_t lba_bytes(Context& c);

// Waits (reaping admin completions) until done() or ms elapsed; true when done.
bool wait_admin_until(Context& c, const std::function<bool()>& done, unsigned ms);

}  // namespace nvmetest::conf

#endif  // NVMETEST_CONF_CASES_UTIL_H
