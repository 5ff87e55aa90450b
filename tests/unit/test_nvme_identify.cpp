// SPDX-License-Identifier: BSD-3-Clause
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "nvmetest/errors.h"
#include "nvmetest/nvme/command.h"
#include "nvmetest/nvme/identify.h"

using namespace nvmetest::nvme;

namespace {

// An Identify Controller buffer as QEMU 7.2 fills it for -device nvme,serial=DUT0001.
std::vector<std::uint8_t> qemu_identify()
{
    std::vector<std::uint8_t> b(4096, 0);
    auto put16 = [&](std::size_t o, std::uint16_t v) { std::memcpy(&b[o], &v, 2); };
    auto put32 = [&](std::size_t o, std::uint32_t v) { std::memcpy(&b[o], &v, 4); };
    auto ascii = [&](std::size_t o, std::size_t n, const char* s) {
        std::memset(&b[o], ' ', n);
        std::memcpy(&b[o], s, std::strlen(s));
    };
    put16(0, 0x1b36);
    put16(2, 0x1af4);
    ascii(4, 20, "DUT0001");
    ascii(24, 40, "QEMU NVMe Ctrl");
    ascii(64, 8, "7.2.0");
    b[72] = 6;
    b[73] = 0x00;
    b[74] = 0x54;
    b[75] = 0x52;
    b[77] = 7;  // MDTS
    put16(78, 0);
    put32(80, 0x00010400);
    b[111] = 1;
    put16(256, 0x010a);  // OACS
    b[259] = 3;          // AERL
    put16(266, 0x0157);  // WCTEMP 343 K
    b[512] = 0x66;
    b[513] = 0x44;
    put32(516, 256);     // NN
    put16(520, 0x015d);  // ONCS
    b[525] = 7;
    put32(536, 0x00100001);
    std::memcpy(&b[768], "nqn.2019-08.org.qemu:DUT0001", 28);
    return b;
}

}  // namespace

TEST(Identify, ParsesQemuIdentifyController)
{
    const auto id = IdentifyController::from_bytes(qemu_identify());
    EXPECT_EQ(id.vid, 0x1b36);
    EXPECT_EQ(id.ssvid, 0x1af4);
    EXPECT_EQ(id.serial(), "DUT0001");
    EXPECT_EQ(id.model(), "QEMU NVMe Ctrl");
    EXPECT_EQ(id.firmware(), "7.2.0");
    EXPECT_EQ(id.mdts, 7);
    EXPECT_EQ(id.max_transfer_bytes(4096), 512u * 1024);
    EXPECT_EQ(id.version(), "1.4.0");
    EXPECT_EQ(id.oacs, 0x010a);
    EXPECT_EQ(id.aerl, 3);
    EXPECT_EQ(id.sqes, 0x66);
    EXPECT_EQ(id.cqes, 0x44);
    EXPECT_EQ(id.nn, 256u);
    EXPECT_EQ(id.oncs, 0x015d);
    EXPECT_EQ(id.sgls, 0x00100001u);
    EXPECT_EQ(id.subsystem_nqn(), "nqn.2019-08.org.qemu:DUT0001");
}

TEST(Identify, FieldsListHasTheNamedValues)
{
    const auto id = IdentifyController::from_bytes(qemu_identify());
    const auto f = id.fields();
    auto get = [&](std::string_view n) {
        for (const auto& [k, v] : f)
            if (k == n)
                return v;
        ADD_FAILURE() << "no field " << n;
        return std::string();
    };
    EXPECT_EQ(get("VID"), "0x1b36");
    EXPECT_EQ(get("SN"), "DUT0001");
    EXPECT_EQ(get("MN"), "QEMU NVMe Ctrl");
    EXPECT_EQ(get("VER"), "0x00010400 (1.4.0)");
    EXPECT_EQ(get("MDTS"), "7 (512 KiB with 4 KiB pages)");
    EXPECT_EQ(get("NN"), "256");
    EXPECT_EQ(get("IEEE"), "525400");
    EXPECT_EQ(get("CNTRLTYPE"), "1 (I/O controller)");
    EXPECT_EQ(get("WCTEMP"), "343 K");
}

TEST(Identify, ShortBufferIsRefused)
{
    std::vector<std::uint8_t> b(512);
    EXPECT_THROW(IdentifyController::from_bytes(b), nvmetest::UsageError);
}

TEST(Identify, TrimAscii)
{
    EXPECT_EQ(trim_ascii("ABC     "), "ABC");
    EXPECT_EQ(trim_ascii(std::string_view("AB\0\0", 4)), "AB");
    EXPECT_EQ(trim_ascii("    "), "");
    EXPECT_EQ(trim_ascii(" A B "), " A B");
}

TEST(Command, SqeAccessors)
{
    Sqe s{};
    s.set_opcode(admin::kIdentify);
    s.set_cid(0xbeef);
    s.set_nsid(1);
    s.set_prp1(0x1122334455667000ull);
    EXPECT_EQ(s.opcode(), 0x06);
    EXPECT_EQ(s.cid(), 0xbeef);
    EXPECT_EQ(s.cdw[0], 0xbeef0006u);
    EXPECT_EQ(s.cdw[6], 0x55667000u);
    EXPECT_EQ(s.cdw[7], 0x11223344u);
    EXPECT_EQ(s.prp1(), 0x1122334455667000ull);
    s.set_opcode(0xff);  // raw dwords stay writable: malformed commands on purpose
    EXPECT_EQ(s.cid(), 0xbeef);
}

TEST(Command, CqeStatusAndPhase)
{
    Cqe c{};
    c.dw[2] = 0x0001'0005;  // sqid 1, sqhd 5
    c.dw[3] = 0x0001'0042 | (0x4002u << 17);  // phase 1, DNR, SCT 0 SC 2, cid 0x42
    EXPECT_EQ(c.cid(), 0x42);
    EXPECT_EQ(c.sqid(), 1);
    EXPECT_EQ(c.sqhd(), 5);
    EXPECT_TRUE(c.phase());
    EXPECT_EQ(c.sc(), 2);
    EXPECT_EQ(c.sct(), 0);
    EXPECT_TRUE(c.dnr());
    EXPECT_FALSE(c.ok());
    c.dw[3] = 0x0001'0042;
    EXPECT_TRUE(c.ok());
}
