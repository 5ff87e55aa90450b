// SPDX-License-Identifier: BSD-3-Clause
#include <gtest/gtest.h>

#include "nvmetest/bar.h"
#include "nvmetest/device_info.h"
#include "nvmetest/dma.h"
#include "nvmetest/errors.h"
#include "nvmetest/irq.h"

using namespace nvmetest;

TEST(DeviceInfo, ResetMethodNamesRoundTrip)
{
    for (auto m : {ResetMethod::Flr, ResetMethod::Hot, ResetMethod::Link, ResetMethod::Pm})
        EXPECT_EQ(parse_reset_method(to_string(m)), m);
    EXPECT_EQ(to_string(ResetMethod::Hot), "hot");
    EXPECT_FALSE(parse_reset_method("cold"));
}

TEST(DeviceInfo, IrqTypeNamesRoundTrip)
{
    for (auto t : {IrqType::None, IrqType::Intx, IrqType::Msi, IrqType::Msix})
        EXPECT_EQ(parse_irq_type(to_string(t)), t);
    EXPECT_EQ(parse_irq_type("msi-x"), IrqType::Msix);
    EXPECT_FALSE(parse_irq_type("nmi"));
}

TEST(DeviceInfo, SupportsAndVectors)
{
    DeviceInfo i;
    i.reset_methods = (1u << 0) | (1u << 3);
    EXPECT_TRUE(i.supports(ResetMethod::Flr));
    EXPECT_FALSE(i.supports(ResetMethod::Hot));
    EXPECT_FALSE(i.supports(ResetMethod::Link));
    EXPECT_TRUE(i.supports(ResetMethod::Pm));
    i.intx = true;
    i.msix_vectors = 65;
    EXPECT_EQ(i.vectors(IrqType::Intx), 1u);
    EXPECT_EQ(i.vectors(IrqType::Msi), 0u);
    EXPECT_EQ(i.vectors(IrqType::Msix), 65u);
}

TEST(DeviceInfo, ClassNamesAndSummary)
{
    EXPECT_NE(class_name(0x010802).find("NVM Express"), std::string::npos);
    EXPECT_NE(class_name(0x060400).find("PCI bridge"), std::string::npos);
    DeviceInfo i;
    i.bdf = *Bdf::parse("0000:01:00.0");
    i.vendor_id = 0x1b36;
    i.device_id = 0x0010;
    i.revision = 2;
    i.class_code = 0x010802;
    EXPECT_EQ(i.summary(), "0000:01:00.0 1b36:0010 rev 02 class 010802 "
                           "(Non-Volatile memory controller (NVM Express))");
}

TEST(DeviceInfo, BarFlags)
{
    BarInfo b{16384, BarInfo::kMem | BarInfo::k64Bit | BarInfo::kMmap};
    EXPECT_TRUE(b.implemented());
    EXPECT_TRUE(b.memory());
    EXPECT_TRUE(b.is_64bit());
    EXPECT_TRUE(b.mappable());
    EXPECT_FALSE(b.prefetchable());
    EXPECT_FALSE(b.io());
    EXPECT_FALSE(BarInfo{}.implemented());
}

TEST(EmptyHandles, RefuseUseWithUsageErrors)
{
    IrqSet irq;
    EXPECT_FALSE(irq);
    EXPECT_THROW(irq.trigger(0), UsageError);
    EXPECT_THROW(irq.wait(0, std::chrono::milliseconds(1)), UsageError);
    EXPECT_EQ(irq.counter(0), 0u);
    EXPECT_NO_THROW(irq.teardown());

    BarMapping bar;
    EXPECT_FALSE(bar);
    EXPECT_THROW(bar.read32(0), UsageError);

    DmaMemory dma;
    EXPECT_FALSE(dma);
    EXPECT_EQ(dma.size(), 0u);
    EXPECT_NO_THROW(dma.free());
    DmaMemory moved = std::move(dma);
    EXPECT_FALSE(moved);
}
