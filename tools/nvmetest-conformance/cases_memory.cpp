// SPDX-License-Identifier: BSD-3-Clause
// Group "memory": system memory structures (NVMe Base Specification 2.0,
// section 4.1): PRP entries and lists with offsets, SGL Data Block
// descriptors, and the Controller Memory Buffer when there is one.
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;

std::string sec(const char* s) { return std::string(kBase) + s; }

// The LBAs the group writes: the last 4 MiB of namespace 1 (the largest
// transfer here is 2 MiB and 8 KiB), away from a file system at the front.
std::uint64_t scratch(Context& c) { return c.ns().capacity() - (4u << 20) / lba_bytes(c); }

// Writes `bytes` of a pattern with an aligned buffer, reads them into a
// buffer at `offset` and compares: PRP (or SGL) handling of the offset.
void read_at_offset(Context& c, std::size_t bytes, std::size_t offset, bool sgl)
{
    const auto n = static_cast<std::uint32_t>(bytes / lba_bytes(c));
    Buffer w(bytes), r(bytes + offset + 4096);
    w.fill_pattern(0x9e9e0000 + static_cast<std::uint32_t>(offset), 32);
    c.expect_success(write(c, w, scratch(c), n), "Write " + std::to_string(bytes) + " bytes");
    r.set_offset(offset);
    r.set_size(bytes);
    c.expect_success(read(c, r, scratch(c), n, {.sgl = sgl}),
                     "Read into a buffer at offset " + std::to_string(offset) + (sgl ? " (SGL)" : " (PRP)"));
    bool same = true;
    for (std::size_t i = 0; i < bytes && same; ++i)
        same = r[offset + i] == w[i];
    c.expect_true("data at the offset", same, "as written", same ? "as written" : "different");
    bool before = true;
    for (std::size_t i = 0; i < offset; ++i)
        before = before && r[i] == 0;
    c.expect_true("bytes before the offset untouched", before, "untouched", before ? "untouched" : "written");
}

void prp_cases(std::vector<Case>& out)
{
    out.push_back(make_case("memory.prp.page-offset",
        "A 4 KiB read into a buffer at a dword offset (PRP1 with offset, PRP2 the next page) lands there",
        sec("4.1"), M, [](Context& c) { read_at_offset(c, 4096, 4, false); }));
    out.push_back(make_case("memory.prp.list",
        "A 64 KiB read at a dword offset (PRP1 with offset, PRP2 a PRP list) lands there", sec("4.1"), M,
        [](Context& c) { read_at_offset(c, 64 * 1024, 512, false); }));
    out.push_back(make_case("memory.prp.list-chained",
        "A read of 2 MiB + 8 KiB (a PRP list longer than one page, chained) lands in place", sec("4.1"), M,
        [](Context& c) {
            const std::size_t bytes = (2u << 20) + 8192;
            const auto mdts = idctrl(c, 77);
            c.require(!mdts || ((4096ull << nvme::cap::mpsmin(cap(c))) << mdts) >= bytes,
                      "MDTS (" + hex(mdts) + ") is below 2 MiB + 8 KiB: no transfer needs a chained PRP list");
            c.require(nvme::cc::mps(c.nvme()[nvme::reg::kCc]) == 0, "the memory page size is not 4 KiB");
            read_at_offset(c, bytes, 1024, false);
        }));
    out.push_back(make_case("memory.prp.identify-offset",
        "Identify into a buffer at a dword offset returns the same data as into an aligned one", sec("4.1"), M,
        [](Context& c) {
            Buffer a(4096), b(8192);
            b.set_offset(0x104);
            b.set_size(4096);
            c.expect_success(identify(c, a, nvme::cns::kController), "Identify, aligned");
            c.expect_success(identify(c, b, nvme::cns::kController), "Identify at offset 104h");
            bool same = true;
            for (std::size_t i = 0; i < 4096 && same; ++i)
                same = a[i] == b[0x104 + i];
            c.expect_true("the same structure", same, "equal", same ? "equal" : "different");
        }));
    out.push_back(make_case("memory.prp.offset-unaligned",
        "PRP1 with an offset that is not dword aligned: either PRP Offset Invalid or the data lands at that byte",
        sec("4.1"), O, [](Context& c) {
            Buffer w(lba_bytes(c)), r(2 * 4096);
            w.fill_pattern(0x9e9e0101, 32);
            c.expect_success(write(c, w, scratch(c), 1), "Write 1 LBA");
            r.set_offset(1);
            r.set_size(lba_bytes(c));
            const auto cqe = read(c, r, scratch(c), 1);
            c.expect_status_any(cqe, {st::kSuccess, st::kPrpOffsetInvalid}, "Read into offset 1");
            if (cqe.ok()) {
                bool same = true;
                for (std::size_t i = 0; i < w.size() && same; ++i)
                    same = r[1 + i] == w[i];
                c.expect_true("data at byte offset 1", same, "as written", same ? "as written" : "different");
            }
        }));
}

void require_sgl(Context& c)
{
    c.require((sgls(c) & 3) != 0, "SGLS is " + hex(sgls(c)) + ": bits 1:0 say SGLs are not supported");
}

void sgl_cases(std::vector<Case>& out)
{
    out.push_back(make_case("memory.sgl.data-block", "A read through one SGL Data Block descriptor lands in place",
        sec("4.1"), O, [](Context& c) {
            require_sgl(c);
            c.require((sgls(c) & 3) == 1, "SGLS bits 1:0 are 10b: Data Blocks must be dword aligned");
            read_at_offset(c, 8192, 4, true);
        }));
    out.push_back(make_case("memory.sgl.write-read", "Data written through an SGL reads back through PRPs",
        sec("4.1"), O, [](Context& c) {
            require_sgl(c);
            Buffer w(8192), r(8192);
            w.fill_pattern(0x5915a001, 32);
            const auto n = static_cast<std::uint32_t>(8192 / lba_bytes(c));
            c.expect_success(write(c, w, scratch(c), n, {.sgl = true}), "Write 8 KiB, SGL");
            c.expect_success(read(c, r, scratch(c), n), "Read 8 KiB, PRP");
            c.expect_true("data", r == w, "equal", r == w ? "equal" : "different");
        }));
    out.push_back(make_case("memory.sgl.length-short",
        "An SGL describing less than the transfer is aborted with Data SGL Length Invalid", sec("4.1"), O,
        [](Context& c) {
            require_sgl(c);
            Buffer b(lba_bytes(c));
            c.expect_status(io(c, 1u << 14 | iop::kRead,
                               {.buf = &b, .cdw10 = static_cast<std::uint32_t>(scratch(c)), .cdw12 = 1}),
                            st::kDataSglLengthInvalid, "Read of 2 LBAs into an SGL of 1 LBA");
        }));
}

void cmb_cases(std::vector<Case>& out)
{
    out.push_back(make_case("memory.cmb.sq", "An I/O SQ in the Controller Memory Buffer carries commands",
        sec("3.1.3 (CMBSZ), 8 (Controller Memory Buffer)"), O, [](Context& c) {
            c.require(nvme::cap::cmbs(cap(c)), "CAP.CMBS is 0: no Controller Memory Buffer");
            Buffer probe(4096, {.nvme = &c.nvme()});  // enables the CMB, so CMBSZ reads true
            const std::uint32_t sz = c.nvme()[nvme::reg::kCmbsz];
            c.require(sz & 1, "CMBSZ.SQS is 0: SQs may not be in the CMB");
            Qpair q(c.nvme(), 16, {.sq_in_cmb = true});
            Buffer w(lba_bytes(c)), r(lba_bytes(c));
            w.fill_pattern(0xc3b00001, 32);
            c.expect_success(io_on(c, q, iop::kWrite, {.buf = &w, .cdw10 = static_cast<std::uint32_t>(scratch(c))}),
                             "Write through a CMB SQ");
            c.expect_success(io_on(c, q, iop::kRead, {.buf = &r, .cdw10 = static_cast<std::uint32_t>(scratch(c))}),
                             "Read through a CMB SQ");
            device(c).remember(q);
            c.expect_true("data", r == w, "equal", r == w ? "equal" : "different");
        }));
    out.push_back(make_case("memory.cmb.data", "Data buffers in the Controller Memory Buffer work for Write and Read",
        sec("3.1.3 (CMBSZ), 8 (Controller Memory Buffer)"), O, [](Context& c) {
            c.require(nvme::cap::cmbs(cap(c)), "CAP.CMBS is 0: no Controller Memory Buffer");
            Buffer w(lba_bytes(c), {.nvme = &c.nvme()}), r(lba_bytes(c));
            const std::uint32_t sz = c.nvme()[nvme::reg::kCmbsz];
            c.require(bit(sz, 4), "CMBSZ.WDS is 0: write data may not be in the CMB");
            w.fill_pattern(0xc3b00002, 32);
            c.expect_success(write(c, w, scratch(c), 1), "Write from the CMB");
            c.expect_success(read(c, r, scratch(c), 1), "Read to host memory");
            bool same = true;
            for (std::size_t i = 0; i < r.size() && same; ++i)
                same = r[i] == w[i];
            c.expect_true("data", same, "equal", same ? "equal" : "different");
        }));
}

}  // namespace

void add_memory_cases(std::vector<Case>& out)
{
    prp_cases(out);
    sgl_cases(out);
    cmb_cases(out);
}

}  // namespace nvmetest::conf
