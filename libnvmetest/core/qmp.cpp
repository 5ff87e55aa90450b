// SPDX-License-Identifier: BSD-3-Clause
#include "core/qmp.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "nvmetest/errors.h"

namespace nvmetest::core {

namespace {

using Clock = std::chrono::steady_clock;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

QmpClient::QmpClient(const std::string& path) : path_(path)
{
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    for (;;) {
        fd_ = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd_ >= 0)
            break;
        const int err = errno;
        if ((err == EBUSY || err == EINTR) && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        throw Error("cannot open the QMP monitor " + path + ": " + std::strerror(err) +
                    (err == EBUSY ? " (another process holds the port: one opener at a time)"
                                  : ""));
    }
    // Drop what an earlier session left behind (replies, events).
    while (receive(std::chrono::milliseconds(100)))
        ;
}

QmpClient::~QmpClient()
{
    if (fd_ >= 0)
        ::close(fd_);
}

void QmpClient::send_line(const std::string& text)
{
    const std::string line = text + "\r\n";
    std::size_t done = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (done < line.size()) {
        const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            throw Error("write to the QMP monitor " + path_ + ": " + std::strerror(errno));
        if (Clock::now() > deadline)
            throw Error("write to the QMP monitor " + path_ + " timed out after 10 s");
        pollfd pfd{fd_, POLLOUT, 0};
        ::poll(&pfd, 1, 100);
    }
}

std::optional<std::string> QmpClient::receive(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        std::size_t nl;
        while ((nl = buf_.find('\n')) != std::string::npos) {
            std::string line = buf_.substr(0, nl);
            buf_.erase(0, nl + 1);
            while (!line.empty() && is_space(line.back()))
                line.pop_back();
            if (!line.empty())
                return line;
        }
        const auto now = Clock::now();
        if (now >= deadline)
            return std::nullopt;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        pollfd pfd{fd_, POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count()) + 1) <= 0)
            continue;
        char tmp[4096];
        const ssize_t n = ::read(fd_, tmp, sizeof(tmp));
        if (n > 0)
            buf_.append(tmp, static_cast<std::size_t>(n));
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            // A virtio-serial port whose host side is not connected reads EOF.
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::optional<std::string> QmpClient::string_field(std::string_view line, std::string_view key)
{
    const std::string quoted = "\"" + std::string(key) + "\"";
    std::size_t pos = 0;
    while ((pos = line.find(quoted, pos)) != std::string_view::npos) {
        std::size_t i = pos + quoted.size();
        pos = i;
        while (i < line.size() && is_space(line[i]))
            i++;
        if (i >= line.size() || line[i] != ':')
            continue;  // a value, not a key
        i++;
        while (i < line.size() && is_space(line[i]))
            i++;
        if (i >= line.size() || line[i] != '"')
            return std::nullopt;  // not a string value
        std::string value;
        for (i++; i < line.size() && line[i] != '"'; i++) {
            if (line[i] == '\\' && i + 1 < line.size())
                i++;
            value += line[i];
        }
        return value;
    }
    return std::nullopt;
}

std::string QmpClient::execute(std::string_view command_json, std::chrono::milliseconds timeout)
{
    const std::size_t brace = command_json.find('{');
    if (brace == std::string_view::npos)
        throw UsageError("QMP command is not a JSON object: " + std::string(command_json));
    const std::string id = "nvmetest-subsys-" + std::to_string(next_id_++);
    std::string text(command_json.substr(0, brace + 1));
    text += "\"id\":\"" + id + "\",";
    text += command_json.substr(brace + 1);
    send_line(text);
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        auto line = receive(std::chrono::milliseconds(200));
        if (!line)
            continue;
        if (string_field(*line, "event")) {
            events_.push_back(std::move(*line));
            continue;
        }
        if (string_field(*line, "id") != id)
            continue;  // a reply to an earlier client
        if (line->find("\"error\"") != std::string::npos)
            throw Error("QMP " + std::string(command_json) + " failed: " +
                        string_field(*line, "class").value_or("?") + ": " +
                        string_field(*line, "desc").value_or(*line));
        return std::move(*line);
    }
    throw Error("QMP " + std::string(command_json) + ": no reply within " +
                std::to_string(timeout.count()) + " ms on " + path_);
}

bool QmpClient::wait_event(const std::vector<std::string>& needles,
                           std::chrono::milliseconds timeout)
{
    auto matches = [&](const std::string& line) {
        for (const auto& n : needles)
            if (line.find(n) == std::string::npos)
                return false;
        return true;
    };
    for (auto it = events_.begin(); it != events_.end(); ++it)
        if (matches(*it)) {
            events_.erase(it);
            return true;
        }
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        auto line = receive(std::chrono::milliseconds(200));
        if (!line || !string_field(*line, "event"))
            continue;
        if (matches(*line))
            return true;
        events_.push_back(std::move(*line));
    }
    return false;
}

}  // namespace nvmetest::core
