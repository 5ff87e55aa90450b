// SPDX-License-Identifier: BSD-3-Clause
#include <gtest/gtest.h>

#include "nvmetest/nvme/registers.h"

using namespace nvmetest::nvme;

namespace {

// CAP of QEMU 7.2's controller: MQES 2047, CQR, TO 15, DSTRD 0, CSS NVM + I/O sets,
// MPSMIN 0 (4 KiB), MPSMAX 4 (64 KiB), CMBS, PMRS.
constexpr std::uint64_t kQemuCap = 0x07ffull | 1ull << 16 | 0x0full << 24 | 0x41ull << 37 |
                                   4ull << 52 | 1ull << 56 | 1ull << 57;

std::uint64_t field(const RegisterDesc& r, std::uint64_t value, std::string_view name,
                    std::string* meaning = nullptr)
{
    for (const auto& d : decode(r, value))
        if (d.field->name == name) {
            if (meaning)
                *meaning = d.meaning;
            return d.value;
        }
    ADD_FAILURE() << "no field " << name << " in " << r.name;
    return ~0ull;
}

}  // namespace

TEST(NvmeRegisters, CapAccessors)
{
    EXPECT_EQ(cap::mqes(kQemuCap), 2047u);
    EXPECT_TRUE(cap::cqr(kQemuCap));
    EXPECT_EQ(cap::to(kQemuCap), 15u);
    EXPECT_EQ(cap::timeout_ms(kQemuCap), 7500u);
    EXPECT_EQ(cap::dstrd(kQemuCap), 0u);
    EXPECT_FALSE(cap::nssrs(kQemuCap));
    EXPECT_EQ(cap::css(kQemuCap), 0x41u);
    EXPECT_EQ(cap::page_size_min(kQemuCap), 4096u);
    EXPECT_EQ(cap::page_size_max(kQemuCap), 65536u);
    EXPECT_TRUE(cap::cmbs(kQemuCap));
    EXPECT_TRUE(cap::pmrs(kQemuCap));
}

TEST(NvmeRegisters, DecodesCapFieldsWithMeaning)
{
    const RegisterDesc* r = find_register("CAP");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->width, 8u);
    std::string m;
    EXPECT_EQ(field(*r, kQemuCap, "MQES", &m), 2047u);
    EXPECT_EQ(m, "2048 entries");
    EXPECT_EQ(field(*r, kQemuCap, "TO", &m), 15u);
    EXPECT_EQ(m, "7500 ms");
    EXPECT_EQ(field(*r, kQemuCap, "MPSMAX", &m), 4u);
    EXPECT_EQ(m, "64 KiB");
    EXPECT_EQ(field(*r, kQemuCap, "CSS", &m), 0x41u);
    EXPECT_EQ(m, "NVM, I/O command sets");
    EXPECT_EQ(field(*r, kQemuCap, "NSSRS"), 0u);
}

TEST(NvmeRegisters, DecodesQemuVersion)
{
    const RegisterDesc* r = find_register("vs");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(field(*r, 0x00010400, "MJR"), 1u);
    EXPECT_EQ(field(*r, 0x00010400, "MNR"), 4u);
    EXPECT_EQ(field(*r, 0x00010400, "TER"), 0u);
    EXPECT_EQ(vs::to_string(0x00010400), "1.4.0");
    EXPECT_EQ(vs::make(2, 0, 1), 0x00020001u);
}

TEST(NvmeRegisters, BuildsCcAndAqa)
{
    const std::uint32_t cc = cc::make(true, 0, 0, 0, 0, 6, 4);
    EXPECT_EQ(cc, 0x00460001u);
    EXPECT_TRUE(cc::en(cc));
    EXPECT_EQ(cc::iosqes(cc), 6u);
    EXPECT_EQ(cc::iocqes(cc), 4u);
    EXPECT_EQ(cc::shn(cc::make(true, 0, 0, 0, 1, 6, 4)), 1u);
    EXPECT_EQ(aqa::make(64, 64), 0x003f003fu);
    std::string m;
    EXPECT_EQ(field(*find_register("CC"), cc::make(true, 0, 0, 0, 2, 6, 4), "SHN", &m), 2u);
    EXPECT_EQ(m, "abrupt shutdown");
    EXPECT_EQ(field(*find_register("CC"), cc, "IOSQES", &m), 6u);
    EXPECT_EQ(m, "64 bytes");
}

TEST(NvmeRegisters, DecodesCsts)
{
    const std::uint32_t v = 1 | 2 << 2;  // ready, shutdown complete
    EXPECT_TRUE(csts::rdy(v));
    EXPECT_FALSE(csts::cfs(v));
    EXPECT_EQ(csts::shst(v), 2u);
    std::string m;
    field(*find_register("CSTS"), v, "SHST", &m);
    EXPECT_EQ(m, "shutdown complete");
}

TEST(NvmeRegisters, DecodesCmbsz)
{
    // 64 MiB CMB in 1 MiB units with SQ, lists, read and write data support.
    const std::uint32_t v = 0x1d | 2 << 8 | 64u << 12;
    std::string m;
    EXPECT_EQ(field(*find_register("CMBSZ"), v, "SZ", &m), 64u);
    EXPECT_EQ(m, "64 MiB");
    EXPECT_EQ(field(*find_register("CMBSZ"), v, "SZU", &m), 2u);
    EXPECT_EQ(m, "1 MiB");
}

TEST(NvmeRegisters, DoorbellOffsets)
{
    EXPECT_EQ(reg::sq_tail_doorbell(0, 0), 0x1000u);
    EXPECT_EQ(reg::cq_head_doorbell(0, 0), 0x1004u);
    EXPECT_EQ(reg::sq_tail_doorbell(1, 0), 0x1008u);
    EXPECT_EQ(reg::cq_head_doorbell(1, 0), 0x100cu);
    EXPECT_EQ(reg::sq_tail_doorbell(1, 1), 0x1010u);
    EXPECT_EQ(reg::cq_head_doorbell(3, 2), 0x1000u + 7 * 16);
}

TEST(NvmeRegisters, TableCoversTheSpecRegistersInOffsetOrder)
{
    const auto regs = registers();
    for (const char* n : {"CAP", "VS", "INTMS", "INTMC", "CC", "CSTS", "NSSR", "AQA", "ASQ",
                          "ACQ", "CMBLOC", "CMBSZ", "BPINFO", "BPRSEL", "BPMBL", "CMBMSC",
                          "CMBSTS", "NSSD", "CRTO", "PMRCAP", "PMRCTL", "PMRSTS", "PMREBS",
                          "PMRSWTP", "PMRMSCL", "PMRMSCU"})
        EXPECT_NE(find_register(n), nullptr) << n;
    for (std::size_t i = 1; i < regs.size(); ++i)
        EXPECT_LT(regs[i - 1].offset, regs[i].offset) << regs[i].name;
    EXPECT_EQ(find_register("PMRCAP")->offset, 0xe00u);
    EXPECT_EQ(find_register("ACQ")->offset, 0x30u);
    EXPECT_EQ(find_register("nope"), nullptr);
    // Fields never overlap within a register and fit in its width.
    for (const auto& r : regs) {
        std::uint64_t used = 0;
        for (const auto& f : r.fields) {
            const std::uint64_t mask = (f.width >= 64 ? ~0ull : ((1ull << f.width) - 1)) << f.lsb;
            EXPECT_EQ(used & mask, 0u) << r.name << "." << f.name;
            EXPECT_LE(f.lsb + f.width, r.width * 8) << r.name << "." << f.name;
            used |= mask;
        }
    }
}

TEST(NvmeRegisters, FormatShowsEveryField)
{
    const std::string s = format_register(*find_register("CC"), 0x00460001);
    EXPECT_NE(s.find("Controller Configuration"), std::string::npos) << s;
    EXPECT_NE(s.find("0x00460001"), std::string::npos) << s;
    for (const char* f : {"EN", "CSS", "MPS", "AMS", "SHN", "IOSQES", "IOCQES", "CRIME"})
        EXPECT_NE(s.find(std::string("    ") + f), std::string::npos) << f << "\n" << s;
    const std::string asq = format_register(*find_register("ASQ"), 0x12345000);
    EXPECT_NE(asq.find("0x12345000"), std::string::npos) << asq;
}
