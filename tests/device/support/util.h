// SPDX-License-Identifier: GPL-2.0
// Small POSIX helpers for the device tests: owned file descriptors and mappings,
// sysfs access, forked children, polling with a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>

namespace devtest {

// An owned file descriptor, closed on destruction.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    // Closes the descriptor; returns close()'s result (0 or -errno), 0 if none.
    int reset(int fd = -1);

private:
    int fd_ = -1;
};

// An owned mmap() region, unmapped on destruction.
class Mapping {
public:
    Mapping() = default;
    Mapping(void* addr, size_t len) : addr_(addr), len_(len) {}
    Mapping(Mapping&& o) noexcept
        : addr_(std::exchange(o.addr_, nullptr)), len_(std::exchange(o.len_, 0)) {}
    Mapping& operator=(Mapping&& o) noexcept;
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping() { reset(); }

    // mmap(len, prot, MAP_SHARED, fd, offset); an empty Mapping and errno set on failure.
    static Mapping map(int fd, size_t len, uint64_t offset, int prot = 0x1 | 0x2);

    void* get() const { return addr_; }
    template <typename T>
    T* as() const {
        return static_cast<T*>(addr_);
    }
    size_t size() const { return len_; }
    explicit operator bool() const { return addr_ != nullptr; }
    void reset();

private:
    void* addr_ = nullptr;
    size_t len_ = 0;
};

// Returns -errno of the last failed call, for comparing against ioctl results.
int neg_errno();

// Reads a whole (small) file; nullopt if it cannot be opened or read.
std::optional<std::string> read_file(const std::string& path);
// Reads a file holding one integer (decimal, or 0x-prefixed hex).
std::optional<uint64_t> read_u64(const std::string& path);
// Writes text to a file in one write(); returns 0 or -errno.
int write_file(const std::string& path, const std::string& text);
bool path_exists(const std::string& path);

// Calls pred every interval until it returns true or timeout passes; returns its last result.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

// How a forked child ended.
struct ChildStatus {
    bool exited = false;
    int exit_code = -1;
    bool signaled = false;
    int signal = 0;
    std::string describe() const;
};

// Runs fn in a forked child whose exit code is fn's return value (an exception
// or a gtest assertion in the child is the parent's business: keep fn plain).
// Waits up to timeout, then kills the child with SIGKILL and reports that.
ChildStatus run_in_child(const std::function<int()>& fn,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A forked child that runs fn and stays alive until killed; the parent talks to it
// through a pipe: the child writes one byte when it reached its holding point.
class HeldChild {
public:
    // fn runs in the child; it returns 0 when ready to be held, or an error code
    // that becomes the child's exit code.
    explicit HeldChild(const std::function<int()>& fn);
    ~HeldChild();
    HeldChild(const HeldChild&) = delete;
    HeldChild& operator=(const HeldChild&) = delete;

    // Waits for the child to reach its holding point; false if it exited first.
    bool wait_ready(std::chrono::milliseconds timeout);
    // Sends sig and reaps the child.
    ChildStatus kill_and_wait(int sig);
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    int ready_fd_ = -1;
};

} // namespace devtest
