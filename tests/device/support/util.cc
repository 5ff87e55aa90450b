// SPDX-License-Identifier: GPL-2.0
#include "util.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace devtest {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
    if (this != &o)
        reset(o.release());
    return *this;
}

int UniqueFd::reset(int fd) {
    int ret = 0;
    if (fd_ >= 0 && ::close(fd_) < 0)
        ret = -errno;
    fd_ = fd;
    return ret;
}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
    if (this != &o) {
        reset();
        addr_ = std::exchange(o.addr_, nullptr);
        len_ = std::exchange(o.len_, 0);
    }
    return *this;
}

Mapping Mapping::map(int fd, size_t len, uint64_t offset, int prot) {
    void* p = ::mmap(nullptr, len, prot, MAP_SHARED, fd, static_cast<off_t>(offset));
    if (p == MAP_FAILED)
        return {};
    return {p, len};
}

void Mapping::reset() {
    if (addr_)
        ::munmap(addr_, len_);
    addr_ = nullptr;
    len_ = 0;
}

int neg_errno() {
    return -errno;
}

std::optional<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return std::nullopt;
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return std::nullopt;
        }
        if (n == 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

std::optional<uint64_t> read_u64(const std::string& path) {
    auto text = read_file(path);
    if (!text)
        return std::nullopt;
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(text->c_str(), &end, 0);
    if (errno != 0 || end == text->c_str())
        return std::nullopt;
    return v;
}

int write_file(const std::string& path, const std::string& text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        return -errno;
    ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0)
        return -errno;
    if (static_cast<size_t>(n) != text.size())
        return -EIO;
    return fd.reset();
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (pred())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return pred();
        std::this_thread::sleep_for(interval);
    }
}

std::string ChildStatus::describe() const {
    if (exited)
        return "exited with status " + std::to_string(exit_code);
    if (signaled)
        return std::string("killed by signal ") + strsignal(signal);
    return "did not finish";
}

static ChildStatus decode(int status) {
    ChildStatus s;
    if (WIFEXITED(status)) {
        s.exited = true;
        s.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        s.signaled = true;
        s.signal = WTERMSIG(status);
    }
    return s;
}

static ChildStatus wait_child(pid_t pid, std::chrono::milliseconds timeout) {
    int status = 0;
    bool done = wait_until(
        [&] {
            pid_t r = ::waitpid(pid, &status, WNOHANG);
            return r == pid;
        },
        timeout, std::chrono::milliseconds(5));
    if (!done) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        ChildStatus s = decode(status);
        s.exited = false;
        s.signaled = false;
        return s;
    }
    return decode(status);
}

ChildStatus run_in_child(const std::function<int()>& fn, std::chrono::milliseconds timeout) {
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0)
        return {};
    if (pid == 0) {
        int code = 120;
        try {
            code = fn();
        } catch (...) {
            code = 121;
        }
        ::_exit(code);
    }
    return wait_child(pid, timeout);
}

HeldChild::HeldChild(const std::function<int()>& fn) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0)
        return;
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(p[0]);
        ::close(p[1]);
        return;
    }
    if (pid_ == 0) {
        ::close(p[0]);
        int code = 121;
        try {
            code = fn();
        } catch (...) {
        }
        if (code != 0)
            ::_exit(code);
        char c = 'R';
        if (::write(p[1], &c, 1) != 1)
            ::_exit(122);
        for (;;)
            ::pause();
    }
    ::close(p[1]);
    ready_fd_ = p[0];
}

HeldChild::~HeldChild() {
    if (pid_ > 0)
        kill_and_wait(SIGKILL);
    if (ready_fd_ >= 0)
        ::close(ready_fd_);
}

bool HeldChild::wait_ready(std::chrono::milliseconds timeout) {
    if (ready_fd_ < 0)
        return false;
    struct pollfd pfd = {ready_fd_, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (r <= 0)
        return false;
    char c = 0;
    return ::read(ready_fd_, &c, 1) == 1 && c == 'R';
}

ChildStatus HeldChild::kill_and_wait(int sig) {
    if (pid_ <= 0)
        return {};
    ::kill(pid_, sig);
    ChildStatus s = wait_child(pid_, std::chrono::seconds(30));
    pid_ = -1;
    return s;
}

} // namespace devtest
