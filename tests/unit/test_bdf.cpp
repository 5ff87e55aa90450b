// SPDX-License-Identifier: BSD-3-Clause
#include <gtest/gtest.h>

#include "nvmetest/bdf.h"
#include "nvmetest/errors.h"

using nvmetest::Bdf;

TEST(Bdf, ParsesFullAddress)
{
    auto b = Bdf::parse("0000:01:00.0");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->domain, 0u);
    EXPECT_EQ(b->bus, 1);
    EXPECT_EQ(b->device, 0);
    EXPECT_EQ(b->function, 0);
    EXPECT_EQ(b->to_string(), "0000:01:00.0");
}

TEST(Bdf, ParsesShortFormAsDomainZero)
{
    auto b = Bdf::parse("3a:1f.7");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->domain, 0u);
    EXPECT_EQ(b->bus, 0x3a);
    EXPECT_EQ(b->device, 0x1f);
    EXPECT_EQ(b->function, 7);
    EXPECT_EQ(b->to_string(), "0000:3a:1f.7");
}

TEST(Bdf, AcceptsUpperCaseAndLargeDomains)
{
    auto b = Bdf::parse("10000:AB:0C.1");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->domain, 0x10000u);
    EXPECT_EQ(b->bus, 0xab);
    EXPECT_EQ(b->to_string(), "10000:ab:0c.1");
}

TEST(Bdf, RejectsMalformedAddresses)
{
    for (const char* s : {"", "01:00", "01.00.0", "0000:01:00.8", "0000:01:20.0", "0000:100:00.0",
                          "0000:01:00.0x", "x000:01:00.0", "0000::00.0", ":01:00.0", "0:0:0:0.0",
                          "123456789:00:00.0", "01:00.", "01:00.10"})
        EXPECT_FALSE(Bdf::parse(s)) << s;
}

TEST(Bdf, FromStringThrowsUsageErrorShowingTheFormat)
{
    try {
        Bdf::from_string("nvme0");
        FAIL() << "no exception";
    } catch (const nvmetest::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("0000:01:00.0"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("nvme0"), std::string::npos);
    }
}

TEST(Bdf, OrdersByDomainBusDeviceFunction)
{
    EXPECT_LT(*Bdf::parse("0000:01:00.0"), *Bdf::parse("0000:01:00.1"));
    EXPECT_LT(*Bdf::parse("0000:01:1f.7"), *Bdf::parse("0000:02:00.0"));
    EXPECT_LT(*Bdf::parse("0000:ff:00.0"), *Bdf::parse("0001:00:00.0"));
    EXPECT_EQ(*Bdf::parse("01:00.0"), *Bdf::parse("0000:01:00.0"));
}
