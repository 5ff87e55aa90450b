// SPDX-License-Identifier: BSD-3-Clause
//
// The SQE of send_cmd(), admin or I/O: any opcode, valid or not, with every
// dword the caller set.  Controller::send_cmd and Namespace::send_cmd differ
// only in which queue takes the command.
#ifndef NVMETEST_CORE_RAW_COMMAND_H
#define NVMETEST_CORE_RAW_COMMAND_H

#include <cstddef>
#include <cstdint>
#include <string>

#include "nvmetest/errors.h"
#include "nvmetest/nvme/command.h"

namespace nvmetest::core {

// Args has cdw2, cdw3, cdw10..cdw15 (CmdArgs, IoCmdArgs).
template <class Args>
nvme::Sqe raw_sqe(std::uint32_t opcode, std::uint32_t nsid, const Args& a)
{
    if (opcode > 0xffff)
        throw UsageError("send_cmd opcode " + std::to_string(opcode) +
                         " does not fit dword 0 bits 15:0 (opcode, FUSE, PSDT)");
    nvme::Sqe sqe{};
    sqe.cdw[0] = opcode;
    sqe.set_nsid(nsid);
    sqe.cdw[2] = a.cdw2;
    sqe.cdw[3] = a.cdw3;
    sqe.cdw[10] = a.cdw10;
    sqe.cdw[11] = a.cdw11;
    sqe.cdw[12] = a.cdw12;
    sqe.cdw[13] = a.cdw13;
    sqe.cdw[14] = a.cdw14;
    sqe.cdw[15] = a.cdw15;
    return sqe;
}

// Bytes the command transfers: the Args' size, else the whole buffer, else none.
template <class Args>
std::size_t raw_transfer_bytes(const Args& a)
{
    return a.buf ? (a.size ? a.size : a.buf->size()) : 0;
}

}  // namespace nvmetest::core

#endif  // NVMETEST_CORE_RAW_COMMAND_H
