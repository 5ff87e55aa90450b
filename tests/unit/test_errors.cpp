// SPDX-License-Identifier: BSD-3-Clause
#include <gtest/gtest.h>

#include <cerrno>

#include "nvmetest/errors.h"

using namespace nvmetest;

namespace {
bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST(ErrnoAdvice, PermissionOnOpenNamesTheGroup)
{
    const auto s = errno_advice(EACCES, Op::Open, {"0000:01:00.0", {}});
    EXPECT_TRUE(contains(s, "group nvmetest")) << s;
    EXPECT_TRUE(contains(s, "root")) << s;
}

// EPERM from open is the kernel's, not the node's mode: no IOMMU (or lockdown).
TEST(ErrnoAdvice, EpermOnOpenNamesRawioAndTheParameter)
{
    const auto s = errno_advice(EPERM, Op::Open, {"0000:01:00.0", {}});
    EXPECT_TRUE(contains(s, "CAP_SYS_RAWIO")) << s;
    EXPECT_TRUE(contains(s, "allow_unsafe_dma")) << s;
    EXPECT_FALSE(contains(s, "usermod")) << s;
}

TEST(ErrnoAdvice, EpermOnRemoveAsksForSysAdmin)
{
    EXPECT_TRUE(contains(errno_advice(EPERM, Op::Remove), "CAP_SYS_ADMIN"));
}

TEST(ErrnoAdvice, PermissionOnSysfsAsksForRoot)
{
    EXPECT_TRUE(contains(errno_advice(EACCES, Op::Sysfs), "root"));
}

TEST(ErrnoAdvice, RemovedDeviceSaysRescanOrRebind)
{
    const auto s = errno_advice(ENODEV, Op::BarRead, {"0000:01:00.0", {}});
    EXPECT_TRUE(contains(s, "removed")) << s;
    EXPECT_TRUE(contains(s, "rescan")) << s;
    EXPECT_TRUE(contains(s, "nvmetest-ctl bind 0000:01:00.0")) << s;
}

TEST(ErrnoAdvice, MissingNodeSaysHowToBind)
{
    const auto s = errno_advice(ENOENT, Op::Open, {"0000:01:00.0", {}});
    EXPECT_TRUE(contains(s, "/dev/nvmetest/0000:01:00.0")) << s;
    EXPECT_TRUE(contains(s, "nvmetest-ctl bind 0000:01:00.0")) << s;
    EXPECT_TRUE(contains(errno_advice(ENOENT, Op::Open, {"0000:01:00.0", "no-module"}),
                         "insmod"));
    EXPECT_TRUE(contains(errno_advice(ENOENT, Op::Open, {"0000:01:00.0", "no-function"}),
                         "lspci"));
}

TEST(ErrnoAdvice, DmaLimitsNameTheModuleParameters)
{
    const auto s = errno_advice(ENOSPC, Op::DmaAlloc, {"0000:01:00.0", "per open file 64 MiB"});
    EXPECT_TRUE(contains(s, "dma_limit_file")) << s;
    EXPECT_TRUE(contains(s, "dma_limit_device")) << s;
    EXPECT_TRUE(contains(s, "per open file 64 MiB")) << s;
    EXPECT_TRUE(contains(errno_advice(ENOMEM, Op::DmaAlloc), "4 MiB"));
}

TEST(ErrnoAdvice, UnsupportedResetsNameTheTopologyNeeded)
{
    EXPECT_TRUE(contains(errno_advice(EOPNOTSUPP, Op::Reset, {"", "hot"}), "bridge"));
    EXPECT_TRUE(contains(errno_advice(EOPNOTSUPP, Op::Reset, {"", "hot"}), "pcie-root-port"));
    EXPECT_TRUE(contains(errno_advice(EOPNOTSUPP, Op::Reset, {"", "flr"}), "FLR"));
    EXPECT_TRUE(contains(errno_advice(EOPNOTSUPP, Op::Reset, {"", "link"}), "Link Control"));
    EXPECT_TRUE(contains(errno_advice(EOPNOTSUPP, Op::Reset, {"", "pm"}), "No_Soft_Reset"));
    EXPECT_TRUE(contains(errno_advice(ENOTTY, Op::Reset, {"", "flr"}), "older"));
}

TEST(ErrnoAdvice, DmaFreeErrorsOfTheModule)
{
    EXPECT_TRUE(contains(errno_advice(ENOENT, Op::DmaFree), "freed twice"));
    EXPECT_TRUE(contains(errno_advice(EBUSY, Op::DmaFree), "still mapped"));
}

TEST(ErrnoAdvice, BusyInterruptsNameTheOtherOwner)
{
    EXPECT_TRUE(contains(errno_advice(EBUSY, Op::IrqSetup, {"0000:01:00.0", {}}),
                         "another open file"));
    EXPECT_TRUE(contains(errno_advice(EBUSY, Op::Reset), "busy"));
}

TEST(ErrnoAdvice, EveryErrnoGivesASentence)
{
    for (int err = 1; err < 134; ++err)
        for (auto op : {Op::Open, Op::ConfigRead, Op::BarMap, Op::DmaAlloc, Op::IrqSetup,
                        Op::Reset, Op::Sysfs, Op::Netlink})
            EXPECT_GT(errno_advice(err, op).size(), 10u) << err;
}

TEST(SystemError, MessageHasActionStrerrorNameAndAdvice)
{
    SystemError e(ENODEV, Op::ConfigRead, "config read at 0x0 on 0000:01:00.0",
                  {"0000:01:00.0", {}});
    const std::string w = e.what();
    EXPECT_EQ(e.code(), ENODEV);
    EXPECT_EQ(e.op(), Op::ConfigRead);
    EXPECT_TRUE(contains(w, "config read at 0x0 on 0000:01:00.0: ")) << w;
    EXPECT_TRUE(contains(w, "(ENODEV)")) << w;
    EXPECT_TRUE(contains(w, "rescan")) << w;
}

TEST(SystemError, ThrowPicksTheSubclass)
{
    EXPECT_THROW(throw_system_error(ENODEV, Op::BarRead, "x"), DeviceGoneError);
    EXPECT_THROW(throw_system_error(EACCES, Op::Open, "x"), PermissionError);
    EXPECT_THROW(throw_system_error(EPERM, Op::ConfigWrite, "x"), PermissionError);
    try {
        throw_system_error(EINVAL, Op::DmaFree, "x");
    } catch (const DeviceGoneError&) {
        FAIL() << "EINVAL is not a removal";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.code(), EINVAL);
        EXPECT_TRUE(contains(e.what(), "freed twice"));
    }
}

TEST(AbiMismatchError, NamesBothVersionsAndTheFix)
{
    AbiMismatchError e(2, 1);
    EXPECT_EQ(e.module_version(), 2u);
    EXPECT_EQ(e.library_version(), 1u);
    const std::string w = e.what();
    EXPECT_TRUE(contains(w, "version 2")) << w;
    EXPECT_TRUE(contains(w, "version 1")) << w;
    EXPECT_TRUE(contains(w, "insmod")) << w;
    EXPECT_TRUE(dynamic_cast<const Error*>(&e));
}

TEST(ErrnoName, KnowsTheSymbols)
{
    EXPECT_EQ(errno_name(ENODEV), "ENODEV");
    EXPECT_EQ(errno_name(EOPNOTSUPP), "EOPNOTSUPP");
}
