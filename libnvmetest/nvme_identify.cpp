// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/identify.h"

#include <cstdio>
#include <cstring>

#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"

namespace nvmetest::nvme {
namespace {

std::string hex(std::uint64_t v, int digits)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "0x%0*llx", digits, static_cast<unsigned long long>(v));
    return buf;
}

std::uint64_t low64(const std::uint8_t (&b)[16])
{
    std::uint64_t v;
    std::memcpy(&v, b, sizeof(v));
    return v;
}

}  // namespace

std::string trim_ascii(std::string_view field)
{
    std::size_t n = field.size();
    if (auto nul = field.find('\0'); nul != std::string_view::npos)
        n = nul;
    while (n > 0 && field[n - 1] == ' ')
        --n;
    return std::string(field.substr(0, n));
}

IdentifyController IdentifyController::from_bytes(std::span<const std::uint8_t> data)
{
    if (data.size() < sizeof(IdentifyController))
        throw UsageError("identify controller data needs 4096 bytes, got " +
                         std::to_string(data.size()) + ": pass the whole buffer");
    IdentifyController id;
    std::memcpy(&id, data.data(), sizeof(id));
    return id;
}

std::string IdentifyController::serial() const { return trim_ascii({sn, sizeof(sn)}); }
std::string IdentifyController::model() const { return trim_ascii({mn, sizeof(mn)}); }
std::string IdentifyController::firmware() const { return trim_ascii({fr, sizeof(fr)}); }
std::string IdentifyController::subsystem_nqn() const { return trim_ascii({subnqn, sizeof(subnqn)}); }

std::uint64_t IdentifyController::max_transfer_bytes(std::uint64_t page_size) const noexcept
{
    return mdts ? page_size << mdts : 0;
}

std::string IdentifyController::version() const
{
    return ver ? vs::to_string(ver) : std::string("not reported");
}

std::uint64_t IdentifyController::total_capacity() const noexcept { return low64(tnvmcap); }
std::uint64_t IdentifyController::unallocated_capacity() const noexcept { return low64(unvmcap); }

std::vector<std::pair<std::string, std::string>> IdentifyController::fields() const
{
    std::vector<std::pair<std::string, std::string>> f;
    f.emplace_back("VID", hex(vid, 4));
    f.emplace_back("SSVID", hex(ssvid, 4));
    f.emplace_back("SN", serial());
    f.emplace_back("MN", model());
    f.emplace_back("FR", firmware());
    f.emplace_back("RAB", std::to_string(rab));
    char ieee_buf[16];
    std::snprintf(ieee_buf, sizeof(ieee_buf), "%02x%02x%02x", ieee[2], ieee[1], ieee[0]);
    f.emplace_back("IEEE", ieee_buf);
    f.emplace_back("CMIC", hex(cmic, 2));
    f.emplace_back("MDTS", mdts ? std::to_string(mdts) + " (" +
                                      std::to_string((4096ull << mdts) / 1024) +
                                      " KiB with 4 KiB pages)"
                                : std::string("0 (no limit)"));
    f.emplace_back("CNTLID", hex(cntlid, 4));
    f.emplace_back("VER", hex(ver, 8) + " (" + version() + ")");
    f.emplace_back("RTD3R", std::to_string(rtd3r) + " us");
    f.emplace_back("RTD3E", std::to_string(rtd3e) + " us");
    f.emplace_back("OAES", hex(oaes, 8));
    f.emplace_back("CTRATT", hex(ctratt, 8));
    f.emplace_back("CNTRLTYPE", cntrltype == 1   ? "1 (I/O controller)"
                                : cntrltype == 2 ? "2 (discovery controller)"
                                : cntrltype == 3 ? "3 (administrative controller)"
                                                 : std::to_string(cntrltype) + " (not reported)");
    f.emplace_back("OACS", hex(oacs, 4));
    f.emplace_back("ACL", std::to_string(acl));
    f.emplace_back("AERL", std::to_string(aerl));
    f.emplace_back("FRMW", hex(frmw, 2));
    f.emplace_back("LPA", hex(lpa, 2));
    f.emplace_back("ELPE", std::to_string(elpe));
    f.emplace_back("NPSS", std::to_string(npss));
    f.emplace_back("APSTA", std::to_string(apsta));
    f.emplace_back("WCTEMP", std::to_string(wctemp) + " K");
    f.emplace_back("CCTEMP", std::to_string(cctemp) + " K");
    f.emplace_back("HMPRE", std::to_string(hmpre));
    f.emplace_back("HMMIN", std::to_string(hmmin));
    f.emplace_back("TNVMCAP", std::to_string(total_capacity()));
    f.emplace_back("UNVMCAP", std::to_string(unallocated_capacity()));
    f.emplace_back("KAS", std::to_string(kas));
    f.emplace_back("SANICAP", hex(sanicap, 8));
    f.emplace_back("SQES", hex(sqes, 2));
    f.emplace_back("CQES", hex(cqes, 2));
    f.emplace_back("MAXCMD", std::to_string(maxcmd));
    f.emplace_back("NN", std::to_string(nn));
    f.emplace_back("ONCS", hex(oncs, 4));
    f.emplace_back("FUSES", hex(fuses, 4));
    f.emplace_back("FNA", hex(fna, 2));
    f.emplace_back("VWC", hex(vwc, 2));
    f.emplace_back("AWUN", std::to_string(awun));
    f.emplace_back("AWUPF", std::to_string(awupf));
    f.emplace_back("SGLS", hex(sgls, 8));
    f.emplace_back("MNAN", std::to_string(mnan));
    f.emplace_back("SUBNQN", subsystem_nqn());
    return f;
}

}  // namespace nvmetest::nvme
