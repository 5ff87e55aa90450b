// SPDX-License-Identifier: BSD-3-Clause
// PcieOptions::msi_only where an MSI capability exists (profile edu: QEMU's
// edu device has MSI and INTx, the NVMe DUT MSI-X only): accepted on the
// function with MSI, refused on the one without.
#include <nvmetest/fixtures.h>

#include <cstdlib>
#include <string>

namespace {

using nvmetest::Pcie;

std::string env(const char* name)
{
    const char* v = std::getenv(name);
    return v ? v : "";
}

TEST(MsiOnly, AcceptedWhereTheFunctionHasMsi)
{
    const std::string edu_addr = env("NVMETEST_EDU");
    ASSERT_FALSE(edu_addr.empty()) << "profile edu sets NVMETEST_EDU";
    Pcie edu(edu_addr, {.msi_only = true});
    EXPECT_TRUE(edu.msi_only());
    EXPECT_TRUE(edu.cap_offset(0x05).has_value());
    EXPECT_GE(edu.info().msi_vectors, 1u);
}

TEST(MsiOnly, RefusedOnTheNvmeFunctionNextToIt)
{
    const std::string nvme_addr = env("NVMETEST_DUT");
    ASSERT_FALSE(nvme_addr.empty());
    EXPECT_THROW(Pcie(nvme_addr, {.msi_only = true}), nvmetest::UsageError);
    Pcie plain(nvme_addr);
    EXPECT_FALSE(plain.msi_only());
}

}  // namespace
