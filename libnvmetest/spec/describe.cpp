// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/describe.h"

#include "nvmetest/nvme/features.h"
#include "nvmetest/nvme/log_pages.h"
#include "nvmetest/nvme/status.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>

namespace nvmetest::nvme {
namespace {

// I/O commands whose CDW10-12 hold SLBA and NLB.
bool has_lba_range(std::uint8_t op) {
    switch (op) {
    case io::kRead:
    case io::kWrite:
    case io::kCompare:
    case io::kWriteUncorrectable:
    case io::kWriteZeroes:
    case io::kVerify:
    case io::kZoneAppend:
        return true;
    default:
        return false;
    }
}

// printf-style append, checked by the compiler against its arguments.
[[gnu::format(printf, 2, 3)]] void append(std::string& s, const char* fmt, ...) {
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    s += buf;
}

// Names the field that matters most for the common admin commands.
void append_admin_detail(std::string& s, const Sqe& sqe) {
    switch (sqe.opcode()) {
    case admin::kIdentify:
        append(s, " cns:%02x", sqe.cdw10() & 0xff);
        break;
    case admin::kGetLogPage:
        // NUMD is split: NUMDL in CDW10 31:16, NUMDU in CDW11 15:0; both 0-based.
        append(s, " lid:%02x (", sqe.cdw10() & 0xff);
        s += log_page_name(sqe.cdw10() & 0xff);
        append(s, ") numd:%u", ((sqe.cdw11() & 0xffff) << 16 | sqe.cdw10() >> 16) + 1);
        break;
    case admin::kGetFeatures:
    case admin::kSetFeatures:
        append(s, " fid:%02x (", sqe.cdw10() & 0xff);
        s += feature_name(sqe.cdw10() & 0xff);
        s += ")";
        break;
    default:
        break;
    }
}

} // namespace

std::string describe(const Sqe& sqe, bool admin) {
    std::string s(opcode_name(sqe.opcode(), admin));
    append(s, " (%02xh) cid:%u nsid:%" PRIx32, sqe.opcode(), sqe.cid(), sqe.nsid());
    if (sqe.fuse() == fuse::kFirst)
        s += " fuse:first";
    else if (sqe.fuse() == fuse::kSecond)
        s += " fuse:second";
    else if (sqe.fuse() != fuse::kNormal)
        s += " fuse:reserved";

    if (!admin && has_lba_range(sqe.opcode())) {
        append(s, " slba:%" PRIu64 " nlb:%u", sqe.slba(), sqe.nlb());
    } else {
        if (admin)
            append_admin_detail(s, sqe);
        for (unsigned i = 10; i <= 15; ++i)
            append(s, " cdw%u:%08" PRIx32, i, sqe.cdw[i]);
    }

    if (sqe.psdt() == psdt::kPrp) {
        append(s, " prp1:0x%" PRIx64 " prp2:0x%" PRIx64, sqe.prp1(), sqe.prp2());
    } else {
        const SglDescriptor d = sqe.sgl1();
        append(s, " sgl1:type %x/%x addr 0x%" PRIx64 " len %" PRIu32, d.type(), d.subtype(),
               d.address(), d.length());
    }
    return s;
}

std::string describe(const Cqe& cqe) {
    std::string s = status_name(cqe.sct(), cqe.sc());
    append(s, " (%02x/%02x) sqid:%u cid:%u cdw0:0x%" PRIx32 " sqhd:%04x p:%d m:%d dnr:%d",
           cqe.sct(), cqe.sc(), cqe.sqid(), cqe.cid(), cqe.cdw0(), cqe.sqhd(), cqe.phase(),
           cqe.more(), cqe.dnr());
    return s;
}

} // namespace nvmetest::nvme
