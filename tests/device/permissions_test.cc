// SPDX-License-Identifier: GPL-2.0
// Access is governed by the node's group and mode (udev/70-nvmetest.rules):
// group nvmetest, mode 0660.
#include "support/device.h"

#include <grp.h>
#include <sys/stat.h>
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

} // namespace
} // namespace devtest
