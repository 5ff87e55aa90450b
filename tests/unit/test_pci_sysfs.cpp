// SPDX-License-Identifier: BSD-3-Clause
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "nvmetest/pci_sysfs.h"

namespace fs = std::filesystem;
using namespace nvmetest;

namespace {

void write_file(const fs::path& p, const std::string& text)
{
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

std::string read_file(const fs::path& p)
{
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A synthetic /sys, /proc and /dev: one QEMU NVMe function 0000:01:00.0 bound to
// nvme with namespace nvme0n1 (259:0) and its partition nvme0n1p1 (259:1), and a
// bridge 0000:00:1c.0.
class FakeSystem : public testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/nvmetest-sysfs-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root = tmpl;
        roots = {(root / "sys").string(), (root / "proc").string(), (root / "dev").string()};
        const fs::path sys = roots.sys;
        fs::create_directories(sys / "bus/pci/drivers/nvme");
        fs::create_directories(sys / "bus/pci/drivers/nvmetest");
        write_file(sys / "bus/pci/drivers_probe", "");
        write_file(sys / "bus/pci/drivers/nvme/unbind", "");
        write_file(sys / "bus/pci/drivers/nvmetest/bind", "");

        dev = sys / "bus/pci/devices/0000:01:00.0";
        write_file(dev / "vendor", "0x1b36\n");
        write_file(dev / "device", "0x0010\n");
        write_file(dev / "class", "0x010802\n");
        write_file(dev / "driver_override", "(null)\n");
        fs::create_directory_symlink("../../drivers/nvme", dev / "driver");
        const fs::path ns = dev / "nvme/nvme0/nvme0n1";
        write_file(ns / "dev", "259:0\n");
        write_file(ns / "nvme0n1p1/partition", "1\n");
        write_file(ns / "nvme0n1p1/dev", "259:1\n");
        write_file(dev / "nvme/nvme0/cntlid", "0\n");  // not a namespace
        for (const char* b : {"nvme0n1", "nvme0n1p1"}) {
            write_file(sys / "class/block" / b / "dev", b == std::string("nvme0n1") ? "259:0\n" : "259:1\n");
            fs::create_directories(sys / "class/block" / b / "holders");
        }

        const fs::path bridge = sys / "bus/pci/devices/0000:00:1c.0";
        write_file(bridge / "vendor", "0x1b36\n");
        write_file(bridge / "device", "0x000c\n");
        write_file(bridge / "class", "0x060400\n");

        write_file(fs::path(roots.proc) / "self/mountinfo",
                   "22 1 0:21 / / rw,relatime - overlay overlay rw\n");
        write_file(fs::path(roots.proc) / "swaps",
                   "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        fs::create_directories(roots.dev);
    }
    void TearDown() override { fs::remove_all(root); }

    fs::path root;
    fs::path dev;
    SysfsRoots roots;
};

}  // namespace

TEST_F(FakeSystem, ListsFunctionsWithDrivers)
{
    PciSysfs s(roots);
    const auto fns = s.functions();
    ASSERT_EQ(fns.size(), 2u);
    EXPECT_EQ(fns[0].bdf.to_string(), "0000:00:1c.0");
    EXPECT_FALSE(fns[0].is_nvme());
    EXPECT_EQ(fns[0].driver, "");
    EXPECT_EQ(fns[1].bdf.to_string(), "0000:01:00.0");
    EXPECT_TRUE(fns[1].is_nvme());
    EXPECT_EQ(fns[1].vendor_id, 0x1b36);
    EXPECT_EQ(fns[1].class_code, 0x010802u);
    EXPECT_EQ(fns[1].driver, "nvme");
    EXPECT_EQ(fns[1].driver_override, "");
    EXPECT_TRUE(s.module_loaded());
    EXPECT_TRUE(s.bound().empty());
}

TEST_F(FakeSystem, FindsNamespacesAndPartitions)
{
    PciSysfs s(roots);
    EXPECT_EQ(s.block_devices(*Bdf::parse("0000:01:00.0")),
              (std::vector<std::string>{"nvme0n1", "nvme0n1p1"}));
    EXPECT_TRUE(s.block_devices(*Bdf::parse("0000:00:1c.0")).empty());
}

TEST_F(FakeSystem, FindsMultipathHeads)
{
    const fs::path sys = roots.sys;
    fs::remove_all(dev / "nvme/nvme0/nvme0n1");
    fs::create_directories(dev / "nvme/nvme0/nvme0c0n1");
    write_file(sys / "block/nvme0n1/dev", "259:0\n");
    PciSysfs s(roots);
    EXPECT_EQ(s.block_devices(*Bdf::parse("0000:01:00.0")), (std::vector<std::string>{"nvme0n1"}));
}

TEST_F(FakeSystem, FreeDeviceHasNoUsers)
{
    PciSysfs s(roots);
    EXPECT_TRUE(s.busy_block_devices(*Bdf::parse("0000:01:00.0")).empty());
}

TEST_F(FakeSystem, MountedPartitionRefusesBind)
{
    write_file(fs::path(roots.proc) / "self/mountinfo",
               "22 1 0:21 / / rw - overlay overlay rw\n"
               "40 22 259:1 / /mnt/my\\040data rw,relatime - ext4 /dev/nvme0n1p1 rw\n");
    PciSysfs s(roots);
    const Bdf bdf = *Bdf::parse("0000:01:00.0");
    const auto busy = s.busy_block_devices(bdf);
    ASSERT_EQ(busy.size(), 1u);
    EXPECT_EQ(busy[0].name, "nvme0n1p1");
    ASSERT_EQ(busy[0].reasons.size(), 1u);
    EXPECT_EQ(busy[0].reasons[0], "is mounted on /mnt/my data");
    try {
        s.bind(bdf, std::chrono::milliseconds(0));
        FAIL() << "bind went ahead";
    } catch (const BindRefusedError& e) {
        EXPECT_EQ(e.users().size(), 1u);
        EXPECT_NE(std::string(e.what()).find("nvme0n1p1 is mounted on /mnt/my data"),
                  std::string::npos)
            << e.what();
    }
    // Nothing was touched.
    EXPECT_EQ(read_file(dev / "driver_override"), "(null)\n");
    EXPECT_EQ(read_file(fs::path(roots.sys) / "bus/pci/drivers/nvme/unbind"), "");
}

TEST_F(FakeSystem, SwapAndHoldersRefuseBind)
{
    write_file(fs::path(roots.proc) / "swaps",
               "Filename\tType\tSize\tUsed\tPriority\n/dev/nvme0n1p1 partition 1024 0 -2\n");
    fs::create_directories(fs::path(roots.sys) / "class/block/nvme0n1/holders/dm-0");
    PciSysfs s(roots);
    const auto busy = s.busy_block_devices(*Bdf::parse("0000:01:00.0"));
    ASSERT_EQ(busy.size(), 2u);
    EXPECT_EQ(busy[0].name, "nvme0n1");
    EXPECT_EQ(busy[0].reasons, std::vector<std::string>{"is held by dm-0"});
    EXPECT_EQ(busy[1].name, "nvme0n1p1");
    EXPECT_EQ(busy[1].reasons, std::vector<std::string>{"is used as swap"});
    EXPECT_THROW(s.bind(*Bdf::parse("0000:01:00.0"), std::chrono::milliseconds(0)),
                 BindRefusedError);
}

TEST_F(FakeSystem, BindWritesOverrideUnbindAndProbe)
{
    PciSysfs s(roots);
    // The fake kernel does not move the driver link, so bind must notice and say so.
    try {
        s.bind(*Bdf::parse("01:00.0"), std::chrono::milliseconds(0));
        FAIL() << "bind claimed success";
    } catch (const BindRefusedError&) {
        FAIL() << "a free device was refused";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("dmesg"), std::string::npos) << e.what();
    }
    EXPECT_EQ(read_file(dev / "driver_override"), "nvmetest");
    EXPECT_EQ(read_file(fs::path(roots.sys) / "bus/pci/drivers/nvme/unbind"), "0000:01:00.0");
    EXPECT_EQ(read_file(fs::path(roots.sys) / "bus/pci/drivers_probe"), "0000:01:00.0");
}

TEST_F(FakeSystem, BindOfAnAlreadyBoundFunctionWaitsForItsNode)
{
    fs::remove(dev / "driver");
    fs::create_directory_symlink("../../drivers/nvmetest", dev / "driver");
    write_file(fs::path(roots.dev) / "nvmetest/0000:01:00.0", "");
    PciSysfs s(roots);
    const auto r = s.bind(*Bdf::parse("01:00.0"), std::chrono::milliseconds(0));
    EXPECT_TRUE(r.already_bound);
    EXPECT_TRUE(r.node_ready);
    EXPECT_EQ(r.node, roots.dev + "/nvmetest/0000:01:00.0");
    EXPECT_EQ(s.bound().size(), 0u);  // drivers/nvmetest has no link in the fake tree
    EXPECT_EQ(s.function(*Bdf::parse("01:00.0"))->node, r.node);
}

TEST_F(FakeSystem, UnbindClearsOverrideAndProbes)
{
    fs::remove(dev / "driver");
    fs::create_directory_symlink("../../drivers/nvmetest", dev / "driver");
    write_file(dev / "driver_override", "nvmetest\n");
    write_file(fs::path(roots.sys) / "bus/pci/drivers/nvmetest/unbind", "");
    PciSysfs s(roots);
    s.unbind(*Bdf::parse("01:00.0"));
    EXPECT_EQ(read_file(dev / "driver_override"), "\n");
    EXPECT_EQ(read_file(fs::path(roots.sys) / "bus/pci/drivers/nvmetest/unbind"), "0000:01:00.0");
    EXPECT_EQ(read_file(fs::path(roots.sys) / "bus/pci/drivers_probe"), "0000:01:00.0");
}

TEST_F(FakeSystem, MissingModuleAndFunctionAreExplained)
{
    fs::remove_all(fs::path(roots.sys) / "bus/pci/drivers/nvmetest");
    PciSysfs s(roots);
    EXPECT_FALSE(s.module_loaded());
    try {
        s.bind(*Bdf::parse("01:00.0"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("insmod"), std::string::npos);
    }
    EXPECT_THROW(s.bind(*Bdf::parse("0000:05:00.0")), UsageError);
}

TEST(Mountinfo, ParsesDevicesAndEscapedMountPoints)
{
    const auto m = parse_mountinfo("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw\n"
                                   "37 35 259:3 / /a\\040b rw - xfs /dev/nvme0n1p3 rw\n"
                                   "garbage\n");
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0], (std::pair<std::string, std::string>{"98:0", "/mnt2"}));
    EXPECT_EQ(m[1], (std::pair<std::string, std::string>{"259:3", "/a b"}));
}

TEST(Swaps, SkipsTheHeader)
{
    EXPECT_EQ(parse_swaps("Filename Type Size Used Priority\n/dev/nvme0n1p2 partition 1 0 -2\n"
                          "/swap\\040file file 1 0 -3\n"),
              (std::vector<std::string>{"/dev/nvme0n1p2", "/swap file"}));
    EXPECT_TRUE(parse_swaps("").empty());
}
