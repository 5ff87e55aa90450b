// SPDX-License-Identifier: BSD-3-Clause
//
// What KmodDevice does without a module: the failures a user meets first.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "nvmetest/kmod_device.h"

namespace fs = std::filesystem;
using namespace nvmetest;

namespace {

class DevDir : public testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/nvmetest-dev-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        ::setenv("NVMETEST_DEV_DIR", dir.c_str(), 1);
    }
    void TearDown() override
    {
        ::unsetenv("NVMETEST_DEV_DIR");
        fs::remove_all(dir);
    }
    fs::path dir;
};

}  // namespace

TEST_F(DevDir, NodePathHonoursTheEnvironment)
{
    EXPECT_EQ(KmodDevice::node_path(*Bdf::parse("01:00.0")), (dir / "0000:01:00.0").string());
    ::unsetenv("NVMETEST_DEV_DIR");
    EXPECT_EQ(KmodDevice::node_path(*Bdf::parse("01:00.0")), "/dev/nvmetest/0000:01:00.0");
}

TEST_F(DevDir, MissingNodeIsASystemErrorThatSaysWhatToDo)
{
    try {
        KmodDevice dev("0000:fe:1f.7");
        FAIL() << "opened a node that does not exist";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.code(), ENOENT);
        EXPECT_EQ(e.op(), Op::Open);
        const std::string w = e.what();
        EXPECT_NE(w.find("0000:fe:1f.7"), std::string::npos) << w;
        EXPECT_NE(w.find("lspci"), std::string::npos) << w;  // no such function on this host
    }
}

TEST_F(DevDir, AFileThatIsNotANodeIsRefusedOnTheInfoIoctl)
{
    std::ofstream(dir / "0000:fe:1f.7") << "not a device";
    try {
        KmodDevice dev("fe:1f.7");
        FAIL() << "a regular file passed for a device";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.code(), ENOTTY);
        EXPECT_EQ(e.op(), Op::Info);
        EXPECT_NE(std::string(e.what()).find("not an nvmetest device node"), std::string::npos)
            << e.what();
    }
}

TEST(KmodDevice, BadAddressIsAUsageError)
{
    EXPECT_THROW(KmodDevice("nvme0"), UsageError);
}
