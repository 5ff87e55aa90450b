// SPDX-License-Identifier: BSD-3-Clause
//
// One-line decoding of submission and completion entries for the command log
// and for warnings, in the spirit of SPDK's nvme_qpair_print_command:
//
//   Read (02h) cid:5 nsid:1 slba:0 nlb:8 prp1:0x12345000 prp2:0x0
//   Identify (06h) cid:0 nsid:0 cdw10:00000001 cdw11:00000000 ... prp1:0x1000 prp2:0x0
//   Successful Completion (00/00) sqid:0 cid:5 cdw0:0x0 sqhd:0012 p:1 m:0 dnr:0
#ifndef NVMETEST_NVME_DESCRIBE_H
#define NVMETEST_NVME_DESCRIBE_H

#include "nvmetest/cxx20.h"

#include "nvmetest/nvme/command.h"

#include <string>

namespace nvmetest::nvme {

// admin selects the opcode table: admin queue (true) or I/O queue (false).
std::string describe(const Sqe& sqe, bool admin);
std::string describe(const Cqe& cqe);

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_DESCRIBE_H
