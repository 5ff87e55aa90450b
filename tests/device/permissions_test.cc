// SPDX-License-Identifier: GPL-2.0
// Access is governed by the node's group and mode (udev/70-nvmetest.rules):
// group nvmetest, mode 0660. A file opened read-only may look but not touch,
// and the netlink events are for CAP_NET_ADMIN only.
#include "support/device.h"
#include "support/events.h"

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

class PermissionsTest : public DeviceTest {
protected:
    // Opens the node in a child that became kNobody with the given groups;
    // the child's exit code is the errno of open (0: opened and GET_INFO worked).
    ChildStatus open_as_nobody(const std::vector<gid_t>& groups) {
        std::string path = dev_path(bdf_);
        return run_in_child([&]() -> int {
            if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(kNobody) != 0 ||
                ::setuid(kNobody) != 0)
                return 100;
            if (::getuid() != kNobody || ::geteuid() != kNobody)
                return 101;
            int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
            if (fd < 0)
                return errno;
            nvmetest_info info;
            int r = get_info(fd, &info);
            ::close(fd);
            return r == 0 ? 0 : 102;
        });
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

TEST_F(PermissionsTest, GroupMemberIsAllowed) {
    struct group* g = ::getgrnam("nvmetest");
    ASSERT_NE(g, nullptr) << "group nvmetest does not exist";
    ChildStatus s = open_as_nobody({g->gr_gid});
    ASSERT_TRUE(s.exited) << s.describe();
    EXPECT_EQ(s.exit_code, 0) << "errno " << s.exit_code;
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
            if (keep_net_admin) {
                // Only CAP_NET_ADMIN, from what setuid kept (no libcap here).
                __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
                __user_cap_data_struct data[2]{};
                data[CAP_NET_ADMIN / 32].effective = 1u << (CAP_NET_ADMIN % 32);
                data[CAP_NET_ADMIN / 32].permitted = 1u << (CAP_NET_ADMIN % 32);
                if (::syscall(SYS_capset, &hdr, data) != 0)
                    return 104;
            }
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
