// SPDX-License-Identifier: BSD-3-Clause
// Group "nvm": the NVM Command Set (NVM Command Set Specification 1.0,
// section 3; Flush is NVMe Base Specification 2.0, section 7.1): data
// integrity of Write/Read, the LBA range, namespace and transfer size rules,
// and each optional command: checked when ONCS says it is there, and refused
// with Invalid Command Opcode when ONCS says it is not.
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;

std::string sec(const char* s) { return std::string(kNvm) + s; }

// The LBAs the pack writes: the last 64 of namespace 1, so that a run on a
// drive with a file system at the front loses as little as can be.
std::uint64_t scratch(Context& c) { return c.ns().capacity() - 64; }

Buffer pattern(Context& c, std::uint32_t lbas, std::uint32_t seed)
{
    Buffer b(static_cast<std::size_t>(lbas) * lba_bytes(c));
    b.fill_pattern(seed, 32);
    return b;
}

// A reserved or unsupported I/O opcode answered by the namespace.
Cqe raw_io(Context& c, std::uint32_t opcode, std::uint64_t slba, std::uint32_t nlb, Buffer* buf = nullptr,
           std::uint32_t nsid = 0)
{
    return io(c, opcode, {.buf = buf, .nsid = nsid, .cdw10 = static_cast<std::uint32_t>(slba),
                          .cdw11 = static_cast<std::uint32_t>(slba >> 32), .cdw12 = nlb - 1,
                          .size = buf ? static_cast<std::size_t>(nlb) * lba_bytes(c) : 0});
}

void data_cases(std::vector<Case>& out)
{
    out.push_back(make_case("nvm.write-read.integrity",
        "Data written is read back unchanged (8 LBAs)", sec("3.2.6, 3.2.4"), M, [](Context& c) {
            auto w = pattern(c, 8, 0x5a5a0001);
            Buffer r(w.size());
            c.expect_success(write(c, w, scratch(c), 8), "Write 8 LBAs");
            c.expect_success(read(c, r, scratch(c), 8), "Read 8 LBAs");
            c.expect_true("data read = data written", r == w, "equal", r == w ? "equal" : "different");
        }));
    out.push_back(make_case("nvm.write-read.fua",
        "Write and Read with Force Unit Access succeed and keep the data", sec("3.2.6"), M, [](Context& c) {
            auto w = pattern(c, 1, 0x5a5a0002);
            Buffer r(w.size());
            c.expect_success(write(c, w, scratch(c), 1, {.io_flags = 1u << 14}), "Write FUA");
            c.expect_success(read(c, r, scratch(c), 1, {.io_flags = 1u << 14}), "Read FUA");
            c.expect_true("data read = data written", r == w, "equal", r == w ? "equal" : "different");
        }));
    out.push_back(make_case("nvm.read.last-lba",
        "Read of the last LBA of the namespace succeeds", sec("3.2.4"), M, [](Context& c) {
            Buffer r(lba_bytes(c));
            c.expect_success(read(c, r, c.ns().capacity() - 1, 1), "Read LBA NSZE-1");
        }));
    out.push_back(make_case("nvm.flush", "Flush of namespace 1 succeeds", std::string(kBase) + "7.1", M,
        [](Context& c) {
            Cqe got{};
            c.ns().flush(c.qpair(), [&](const Cqe& e) { got = e; }).waitdone();
            c.expect_success(got, "Flush NSID 1");
        }));
    out.push_back(make_case("nvm.flush.broadcast",
        "Flush with NSID FFFFFFFFh: success when VWC bits 2:1 are 11b, Invalid Namespace or Format when 10b",
        std::string(kBase) + "7.1", M, [](Context& c) {
            const auto vwc = idctrl(c, 525);
            const auto mode = (vwc >> 1) & 3;
            c.require(mode >= 2 && bit(vwc, 0), "VWC is " + hex(vwc) + ": no volatile write cache, or bits 2:1 do not say");
            const auto cqe = io(c, iop::kFlush, {.nsid = 0xffffffff});
            if (mode == 3)
                c.expect_success(cqe, "Flush NSID FFFFFFFFh (VWC bits 2:1 = 11b)");
            else
                c.expect_status(cqe, st::kInvalidNamespaceOrFormat, "Flush NSID FFFFFFFFh (VWC bits 2:1 = 10b)");
        }));
}

void range_cases(std::vector<Case>& out)
{
    struct R { const char* id; const char* what; std::uint8_t opcode; bool end_cross; };
    for (const R r : {R{"nvm.read.slba-beyond", "Read with SLBA = NSZE", iop::kRead, false},
                      R{"nvm.read.range-crosses-end", "Read of 2 LBAs from NSZE-1", iop::kRead, true},
                      R{"nvm.write.slba-beyond", "Write with SLBA = NSZE", iop::kWrite, false},
                      R{"nvm.write.range-crosses-end", "Write of 2 LBAs from NSZE-1", iop::kWrite, true}}) {
        out.push_back(make_case(r.id, std::string(r.what) + " is aborted with LBA Out of Range",
            sec(r.opcode == iop::kRead ? "3.2.4" : "3.2.6"), M, [r](Context& c) {
                Buffer b(2 * lba_bytes(c));
                const auto n = c.ns().capacity();
                c.expect_status(raw_io(c, r.opcode, r.end_cross ? n - 1 : n, r.end_cross ? 2 : 1, &b),
                                st::kLbaOutOfRange, r.what, Dnr::kSet);
            }));
    }
    out.push_back(make_case("nvm.read.slba-huge",
        "Read with SLBA FFFFFFFF_FFFFFFFFh is aborted with LBA Out of Range", sec("3.2.4"), M, [](Context& c) {
            Buffer b(lba_bytes(c));
            c.expect_status(raw_io(c, iop::kRead, ~0ull, 1, &b), st::kLbaOutOfRange, "Read SLBA all ones");
        }));
    out.push_back(make_case("nvm.read.nsid-invalid",
        "Read to an NSID above NN is aborted with Invalid Namespace or Format", std::string(kBase) + "3.2.1", M,
        [](Context& c) {
            Buffer b(lba_bytes(c));
            c.require(nn(c) + 1 < 0xffffffff, "NN leaves no invalid NSID");
            c.expect_status(raw_io(c, iop::kRead, 0, 1, &b, nn(c) + 1), st::kInvalidNamespaceOrFormat, "Read NSID NN+1",
                            Dnr::kSet);
        }));
    out.push_back(make_case("nvm.read.nsid-broadcast",
        "Read with NSID FFFFFFFFh (broadcast, which Read does not take) is aborted (Invalid Namespace or Format or Invalid Field)",
        std::string(kBase) + "3.2.1", M, [](Context& c) {
            Buffer b(lba_bytes(c));
            c.expect_status_any(raw_io(c, iop::kRead, 0, 1, &b, 0xffffffff),
                                {st::kInvalidNamespaceOrFormat, st::kInvalidField}, "Read NSID FFFFFFFFh");
        }));
    out.push_back(make_case("nvm.write.nsid-inactive",
        "Write to a valid inactive NSID is aborted with Invalid Field in Command", std::string(kBase) + "3.2.1", M,
        [](Context& c) {
            Buffer b(lba_bytes(c));
            const auto inactive = first_inactive_nsid(c);
            c.require(inactive != 0, "every NSID up to NN is active");
            c.expect_status(raw_io(c, iop::kWrite, 0, 1, &b, inactive), st::kInvalidField,
                            "Write NSID " + std::to_string(inactive));
        }));
    out.push_back(make_case("nvm.read.mdts-exceeded",
        "Read of MDTS plus one LBA is aborted with Invalid Field in Command", std::string(kBase) + "5.17.2 (MDTS)", M,
        [](Context& c) {
            const auto mdts = idctrl(c, 77);
            c.require(mdts != 0, "MDTS is 0: no transfer limit");
            const std::size_t limit = (4096ull << nvme::cap::mpsmin(cap(c))) << mdts;
            c.require(limit + lba_bytes(c) <= 4u << 20, "MDTS is above what one buffer holds (4 MiB)");
            const auto n = static_cast<std::uint32_t>(limit / lba_bytes(c)) + 1;
            c.require(n <= 65536, "MDTS is above what one command's NLB can ask");
            Buffer b(static_cast<std::size_t>(n) * lba_bytes(c));
            c.expect_status(raw_io(c, iop::kRead, 0, n, &b), st::kInvalidField, "Read of " + std::to_string(n) + " LBAs");
        }));
    out.push_back(make_case("nvm.read.mdts-exact",
        "Read of exactly MDTS bytes succeeds", std::string(kBase) + "5.17.2 (MDTS)", M, [](Context& c) {
            const auto mdts = idctrl(c, 77);
            const std::size_t limit = mdts ? (4096ull << nvme::cap::mpsmin(cap(c))) << mdts : 1u << 20;
            c.require(limit <= 4u << 20, "MDTS is above what one buffer holds (4 MiB)");
            const auto n = static_cast<std::uint32_t>(limit / lba_bytes(c));
            Buffer b(limit);
            c.expect_success(read(c, b, 0, n), "Read of " + std::to_string(n) + " LBAs");
        }));
    out.push_back(make_case("nvm.opcode.reserved",
        "Reserved I/O opcodes are aborted with Invalid Command Opcode", sec("3, Figure 18"), M, [](Context& c) {
            for (unsigned o : {0x03u, 0x06u, 0x07u, 0x0au, 0x0bu, 0x0fu, 0x10u, 0x12u, 0x13u, 0x14u, 0x16u, 0x17u,
                               0x1au, 0x1bu, 0x30u, 0x60u})
                c.expect_status(raw_io(c, o, 0, 1), st::kInvalidOpcode, "I/O opcode " + hex(o), Dnr::kSet);
        }));
}

struct Optional {
    const char* name;
    const char* meaning;  // the ONCS bit's name
    unsigned oncs_bit;
    std::uint8_t opcode;
    const char* section;
};

void unsupported_cases(std::vector<Case>& out)
{
    static constexpr Optional kList[] = {
        {"compare", "Compare", 0, iop::kCompare, "3.2.1"},
        {"write-uncorrectable", "Write Uncorrectable", 1, iop::kWriteUncorrectable, "3.2.7"},
        {"dataset-management", "Dataset Management", 2, iop::kDatasetManagement, "3.2.3"},
        {"write-zeroes", "Write Zeroes", 3, iop::kWriteZeroes, "3.2.8"},
        {"verify", "Verify", 7, iop::kVerify, "3.2.5"},
        {"copy", "Copy", 8, iop::kCopy, "3.2.2"},
    };
    for (const auto& o : kList) {
        out.push_back(make_case(std::string("nvm.unsupported.") + o.name,
            std::string(o.meaning) + " is aborted with Invalid Command Opcode when ONCS says it is unsupported",
            sec(o.section), M, [o](Context& c) {
                c.require(!bit(oncs(c), o.oncs_bit), "ONCS is " + hex(oncs(c)) + ": bit " + std::to_string(o.oncs_bit) +
                                                         " (" + o.meaning + ") is 1, the command is supported");
                Buffer b(4096);
                c.expect_status(raw_io(c, o.opcode, scratch(c), 1, (o.opcode & 3) ? &b : nullptr), st::kInvalidOpcode,
                                std::string(o.meaning) + " (" + hex(o.opcode) + ")");
            }));
    }
}

void require_oncs(Context& c, unsigned b, const char* meaning)
{
    c.require(bit(oncs(c), b), field_says("ONCS", oncs(c), b, meaning));
}

void optional_cases(std::vector<Case>& out)
{
    out.push_back(make_case("nvm.compare.match", "Compare of the data written succeeds", sec("3.2.1"), O,
        [](Context& c) {
            require_oncs(c, 0, "Compare");
            auto w = pattern(c, 4, 0xc0de0001);
            c.expect_success(write(c, w, scratch(c), 4), "Write 4 LBAs");
            Cqe got{};
            c.ns().compare(c.qpair(), w, scratch(c), 4, {.cb = [&](const Cqe& e) { got = e; }}).waitdone();
            c.expect_success(got, "Compare 4 LBAs, same data");
        }));
    out.push_back(make_case("nvm.compare.mismatch", "Compare of other data is aborted with Compare Failure",
        sec("3.2.1"), O, [](Context& c) {
            require_oncs(c, 0, "Compare");
            auto w = pattern(c, 4, 0xc0de0002), other = pattern(c, 4, 0xc0de0003);
            c.expect_success(write(c, w, scratch(c), 4), "Write 4 LBAs");
            Cqe got{};
            c.ns().compare(c.qpair(), other, scratch(c), 4, {.cb = [&](const Cqe& e) { got = e; }}).waitdone();
            c.expect_status(got, st::kCompareFailure, "Compare 4 LBAs, other data");
        }));
    out.push_back(make_case("nvm.compare.out-of-range", "Compare beyond NSZE is aborted with LBA Out of Range",
        sec("3.2.1"), O, [](Context& c) {
            require_oncs(c, 0, "Compare");
            Buffer b(lba_bytes(c));
            c.expect_status(raw_io(c, iop::kCompare, c.ns().capacity(), 1, &b), st::kLbaOutOfRange, "Compare SLBA NSZE");
        }));
    out.push_back(make_case("nvm.write-zeroes.reads-zero", "Write Zeroes makes the LBAs read as zeroes",
        sec("3.2.8"), O, [](Context& c) {
            require_oncs(c, 3, "Write Zeroes");
            auto w = pattern(c, 8, 0x2e2e0001);
            Buffer r(w.size(), {.pvalue = 0xffffffff, .ptype = 32});
            c.expect_success(write(c, w, scratch(c), 8), "Write 8 LBAs");
            Cqe got{};
            c.ns().write_zeroes(c.qpair(), scratch(c), 8, {.cb = [&](const Cqe& e) { got = e; }}).waitdone();
            c.expect_success(got, "Write Zeroes 8 LBAs");
            c.expect_success(read(c, r, scratch(c), 8), "Read 8 LBAs");
            std::size_t nonzero = 0;
            for (auto v : r.bytes())
                nonzero += v != 0;
            c.expect_eq("nonzero bytes read", 0, nonzero);
        }));
    out.push_back(make_case("nvm.write-zeroes.out-of-range", "Write Zeroes beyond NSZE is aborted with LBA Out of Range",
        sec("3.2.8"), O, [](Context& c) {
            require_oncs(c, 3, "Write Zeroes");
            c.expect_status(raw_io(c, iop::kWriteZeroes, c.ns().capacity() - 1, 2), st::kLbaOutOfRange,
                            "Write Zeroes of 2 LBAs from NSZE-1");
        }));
    out.push_back(make_case("nvm.dsm.deallocate", "Dataset Management with Deallocate of a range succeeds",
        sec("3.2.3"), O, [](Context& c) {
            require_oncs(c, 2, "Dataset Management");
            Buffer ranges(4096);
            ranges.set_dsm_range(0, scratch(c), 8);
            Cqe got{};
            c.ns().dsm(c.qpair(), ranges, 1, {.cb = [&](const Cqe& e) { got = e; }}).waitdone();
            c.expect_success(got, "DSM AD, 1 range of 8 LBAs");
        }));
    out.push_back(make_case("nvm.dsm.out-of-range",
        "Dataset Management Deallocate of a range beyond NSZE is aborted with LBA Out of Range", sec("3.2.3"), O,
        [](Context& c) {
            require_oncs(c, 2, "Dataset Management");
            Buffer ranges(4096);
            ranges.set_dsm_range(0, c.ns().capacity() - 1, 8);
            Cqe got{};
            c.ns().dsm(c.qpair(), ranges, 1, {.cb = [&](const Cqe& e) { got = e; }}).waitdone();
            c.expect_status(got, st::kLbaOutOfRange, "DSM AD, range from NSZE-1 of 8 LBAs");
        }));
    out.push_back(make_case("nvm.verify.ok", "Verify of written LBAs succeeds", sec("3.2.5"), O, [](Context& c) {
        require_oncs(c, 7, "Verify");
        auto w = pattern(c, 8, 0x7e7e0001);
        c.expect_success(write(c, w, scratch(c), 8), "Write 8 LBAs");
        Cqe got{};
        c.ns().verify(c.qpair(), scratch(c), 8, {.cb = [&](const Cqe& e) { got = e; }}).waitdone();
        c.expect_success(got, "Verify 8 LBAs");
    }));
    out.push_back(make_case("nvm.verify.out-of-range", "Verify beyond NSZE is aborted with LBA Out of Range",
        sec("3.2.5"), O, [](Context& c) {
            require_oncs(c, 7, "Verify");
            c.expect_status(raw_io(c, iop::kVerify, c.ns().capacity(), 1), st::kLbaOutOfRange, "Verify SLBA NSZE");
        }));
    out.push_back(make_case("nvm.copy.data", "Copy of a range makes the destination read as the source",
        sec("3.2.2"), O, [](Context& c) {
            require_oncs(c, 8, "Copy");
            auto w = pattern(c, 4, 0xc09e0001);
            Buffer r(w.size()), ranges(4096);
            c.expect_success(write(c, w, scratch(c), 4), "Write 4 source LBAs");
            ranges.set_copy_range(0, scratch(c), 4);
            Cqe got{};
            c.ns().copy(c.qpair(), ranges, scratch(c) + 8, 1, {.cb = [&](const Cqe& e) { got = e; }}).waitdone();
            c.expect_success(got, "Copy 4 LBAs");
            c.expect_success(read(c, r, scratch(c) + 8, 4), "Read the destination");
            c.expect_true("destination = source", r == w, "equal", r == w ? "equal" : "different");
        }));
    out.push_back(make_case("nvm.copy.mssrl-exceeded",
        "Copy of a source range longer than MSSRL is aborted with Command Size Limit Exceeded", sec("3.2.2"), O,
        [](Context& c) {
            require_oncs(c, 8, "Copy");
            Buffer id(4096), ranges(4096);
            c.expect_success(identify(c, id, nvme::cns::kNamespace, 1), "Identify namespace 1");
            const auto mssrl = id.data(75, 74);
            c.require(mssrl != 0 && mssrl < 0xffff, "MSSRL is " + hex(mssrl) + ": no limit to exceed");
            ranges.set_copy_range(0, 0, static_cast<std::uint32_t>(mssrl + 1));
            Cqe got{};
            c.ns().copy(c.qpair(), ranges, scratch(c), 1, {.cb = [&](const Cqe& e) { got = e; }}).waitdone();
            c.expect_status(got, st::kCommandSizeLimitExceeded, "Copy, one range of MSSRL+1 LBAs");
        }));
    out.push_back(make_case("nvm.write-uncorrectable.read-fails",
        "A Read of LBAs marked by Write Uncorrectable is aborted with Unrecovered Read Error", sec("3.2.7"), O,
        [](Context& c) {
            require_oncs(c, 1, "Write Uncorrectable");
            Buffer r(lba_bytes(c));
            Cqe got{};
            c.ns().write_uncor(c.qpair(), scratch(c), 1, {.cb = [&](const Cqe& e) { got = e; }}).waitdone();
            c.expect_success(got, "Write Uncorrectable 1 LBA");
            c.expect_status(read(c, r, scratch(c), 1), st::kUnrecoveredReadError, "Read of that LBA");
            auto w = pattern(c, 1, 1);
            c.expect_success(write(c, w, scratch(c), 1), "Write clears the mark");
        }));
}

}  // namespace

void add_nvm_cases(std::vector<Case>& out)
{
    data_cases(out);
    range_cases(out);
    unsupported_cases(out);
    optional_cases(out);
}

}  // namespace nvmetest::conf
