// SPDX-License-Identifier: BSD-3-Clause
#include "cases_util.h"

#include <chrono>
#include <thread>

namespace nvmetest::conf {

std::string field_says(const char* field, std::uint64_t value, unsigned bitno, const char* meaning)
{
    return std::string(field) + " is " + hex(value) + ": bit " + std::to_string(bitno) + " (" + meaning +
           ") is 0";
}

unsigned granted_sqs(Context& c)
{
    return (getfeatures(c, fid::kNumberOfQueues).dw[0] & 0xffff) + 1;
}

unsigned granted_cqs(Context& c)
{
    return (getfeatures(c, fid::kNumberOfQueues).dw[0] >> 16) + 1;
}

Cqe create_cq(Context& c, Buffer& mem, std::uint16_t qid, std::uint32_t qsize, bool pc, bool ien,
              std::uint16_t iv)
{
    return admin(c, op::kCreateIoCq,
                 {.buf = &mem,
                  .cdw10 = (qsize - 1) << 16 | qid,
                  .cdw11 = std::uint32_t{iv} << 16 | std::uint32_t{ien} << 1 | std::uint32_t{pc}});
}

Cqe create_sq(Context& c, Buffer& mem, std::uint16_t qid, std::uint32_t qsize, std::uint16_t cqid, bool pc)
{
    return admin(c, op::kCreateIoSq,
                 {.buf = &mem, .cdw10 = (qsize - 1) << 16 | qid, .cdw11 = std::uint32_t{cqid} << 16 | pc});
}

Cqe delete_sq(Context& c, std::uint16_t qid) { return admin(c, op::kDeleteIoSq, {.cdw10 = qid}); }
Cqe delete_cq(Context& c, std::uint16_t qid) { return admin(c, op::kDeleteIoCq, {.cdw10 = qid}); }

std::uint32_t first_inactive_nsid(Context& c)
{
    Buffer list(4096);
    c.expect_success(identify(c, list, nvme::cns::kActiveNsList, 0), "Identify CNS 02h");
    const auto last = static_cast<std::uint32_t>(idctrl(c, 519, 516));
    for (std::uint32_t id = 1, i = 0; id <= last; ++id) {
        if (i < 1024 && list.data(4 * i + 3, 4 * i) == id)
            ++i;
        else
            return id;
    }
    return 0;
}

void require_flr(Context& c)
{
    const auto at = c.pcie().cap_offset(0x10);
    c.require(at && ((c.pcie().cfg_dword_read(*at + 4) >> 28) & 1),
              "PCIe Device Capabilities bit 28 (Function Level Reset) is 0");
}

std::uint32_t lba_bytes(Context& c) { return c.ns().sector_size(); }

bool wait_admin_until(Context& c, const std::function<bool()>& done, unsigned ms)
{
    const auto limit = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!done()) {
        if (std::chrono::steady_clock::now() >= limit)
            return false;
        // A command of our own makes waitdone() reap whatever else completed.
        getfeatures(c, fid::kArbitration);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace nvmetest::conf
