// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/meta/sqe.h"

#include <string>

#include "nvmetest/errors.h"
#include "nvmetest/meta/prp.h"

namespace nvmetest::meta {
namespace {

void check_dword(std::size_t i, std::size_t count, const char* what)
{
    if (i >= count)
        throw UsageError(std::string(what) + " dword " + std::to_string(i) +
                         " does not exist: an " + what + " has dwords 0.." +
                         std::to_string(count - 1));
}

}  // namespace

Address::Address(const PRPList& list) noexcept : value_(list.phys_addr()) {}

SQE::SQE(std::uint8_t opcode, std::uint32_t nsid, std::uint16_t cid) noexcept : nvme::Sqe{}
{
    set_opcode(opcode);
    set_nsid(nsid);
    set_cid(cid);
}

std::uint32_t& SQE::operator[](std::size_t i)
{
    check_dword(i, 16, "SQE");
    return cdw[i];
}

std::uint32_t SQE::operator[](std::size_t i) const
{
    check_dword(i, 16, "SQE");
    return cdw[i];
}

std::uint32_t& CQE::operator[](std::size_t i)
{
    check_dword(i, 4, "CQE");
    return dw[i];
}

std::uint32_t CQE::operator[](std::size_t i) const
{
    check_dword(i, 4, "CQE");
    return dw[i];
}

}  // namespace nvmetest::meta
