// SPDX-License-Identifier: BSD-3-Clause
// Several controllers in one process (profile two-ctrl: dut0 and dut1, each in
// its own subsystem with a 128 MiB namespace).  $NVMETEST_DUTS lists them.
#include <nvmetest/fixtures.h>

#include <cstdlib>
#include <sstream>
#include <vector>

namespace {

using nvmetest::Buffer;
using nvmetest::Controller;
using nvmetest::Namespace;
using nvmetest::Pcie;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;

std::vector<std::string> duts()
{
    std::vector<std::string> out;
    const char* v = std::getenv("NVMETEST_DUTS");
    std::istringstream in(v ? v : "");
    for (std::string s; in >> s;)
        out.push_back(s);
    return out;
}

class TwoControllers : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (duts().size() < 2)
            GTEST_SKIP() << "needs two DUTs ($NVMETEST_DUTS; VM profile two-ctrl)";
    }
    std::vector<std::string> addrs = duts();
};

TEST_F(TwoControllers, IndependentIdentify)
{
    Pcie pcie0(addrs.at(0)), pcie1(addrs.at(1));
    Controller nvme0(pcie0), nvme1(pcie1);
    const std::string sn0 = nvme0.id_data<std::string>(23, 4);
    const std::string sn1 = nvme1.id_data<std::string>(23, 4);
    EXPECT_EQ(sn0, "nvmetest-dut0");
    EXPECT_EQ(sn1, "nvmetest-dut1");
    // Subsystem NQNs differ too (Identify Controller bytes 1023:768).
    EXPECT_NE(nvme0.id_data<std::string>(1023, 768), nvme1.id_data<std::string>(1023, 768));
    // Interleaved admin commands on both.
    nvme0.getfeatures(7);
    nvme1.getfeatures(7);
    nvme0.getfeatures(7);
    EXPECT_EQ(nvme1.waitdone(), nvme0.waitdone(2));
    // Timeouts are per controller.
    nvme0.set_timeout(1234);
    EXPECT_EQ(nvme0.timeout(), 1234u);
    EXPECT_EQ(nvme1.timeout(), 10000u);
}

TEST_F(TwoControllers, IoOnBoth)
{
    Pcie pcie0(addrs.at(0)), pcie1(addrs.at(1));
    Controller nvme0(pcie0), nvme1(pcie1);
    Namespace ns0(nvme0), ns1(nvme1);
    EXPECT_EQ(ns0.capacity(), 128u * 1024 * 1024 / 512);
    EXPECT_EQ(ns1.capacity(), 128u * 1024 * 1024 / 512);
    Qpair q0(nvme0, 16), q1(nvme1, 16);
    EXPECT_EQ(q0.sqid(), 1u);  // queue IDs are per controller
    EXPECT_EQ(q1.sqid(), 1u);
    Buffer w0(4096, {.pvalue = 0x00000000deadbeef, .ptype = 32, .pcie = &pcie0});
    Buffer w1(4096, {.pvalue = 0x00000000cafef00d, .ptype = 32, .pcie = &pcie1});
    ns0.write(q0, w0, 8, 8);
    ns1.write(q1, w1, 8, 8);
    q1.waitdone();
    q0.waitdone();
    Buffer r0(4096, {.pcie = &pcie0}), r1(4096, {.pcie = &pcie1});
    ns0.read(q0, r0, 8, 8).waitdone();
    ns1.read(q1, r1, 8, 8).waitdone();
    EXPECT_TRUE(r0 == w0);
    EXPECT_TRUE(r1 == w1);
    EXPECT_FALSE(r0 == r1);
}

TEST_F(TwoControllers, ResetOfOneDoesNotDisturbTheOther)
{
    Pcie pcie0(addrs.at(0)), pcie1(addrs.at(1));
    Controller nvme0(pcie0), nvme1(pcie1);
    Namespace ns0(nvme0), ns1(nvme1);
    Qpair q0(nvme0, 16), q1(nvme1, 16);
    Buffer w(4096, {.pvalue = 0x5a, .ptype = 32});
    ns1.write(q1, w, 0, 8).waitdone();
    // A command outstanding on nvme1 while nvme0 resets.
    Buffer r(4096);
    std::uint16_t status = 0xffff;
    ns1.read(q1, r, 0, 8, {.cb = [&](const Cqe& c) { status = c.status(); }});
    nvme0.reset();
    q1.waitdone();
    EXPECT_EQ(status, 0u);
    EXPECT_TRUE(r == w);
    // nvme1 was never disabled; nvme0 is back with its qpair.
    EXPECT_EQ(nvme1[0x1c] & 1u, 1u);  // CSTS.RDY
    EXPECT_EQ(nvme1.getfeatures(7).waitdone(), nvme0.getfeatures(7).waitdone());
    ns0.read(q0, r, 0, 8).waitdone();
    ns1.read(q1, r, 0, 8).waitdone();
    EXPECT_TRUE(r == w);
    // And the other way round.
    nvme1.reset();
    ns0.write(q0, w, 16, 8).waitdone();
    ns1.read(q1, r, 0, 8).waitdone();
    EXPECT_TRUE(r == w);
}

TEST_F(TwoControllers, BuffersBelongToADevice)
{
    Pcie pcie0(addrs.at(0));
    Controller nvme0(pcie0);
    Pcie pcie1(addrs.at(1));
    Controller nvme1(pcie1);
    Namespace ns0(nvme0), ns1(nvme1);
    Qpair q0(nvme0, 16), q1(nvme1, 16);
    // The default device is the most recently opened Pcie.
    Buffer b;
    EXPECT_EQ(b.device(), pcie1.addr());
    Buffer b0(4096, {.pcie = &pcie0});
    EXPECT_EQ(b0.device(), pcie0.addr());
    ASSERT_FALSE(pcie0.info().iommu);
    // Without an IOMMU any device reaches any DMA memory: a buffer of dut1 in
    // a command to dut0 and the other way round.
    b.fill_pattern(0x1234abcd, 32);
    ns0.write(q0, b, 100, 8).waitdone();
    ns0.read(q0, b0, 100, 8).waitdone();
    EXPECT_TRUE(b0 == b);
    ns1.write(q1, b0, 100, 8).waitdone();
    nvme1.identify(b0).waitdone();
    EXPECT_EQ(b0.data<std::string>(23, 4), "nvmetest-dut1");
}

}  // namespace
