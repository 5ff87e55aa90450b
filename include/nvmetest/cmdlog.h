// SPDX-License-Identifier: BSD-3-Clause
//
// The command log: every queue (admin and I/O) remembers its recent
// submissions and completions with timestamps, as PyNVMe3's cmdlog does.
// Controller::cmdlog(n), Controller::cmdlog_merged(n) and Qpair::cmdlog(n)
// return entries; to_string() decodes them for logs.
#ifndef NVMETEST_CMDLOG_H
#define NVMETEST_CMDLOG_H

#include "nvmetest/cxx20.h"

#include <chrono>
#include <cstdint>
#include <string>

#include "nvmetest/nvme/command.h"

namespace nvmetest {

struct CmdLogEntry {
    std::uint16_t sqid = 0;         // 0: admin queue
    nvme::Sqe sqe{};
    // Zero until completed.  For a command that timed out, the all-ones CQE
    // the library made, replaced by the controller's own when the late
    // completion arrives while the log still holds the entry.
    nvme::Cqe cqe{};
    bool completed = false;
    bool timed_out = false;         // the library declared the timeout
    std::chrono::system_clock::time_point submitted{};
    std::chrono::system_clock::time_point completed_at{};
    std::uint64_t latency_us = 0;   // completed entries

    // Two lines: the command, then the completion ("(not completed)" when pending),
    // with opcode and status names.
    std::string to_string() const;
};

}  // namespace nvmetest

#endif  // NVMETEST_CMDLOG_H
