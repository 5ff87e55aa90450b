// SPDX-License-Identifier: BSD-3-Clause
// Interrupts of a metamode CQ through the kernel module: a completion raises
// the CQ's vector, a masked vector holds it, unmasking delivers it; a CQ
// created with interrupts disabled raises nothing.
#include "meta_fixture.h"

#include <chrono>
#include <thread>

namespace {

namespace meta = nvmetest::meta;
using nvmetest::testing::MetaTest;
using namespace std::chrono_literals;

// Vector 2: neither the admin queue's (0) nor shared with a library Qpair here.
constexpr unsigned kVector = 2;

TEST_F(MetaTest, CompletionRaisesTheVectorAndMaskingHoldsIt)
{
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16), {.iv = kVector, .ien = true});
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    ASSERT_TRUE(cq.created());
    EXPECT_EQ(cq.iv(), kVector);
    meta::PRP buf(4096);

    cq.msix_clear();
    EXPECT_FALSE(cq.msix_isset());
    sq.read({.cid = 1, .prp1 = buf});
    sq.set_tail(1);
    cq.waitdone(1);
    EXPECT_TRUE(cq.wait_msix(1000)) << "no interrupt on vector " << kVector;

    // Masked: the completion is posted, the interrupt is held back.
    cq.set_head(1);
    cq.msix_mask();
    cq.msix_clear();
    sq.read({.cid = 2, .prp1 = buf});
    sq.set_tail(2);
    EXPECT_EQ(cq.waitdone(1).cid(), 2);
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(cq.msix_isset()) << "a masked vector fired";

    // Unmasked: the pending interrupt arrives.
    cq.msix_unmask();
    EXPECT_TRUE(cq.wait_msix(1000)) << "unmasking did not deliver the pending interrupt";
    cq.set_head(2);
}

TEST_F(MetaTest, InterruptsDisabledRaiseNothing)
{
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16), {.iv = kVector, .ien = false});
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    meta::PRP buf(4096);
    cq.msix_clear();
    sq.read({.cid = 1, .prp1 = buf});
    sq.set_tail(1);
    EXPECT_EQ(cq.waitdone(1).status(), 0);
    cq.set_head(1);
    EXPECT_FALSE(cq.wait_msix(200)) << "a CQ with IEN = 0 raised its vector";
}

}  // namespace
