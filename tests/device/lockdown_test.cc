// Kernel lockdown: with LOCKDOWN_PCI_ACCESS in force (integrity mode and
// above) the module refuses to open a device node, as the kernel refuses raw
// PCI access through sysfs and /dev/mem.  Lockdown cannot be lifted once set,
// so this runs alone in its own guest, last of nothing.
#include "support/device.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace devtest {
namespace {

const char* const kLockdown = "/sys/kernel/security/lockdown";

std::string node_path() { return "/dev/nvmetest/" + dut_bdf(); }

// securityfs is not mounted by the harness; the lockdown file lives there.
void mount_securityfs() {
    struct stat st{};
    if (::stat(kLockdown, &st) == 0)
        return;
    ASSERT_EQ(::mount("securityfs", "/sys/kernel/security", "securityfs", 0, nullptr), 0)
        << strerror(errno);
    ASSERT_EQ(::stat(kLockdown, &st), 0) << "no " << kLockdown << ": " << strerror(errno);
}

TEST(LockdownTest, OpenRefusedOnceIntegrityLockdownIsOn) {
    ASSERT_NO_FATAL_FAILURE(mount_securityfs());
    auto mode = read_file(kLockdown);
    ASSERT_TRUE(mode);
    // The selected mode is shown in brackets: "[none] integrity confidentiality".
    ASSERT_NE(mode->find("[none]"), std::string::npos) << "guest already locked down: " << *mode;

    // Without lockdown root opens the node.
    int fd = ::open(node_path().c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0) << node_path() << ": " << strerror(errno);
    ::close(fd);

    ASSERT_EQ(write_file(kLockdown, "integrity"), 0);
    mode = read_file(kLockdown);
    ASSERT_TRUE(mode);
    ASSERT_NE(mode->find("[integrity]"), std::string::npos) << *mode;

    errno = 0;
    fd = ::open(node_path().c_str(), O_RDWR | O_CLOEXEC);
    EXPECT_EQ(fd, -1);
    EXPECT_EQ(errno, EPERM) << "open under lockdown: " << strerror(errno);
    if (fd >= 0)
        ::close(fd);
}

}  // namespace
}  // namespace devtest
