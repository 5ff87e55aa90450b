// SPDX-License-Identifier: BSD-3-Clause
// SGLs on the zoned commands (profile zns: 4 KiB LBAs, zones of 4096 LBAs):
// zone append and zone management receive with IoArgs/ZoneReceiveArgs::sgl.
#include <nvmetest/fixtures.h>
#include <nvmetest/nvme/zns.h>

namespace {

using nvmetest::Buffer;
using nvmetest::nvme::Cqe;
namespace psdt = nvmetest::nvme::psdt;
namespace act = nvmetest::nvme::zone_send_action;

constexpr std::uint64_t kZoneLbas = 4096;

class ZnsSglTest : public nvmetest::testing::QpairTest {
protected:
    void SetUp() override
    {
        nvme0n1.zone_mgmt_send(qpair, 0, act::kReset, {.select_all = true}).waitdone();
    }
    // PSDT 01b and one Data Block descriptor of bytes at buf's offset.
    void expect_sgl(const Buffer& b, std::uint32_t bytes)
    {
        const auto sqe = qpair.cmdlog(1)[0].sqe;
        EXPECT_EQ(sqe.psdt(), psdt::kSglContiguousMeta);
        EXPECT_EQ(sqe.sgl1().type(), nvmetest::nvme::sgl_type::kDataBlock);
        EXPECT_EQ(sqe.sgl1().address(), b.phys_addr());
        EXPECT_EQ(sqe.sgl1().length(), bytes);
    }
};

TEST_F(ZnsSglTest, ZoneAppendAndReadBackThroughSgl)
{
    const std::uint64_t zslba = 2 * kZoneLbas;
    Buffer w(4 * 4096, {.pvalue = 100, .ptype = 0xbeef});
    std::uint64_t lba = ~0ull;
    nvme0n1.zone_append(qpair, w, zslba, 4, {.sgl = true, .cb = [&](const Cqe& c) {
                                                 EXPECT_TRUE(c.ok());
                                                 lba = nvmetest::Namespace::zone_append_lba(c);
                                             }})
        .waitdone();
    expect_sgl(w, 4 * 4096);
    EXPECT_EQ(lba, zslba);
    Buffer r(4 * 4096);
    nvme0n1.read(qpair, r, lba, 4, {.sgl = true}).waitdone();
    EXPECT_TRUE(r == w);
}

TEST_F(ZnsSglTest, ZoneReportThroughSglMatchesPrp)
{
    Buffer w(4096, {.pvalue = 7, .ptype = 32});
    nvme0n1.write(qpair, w, kZoneLbas, 1).waitdone();  // zone 1 implicitly open
    Buffer by_prp(64 + 4 * 64), by_sgl(64 + 4 * 64);
    nvme0n1.zone_mgmt_receive(qpair, by_prp, 0, {.partial = true}).waitdone();
    nvme0n1.zone_mgmt_receive(qpair, by_sgl, 0, {.partial = true, .sgl = true}).waitdone();
    expect_sgl(by_sgl, 64 + 4 * 64);
    EXPECT_EQ(by_sgl.data(7, 0), 4u) << "partial: the zones that fit";
    EXPECT_TRUE(by_sgl == by_prp);
}

}  // namespace
