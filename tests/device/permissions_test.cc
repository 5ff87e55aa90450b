// SPDX-License-Identifier: GPL-2.0
// Access is governed by the node's group and mode (udev/70-nvmetest.rules):
// group nvmetest, mode 0660. Where no IOMMU translates the device's DMA,
// opening also takes CAP_SYS_RAWIO unless root set allow_unsafe_dma (which
// taints the kernel). Removal and BAR moves take root's capabilities. A file
// opened read-only may look but not touch, and the netlink events are for
// CAP_NET_ADMIN only.
#include "support/device.h"
#include "support/events.h"
#include "support/kernel_log.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace devtest {
namespace {

constexpr uid_t kNobody = 65534;
constexpr uint64_t kCapBit = 1;
constexpr const char* kUnsafeParam = "/sys/module/nvmetest/parameters/allow_unsafe_dma";
constexpr unsigned long kTaintUser = 1ul << 6;

// The calling thread keeps exactly the capabilities in mask (bit n: CAP n);
// capset(2) directly, as there is no libcap here.
bool set_caps(uint64_t mask) {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    for (int i = 0; i < 2; i++) {
        data[i].effective = static_cast<uint32_t>(mask >> (32 * i));
        data[i].permitted = static_cast<uint32_t>(mask >> (32 * i));
    }
    return ::syscall(SYS_capset, &hdr, data) == 0;
}

unsigned long tainted() {
    auto t = read_file("/proc/sys/kernel/tainted");
    return t ? std::stoul(*t) : 0;
}

// Sets allow_unsafe_dma for the scope, then restores what it was.
class UnsafeDma {
public:
    explicit UnsafeDma(bool on) : old_(read_file(kUnsafeParam)) {
        ok_ = old_ && write_file(kUnsafeParam, on ? "Y" : "N") == 0;
    }
    ~UnsafeDma() {
        if (old_)
            write_file(kUnsafeParam, *old_);
    }
    explicit operator bool() const { return ok_; }

private:
    std::optional<std::string> old_;
    bool ok_ = false;
};

class PermissionsTest : public DeviceTest {
protected:
    // Opens the node in a child that became kNobody with the given groups;
    // the child's exit code is the errno of open (0: opened and GET_INFO worked).
    ChildStatus open_as_nobody(const std::vector<gid_t>& groups) {
        return run_as_nobody(groups, 0, 0, [](int fd) {
            nvmetest_info info;
            return get_info(fd, &info) == 0 ? 0 : 102;
        });
    }

    // A child becomes kNobody with groups, keeping the capabilities in
    // open_caps to open the node and those in use_caps for use(fd). The
    // exit code is the errno of open, else use's value; 100+: setup failed.
    ChildStatus run_as_nobody(const std::vector<gid_t>& groups, uint64_t open_caps,
                              uint64_t use_caps, const std::function<int(int)>& use) {
        std::string path = dev_path(bdf_);
        return run_in_child([&]() -> int {
            if (open_caps && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
                return 103;
            if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(kNobody) != 0 ||
                ::setuid(kNobody) != 0)
                return 100;
            if (::getuid() != kNobody || ::geteuid() != kNobody)
                return 101;
            if (open_caps && !set_caps(open_caps))
                return 104;
            int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
            if (fd < 0)
                return errno;
            if (use_caps != open_caps && !set_caps(use_caps))
                return 104;
            int r = use(fd);
            ::close(fd);
            return r;
        });
    }

    gid_t group() {
        struct group* g = ::getgrnam("nvmetest");
        return g ? g->gr_gid : 0;
    }
    // Whether an IOMMU translates the DUT's DMA, from the kernel's own account
    // (the IOMMU group's default domain), not from the module under test.
    bool iommu() const {
        auto type = read_file("/sys/bus/pci/devices/" + bdf_ + "/iommu_group/type");
        if (!type)
            return false;
        std::string t = type->substr(0, type->find('\n'));
        return t == "DMA" || t == "DMA-FQ";
    }
};

TEST_F(PermissionsTest, NodeHasGroupAndMode) {
    struct group* g = ::getgrnam("nvmetest");
    ASSERT_NE(g, nullptr) << "group nvmetest does not exist";
    struct stat st;
    ASSERT_EQ(::stat(dev_path(bdf_).c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0660u);
    EXPECT_EQ(st.st_gid, g->gr_gid);
    EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(PermissionsTest, OutsiderIsRefused) {
    ChildStatus s = open_as_nobody({});
    ASSERT_TRUE(s.exited) << s.describe();
    EXPECT_EQ(s.exit_code, EACCES) << "0 means it opened; 100+ means the child could not drop "
                                      "privileges";
}

// Behind an IOMMU membership is enough; without one, or with one in
// passthrough, the device can write all memory, which takes CAP_SYS_RAWIO
// (the iommu profile runs this too, with and without iommu=pt).
TEST_F(PermissionsTest, GroupMemberNeedsRawioWithoutIommu) {
    ASSERT_NE(group(), 0u) << "group nvmetest does not exist";
    UnsafeDma off(false);
    ASSERT_TRUE(off) << kUnsafeParam;
    EXPECT_EQ(iommu(), (info_.flags & NVMETEST_INFO_IOMMU) != 0);
    ChildStatus s = open_as_nobody({group()});
    ASSERT_TRUE(s.exited) << s.describe();
    if (iommu())
        EXPECT_EQ(s.exit_code, 0) << "errno " << s.exit_code;
    else
        EXPECT_EQ(s.exit_code, EPERM) << "0: a member without CAP_SYS_RAWIO got the DMA";
    uint64_t rawio = kCapBit << CAP_SYS_RAWIO;
    s = run_as_nobody({group()}, rawio, rawio, [](int fd) {
        nvmetest_info info;
        return get_info(fd, &info) == 0 ? 0 : 102;
    });
    ASSERT_TRUE(s.exited) << s.describe();
    EXPECT_EQ(s.exit_code, 0) << "CAP_SYS_RAWIO alone must be enough; errno " << s.exit_code;
}

// allow_unsafe_dma lets the group in without an IOMMU, taints the kernel
// (TAINT_USER, as vfio's no-IOMMU mode) and logs the device and the process
// once. Without the parameter the member is refused again.
TEST_F(PermissionsTest, UnsafeDmaParameterLetsTheGroupInAndTaints) {
    ASSERT_NE(group(), 0u) << "group nvmetest does not exist";
    if (iommu())
        GTEST_SKIP() << "behind an IOMMU the parameter changes nothing (default profile)";
    auto comm = read_file("/proc/self/comm");
    ASSERT_TRUE(comm);
    std::string name = comm->substr(0, comm->find('\n'));
    {
        UnsafeDma on(true);
        ASSERT_TRUE(on) << kUnsafeParam;
        KernelLog klog;
        ASSERT_TRUE(klog) << "/dev/kmsg: " << strerror(errno);
        ChildStatus s = open_as_nobody({group()});
        ASSERT_TRUE(s.exited) << s.describe();
        EXPECT_EQ(s.exit_code, 0) << "errno " << s.exit_code;
        EXPECT_TRUE(tainted() & kTaintUser) << "tainted " << tainted();
        EXPECT_TRUE(klog.wait_for(bdf_ + ": opened by " + name + "[", std::chrono::seconds(5)))
            << "no log line naming the device and the process";
        s = open_as_nobody({group()});
        ASSERT_TRUE(s.exited) << s.describe();
        EXPECT_EQ(s.exit_code, 0) << "errno " << s.exit_code;
        EXPECT_FALSE(klog.wait_for("allow_unsafe_dma", std::chrono::milliseconds(200)))
            << "logged twice for one device";
    }
    ChildStatus s = open_as_nobody({group()});
    ASSERT_TRUE(s.exited) << s.describe();
    EXPECT_EQ(s.exit_code, EPERM) << "the parameter outlived its reset to N";
}

// Removing the function or rescanning its bus is root's business, as the
// sysfs files are: a member (here with CAP_SYS_RAWIO to open, then without
// any capability) gets EPERM before the arguments are looked at, root gets
// the arguments' EINVAL. Nothing is removed either way.
TEST_F(PermissionsTest, RemoveNeedsSysAdmin) {
    ASSERT_NE(group(), 0u) << "group nvmetest does not exist";
    auto try_remove = [](int fd) {
        auto rm = make_arg<nvmetest_remove>();
        rm.flags = ~0u;
        return -do_ioctl(fd, NVMETEST_REMOVE, &rm);
    };
    ChildStatus s = run_as_nobody({group()}, kCapBit << CAP_SYS_RAWIO, 0, try_remove);
    ASSERT_TRUE(s.exited) << s.describe();
    EXPECT_EQ(s.exit_code, EPERM) << strerror(s.exit_code);
    EXPECT_EQ(try_remove(fd_.get()), EINVAL);
}

// With VFs enabled the function shares its bus, and a hot reset goes through
// the PCI core's bus reset, which resets the VFs too: that is root's, as the
// bus's sysfs reset is. Runs in the sriov profile; the member is refused
// before anything is reset.
TEST_F(PermissionsTest, SharedBusResetNeedsSysAdmin) {
    ASSERT_NE(group(), 0u) << "group nvmetest does not exist";
    std::string numvfs = pci_dir(bdf_) + "/sriov_numvfs";
    if (!read_file(numvfs))
        GTEST_SKIP() << "no SR-IOV: the function is alone on its bus (sriov profile)";
    ASSERT_EQ(write_file(numvfs, "1"), 0) << strerror(errno);
    struct VfsOff {
        std::string path;
        ~VfsOff() { write_file(path, "0"); }
    } off{numvfs};
    nvmetest_info info = get_info(fd_.get());
    ASSERT_TRUE(info.reset_methods & (1u << NVMETEST_RESET_HOT))
        << "the bus below the port should be resettable";
    ChildStatus s = run_as_nobody({group()}, kCapBit << CAP_SYS_RAWIO,
                                  kCapBit << CAP_SYS_RAWIO, [](int fd) {
        auto rs = make_arg<nvmetest_reset>();
        rs.method = NVMETEST_RESET_HOT;
        return -do_ioctl(fd, NVMETEST_RESET, &rs);
    });
    ASSERT_TRUE(s.exited) << s.describe();
    EXPECT_EQ(s.exit_code, EPERM) << (s.exit_code ? strerror(s.exit_code) : "0: it reset the bus");
}

// Writing a BAR moves the function's window over others' addresses, which
// no IOMMU prevents: that takes CAP_SYS_RAWIO. The Command register is the
// member's. Both writes store what is there already.
TEST_F(PermissionsTest, BarWriteNeedsRawio) {
    ASSERT_NE(group(), 0u) << "group nvmetest does not exist";
    uint64_t bar0 = 0, cmd = 0;
    ASSERT_EQ(cfg_read(fd_.get(), 0x10, 4, &bar0), 0);
    ASSERT_EQ(cfg_read(fd_.get(), 0x04, 2, &cmd), 0);
    ChildStatus s = run_as_nobody({group()}, kCapBit << CAP_SYS_RAWIO, 0, [&](int fd) {
        int r = cfg_write(fd, 0x04, 2, cmd);
        if (r != 0)
            return 110;
        return -cfg_write(fd, 0x10, 4, bar0);
    });
    ASSERT_TRUE(s.exited) << s.describe();
    EXPECT_EQ(s.exit_code, EPERM) << (s.exit_code == 110 ? "Command write refused"
                                                         : strerror(s.exit_code));
    EXPECT_EQ(cfg_write(fd_.get(), 0x10, 4, bar0), 0);
    uint64_t now = 0;
    EXPECT_EQ(cfg_read(fd_.get(), 0x10, 4, &now), 0);
    EXPECT_EQ(now, bar0);
}

// Another group is not enough.
TEST_F(PermissionsTest, OtherGroupIsRefused) {
    struct group* g = ::getgrnam("nvmetest");
    ASSERT_NE(g, nullptr);
    gid_t other = g->gr_gid == 100 ? 101 : 100;
    ChildStatus s = open_as_nobody({other});
    ASSERT_TRUE(s.exited) << s.describe();
    EXPECT_EQ(s.exit_code, EACCES);
}

// Reads are allowed on a read-only file; everything that changes the device,
// or lets it write memory, answers EBADF as write(2) would. Arguments that
// are wrong anyway (an unknown reset method, unknown remove flags, a vector
// with nothing set up) make the check come first without disturbing the DUT.
TEST_F(PermissionsTest, ReadOnlyFileCannotChangeTheDevice) {
    UniqueFd ro(::open(dev_path(bdf_).c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(ro) << strerror(errno);
    nvmetest_info info;
    EXPECT_EQ(get_info(ro.get(), &info), 0);
    uint64_t cmd = 0, vs = 0;
    EXPECT_EQ(cfg_read(ro.get(), 0x04, 2, &cmd), 0);
    EXPECT_EQ(bar_read(ro.get(), 0, 0x08, 4, &vs), 0);
    EXPECT_EQ(vs, 0x00010400u);

    EXPECT_EQ(cfg_write(ro.get(), 0x04, 2, cmd), -EBADF);
    EXPECT_EQ(bar_write(ro.get(), 0, 0x08, 4, vs), -EBADF);
    DmaBuffer dma;
    EXPECT_EQ(dma.allocate(ro.get(), 4096, /*map=*/false), -EBADF);
    EXPECT_EQ(dma_free(ro.get(), 1), -EBADF);
    EXPECT_EQ(irq_set_none(ro.get()), -EBADF);
    UniqueFd efd = make_eventfd();
    EXPECT_EQ(irq_set(ro.get(), NVMETEST_IRQ_MSIX, {efd.get()}), -EBADF);
    for (unsigned long op : {NVMETEST_IRQ_MASK, NVMETEST_IRQ_UNMASK, NVMETEST_IRQ_TRIGGER})
        EXPECT_EQ(irq_vector_op(ro.get(), op, 0), -EBADF) << "op " << std::hex << op;
    auto rs = make_arg<nvmetest_reset>();
    rs.method = NVMETEST_RESET_NR;
    EXPECT_EQ(do_ioctl(ro.get(), NVMETEST_RESET, &rs), -EBADF);
    auto rm = make_arg<nvmetest_remove>();
    rm.flags = ~0u;
    EXPECT_EQ(do_ioctl(ro.get(), NVMETEST_REMOVE, &rm), -EBADF);

    // The BARs map for reading only: mmap(2) itself refuses a shared
    // writable mapping of a read-only file, and mprotect cannot add it.
    void* w = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro.get(),
                     NVMETEST_MMAP_BAR(0));
    EXPECT_EQ(w, MAP_FAILED);
    EXPECT_EQ(errno, EACCES);
    Mapping r = Mapping::map(ro.get(), 4096, NVMETEST_MMAP_BAR(0), PROT_READ);
    ASSERT_TRUE(r) << strerror(errno);
    EXPECT_EQ(reinterpret_cast<volatile const uint32_t*>(r.get())[2], 0x00010400u);
    EXPECT_EQ(::mprotect(r.get(), 4096, PROT_READ | PROT_WRITE), -1);

    // The same calls work on a writable file (so EBADF above was the mode).
    EXPECT_EQ(cfg_write(fd_.get(), 0x04, 2, cmd), 0);
    EXPECT_EQ(dma.allocate(fd_.get(), 4096, /*map=*/false), 0);
}

// Events carry the PIDs and addresses of everybody's devices: joining the
// group takes CAP_NET_ADMIN, which a member of group nvmetest does not have.
TEST_F(PermissionsTest, EventsNeedNetAdmin) {
    struct group* g = ::getgrnam("nvmetest");
    ASSERT_NE(g, nullptr) << "group nvmetest does not exist";
    gid_t gid = g->gr_gid;
    // Exit code: 0 joined, 1 refused with EPERM, 100+ setup failed.
    auto join_as_nobody = [&](bool keep_net_admin) {
        return run_in_child([&]() -> int {
            if (keep_net_admin && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
                return 103;
            if (::setgroups(1, &gid) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)
                return 100;
            // Only CAP_NET_ADMIN, from what setuid kept.
            if (keep_net_admin && !set_caps(kCapBit << CAP_NET_ADMIN))
                return 104;
            EventListener ev;
            std::string r = ev.subscribe();
            if (r.empty())
                return 0;
            if (r.find("joining the events group") == 0 &&
                r.find("not permitted") != std::string::npos)
                return 1;
            return 102;
        });
    };
    ChildStatus outsider = join_as_nobody(false);
    ASSERT_TRUE(outsider.exited) << outsider.describe();
    EXPECT_EQ(outsider.exit_code, 1) << "0: a user without CAP_NET_ADMIN joined the events";
    ChildStatus admin = join_as_nobody(true);
    ASSERT_TRUE(admin.exited) << admin.describe();
    EXPECT_EQ(admin.exit_code, 0) << "CAP_NET_ADMIN alone must be enough";
}

} // namespace
} // namespace devtest
