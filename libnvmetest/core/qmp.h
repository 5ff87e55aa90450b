// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: a minimal QMP client for the QEMU lab (tests/vm/README.md, "QMP
// from inside the guest").  The monitor is already in command mode; every
// command carries an "id" and the reply is the line that repeats it; events
// arriving in between are kept.  The port admits one opener at a time, so a
// QmpClient is opened for one operation and closed (destroyed) after it.
// Only what Subsystem needs: no general JSON parser, flat field lookup.
#ifndef NVMETEST_LIB_CORE_QMP_H
#define NVMETEST_LIB_CORE_QMP_H

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nvmetest::core {

class QmpClient {
public:
    // Opens path (a virtio-serial port or a character device), retrying while
    // another process holds it (EBUSY) for up to 10 s.  Throws Error.
    explicit QmpClient(const std::string& path);
    ~QmpClient();
    QmpClient(const QmpClient&) = delete;
    QmpClient& operator=(const QmpClient&) = delete;

    // Sends command_json (a JSON object text, "execute" and "arguments" only)
    // with an id added and waits for its reply.  Throws Error on an error
    // reply (with QEMU's class and description) or on timeout.  Returns the
    // reply line.
    std::string execute(std::string_view command_json,
                        std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Waits for an event whose line contains every string of needles (events
    // seen by execute() are searched first).  false on timeout.
    bool wait_event(const std::vector<std::string>& needles, std::chrono::milliseconds timeout);

    // The string value of a top-level-style "key": "value" in a JSON line, the
    // first occurrence; nullopt when absent.  Exposed for tests.
    static std::optional<std::string> string_field(std::string_view line, std::string_view key);

private:
    void send_line(const std::string& text);
    std::optional<std::string> receive(std::chrono::milliseconds timeout);

    int fd_ = -1;
    std::string path_;
    std::string buf_;
    std::vector<std::string> events_;
    unsigned next_id_ = 1;
};

}  // namespace nvmetest::core

#endif  // NVMETEST_LIB_CORE_QMP_H
