// SPDX-License-Identifier: GPL-2.0
#pragma once

#include "support/util.h"

#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <unistd.h>

namespace devtest {

// The kernel log from the moment of construction on (/dev/kmsg).
class KernelLog {
public:
    KernelLog() : fd_(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) {
        if (fd_)
            ::lseek(fd_.get(), 0, SEEK_END);
    }
    explicit operator bool() const { return static_cast<bool>(fd_); }
    // Waits for a new record containing text.
    bool wait_for(const std::string& text, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        char rec[8192];
        for (;;) {
            ssize_t n = ::read(fd_.get(), rec, sizeof(rec) - 1);
            if (n > 0) {
                rec[n] = 0;
                if (std::strstr(rec, text.c_str()))
                    return true;
                continue;
            }
            if (n < 0 && errno == EPIPE) // overwritten records: read on
                continue;
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            pollfd p{fd_.get(), POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(left.count()));
        }
    }

private:
    UniqueFd fd_;
};

} // namespace devtest
