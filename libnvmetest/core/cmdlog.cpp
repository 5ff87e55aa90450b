// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/cmdlog.h"

#include <cstdio>
#include <ctime>

#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/status.h"

namespace nvmetest {
namespace {

std::string stamp(std::chrono::system_clock::time_point t)
{
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char s[48];
    std::snprintf(s, sizeof(s), "%04d-%02d-%02d %02d:%02d:%02d.%06lld", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(us % 1000000));
    return s;
}

}  // namespace

std::string CmdLogEntry::to_string() const
{
    const bool admin = sqid == 0;
    const std::uint8_t op = sqe.opcode();
    const std::string_view name = admin ? nvme::admin_opcode_name(op) : nvme::io_opcode_name(op);
    char line[256];
    std::snprintf(line, sizeof(line),
                  "%s %.*s (%02x) sqid:%u cid:%u nsid:%u cdw10:%08x cdw11:%08x cdw12:%08x\n",
                  stamp(submitted).c_str(), static_cast<int>(name.size()), name.data(), op, sqid,
                  sqe.cid(), sqe.nsid(), sqe.cdw[10], sqe.cdw[11], sqe.cdw[12]);
    std::string out = line;
    if (!completed)
        return out + "(not completed)";
    if (timed_out) {
        std::snprintf(line, sizeof(line), "%s TIMEOUT: all-ones completion after %llu us",
                      stamp(completed_at).c_str(), static_cast<unsigned long long>(latency_us));
        out += line;
        if (cqe.dw[3] != 0xffffffffu)
            out += "; late completion: " + nvme::status_name(cqe.sct(), cqe.sc());
        return out;
    }
    const std::string status = nvme::status_name(cqe.sct(), cqe.sc());
    std::snprintf(line, sizeof(line),
                  "%s %s (%02x/%02x) sqid:%u cid:%u cdw0:%x sqhd:%04x p:%d m:%d dnr:%d "
                  "latency:%lluus",
                  stamp(completed_at).c_str(), status.c_str(), cqe.sct(), cqe.sc(), cqe.sqid(),
                  cqe.cid(), cqe.dw[0], cqe.sqhd(), cqe.phase() ? 1 : 0, cqe.more() ? 1 : 0,
                  cqe.dnr() ? 1 : 0, static_cast<unsigned long long>(latency_us));
    return out + line;
}

}  // namespace nvmetest
