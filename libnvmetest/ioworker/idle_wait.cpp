// SPDX-License-Identifier: BSD-3-Clause
#include "ioworker/idle_wait.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/queue.h"
#include "nvmetest/errors.h"

namespace nvmetest::ioworker {

IdleWait::IdleWait(int irq_eventfd)
{
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0)
        throw Error(std::string("ioworker: eventfd: ") + std::strerror(errno));
    if (irq_eventfd >= 0) {
        irq_fd_ = ::fcntl(irq_eventfd, F_DUPFD_CLOEXEC, 0);
        if (irq_fd_ < 0) {
            const int err = errno;
            ::close(wake_fd_);
            throw Error(std::string("ioworker: duplicating the interrupt's eventfd: ") +
                        std::strerror(err));
        }
    }
}

IdleWait::~IdleWait()
{
    if (irq_fd_ >= 0)
        ::close(irq_fd_);
    if (wake_fd_ >= 0)
        ::close(wake_fd_);
}

void IdleWait::wake() noexcept
{
    if (wake_fd_ < 0)
        return;
    const std::uint64_t one = 1;
    ssize_t r;
    do {
        r = ::write(wake_fd_, &one, sizeof(one));
    } while (r < 0 && errno == EINTR);
    // EAGAIN: the counter is full, so the worker is woken already.
}

void IdleWait::arm() noexcept
{
    if (irq_fd_ < 0)
        return;
    std::uint64_t count;
    ssize_t r;
    do {
        r = ::read(irq_fd_, &count, sizeof(count));
    } while (r < 0 && errno == EINTR);
    // EAGAIN: nothing fired since the last arm().
}

void IdleWait::block(std::int64_t until_ns, bool on_interrupt) noexcept
{
    const std::int64_t left = until_ns - core::now_ns();
    if (left <= 0 || wake_fd_ < 0)
        return;
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {irq_fd_, POLLIN, 0}};
    const nfds_t n = on_interrupt && irq_fd_ >= 0 ? 2 : 1;
    const timespec timeout{.tv_sec = left / 1'000'000'000, .tv_nsec = left % 1'000'000'000};
    // EINTR (a signal) only ends the wait early: the loop looks and blocks again.
    ::ppoll(fds, n, &timeout, nullptr);
}

}  // namespace nvmetest::ioworker
