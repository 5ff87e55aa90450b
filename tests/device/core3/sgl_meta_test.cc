// SPDX-License-Identifier: BSD-3-Clause
// SGLs with metadata (profile multi-ns): namespace 3 (512+8, extended LBA)
// carries the metadata in the data SGL; namespace 4 (4096+16, separate
// buffer) keeps MPTR a contiguous buffer (PSDT 01b).
#include <nvmetest/fixtures.h>

namespace {

using nvmetest::Buffer;
namespace psdt = nvmetest::nvme::psdt;

class MetaSglTest : public nvmetest::testing::Nvme0Test {
protected:
    nvmetest::Qpair qpair{nvme0, 16};
};

TEST_F(MetaSglTest, ExtendedLbaThroughSgl)
{
    nvmetest::Namespace ns3(nvme0, 3);
    Buffer w(8 * 520, {.pvalue = 100, .ptype = 0xbeef});
    ns3.write(qpair, w, 32, 8, {.sgl = true}).waitdone();
    EXPECT_EQ(qpair.cmdlog(1)[0].sqe.sgl1().length(), 8u * 520);
    Buffer r(8 * 520);
    ns3.read(qpair, r, 32, 8, {.sgl = true}).waitdone();
    EXPECT_TRUE(r == w);
}

TEST_F(MetaSglTest, SeparateMetadataWithSglData)
{
    nvmetest::Namespace ns4(nvme0, 4);
    Buffer w(2 * 4096, {.pvalue = 100, .ptype = 0xbeef});
    Buffer wm(2 * 16, {.pvalue = 100, .ptype = 0xbeef});
    ns4.write(qpair, w, 20, 2, {.meta = &wm, .sgl = true}).waitdone();
    const auto sqe = qpair.cmdlog(1)[0].sqe;
    EXPECT_EQ(sqe.psdt(), psdt::kSglContiguousMeta);
    EXPECT_EQ(sqe.mptr(), wm.phys_addr());
    EXPECT_EQ(sqe.sgl1().address(), w.phys_addr());
    Buffer r(2 * 4096), rm(2 * 16);
    ns4.read(qpair, r, 20, 2, {.meta = &rm, .sgl = true}).waitdone();
    EXPECT_TRUE(r == w);
    EXPECT_TRUE(rm == wm);
}

}  // namespace
