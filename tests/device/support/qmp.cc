// SPDX-License-Identifier: GPL-2.0
#include "qmp.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace devtest {

bool Qmp::open(const std::string& path_in) {
    std::string path = path_in;
    if (path.empty()) {
        const char* env = std::getenv("NVMETEST_QMP");
        if (!env || !*env) {
            error_ = "NVMETEST_QMP is not set";
            return false;
        }
        path = env;
    }
    fd_ = UniqueFd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd_) {
        error_ = "open " + path + ": " + strerror(errno);
        return false;
    }
    // Drop whatever an earlier session left (a greeting, replies, events).
    while (receive(std::chrono::milliseconds(200)))
        ;
    events_.clear();
    // In command mode already, qmp_capabilities answers CommandNotFound.
    if (!send("{\"execute\":\"qmp_capabilities\",\"id\":\"caps\"}"))
        return false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        auto msg = receive(std::chrono::milliseconds(500));
        if (!msg)
            continue;
        if ((*msg)["id"].is_string() && (*msg)["id"].str() == "caps") {
            error_.clear();
            return true;
        }
    }
    error_ = "no answer to qmp_capabilities on " + path;
    return false;
}

bool Qmp::send(const std::string& text) {
    std::string line = text + "\n";
    size_t done = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (done < line.size()) {
        ssize_t n = ::write(fd_.get(), line.data() + done, line.size() - done);
        if (n > 0) {
            done += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            error_ = std::string("write to QMP: ") + strerror(errno);
            return false;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            error_ = "write to QMP timed out";
            return false;
        }
        struct pollfd pfd = {fd_.get(), POLLOUT, 0};
        ::poll(&pfd, 1, 100);
    }
    return true;
}

std::optional<Json> Qmp::receive(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        size_t nl;
        while ((nl = buf_.find('\n')) != std::string::npos) {
            std::string line = buf_.substr(0, nl);
            buf_.erase(0, nl + 1);
            while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
                line.pop_back();
            if (line.empty())
                continue;
            if (auto j = Json::parse(line))
                return j;
        }
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            return std::nullopt;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        struct pollfd pfd = {fd_.get(), POLLIN, 0};
        int r = ::poll(&pfd, 1, static_cast<int>(left.count()) + 1);
        if (r <= 0)
            continue;
        char tmp[4096];
        ssize_t n = ::read(fd_.get(), tmp, sizeof(tmp));
        if (n > 0)
            buf_.append(tmp, static_cast<size_t>(n));
        else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            // A virtio-serial port whose host side is not connected reads EOF: back off.
            ::usleep(20000);
    }
}

std::optional<Json> Qmp::execute(const std::string& command, const std::string& args,
                                 std::chrono::milliseconds timeout) {
    std::string id = "t" + std::to_string(next_id_++);
    std::string text = "{\"execute\":" + Json::quote(command);
    if (!args.empty())
        text += ",\"arguments\":" + args;
    text += ",\"id\":" + Json::quote(id) + "}";
    if (!send(text))
        return std::nullopt;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto msg = receive(std::chrono::milliseconds(200));
        if (!msg)
            continue;
        if (msg->has("event")) {
            events_.push_back(*msg);
            continue;
        }
        if (!(*msg)["id"].is_string() || (*msg)["id"].str() != id)
            continue;
        if (msg->has("error")) {
            error_ = command + ": " + (*msg)["error"]["class"].str() + ": " +
                     (*msg)["error"]["desc"].str();
            return std::nullopt;
        }
        error_.clear();
        return (*msg)["return"];
    }
    error_ = command + ": no reply within " + std::to_string(timeout.count()) + " ms";
    return std::nullopt;
}

std::optional<Json> Qmp::wait_event(const std::string& name, std::chrono::milliseconds timeout) {
    for (auto it = events_.begin(); it != events_.end(); ++it) {
        if ((*it)["event"].str() == name) {
            Json e = *it;
            events_.erase(it);
            return e;
        }
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto msg = receive(std::chrono::milliseconds(200));
        if (!msg || !msg->has("event"))
            continue;
        if ((*msg)["event"].str() == name)
            return msg;
        events_.push_back(*msg);
    }
    return std::nullopt;
}

static void walk_pci(const Json& devices, int bus, const std::string& parent,
                     std::vector<QemuPciDevice>* out) {
    for (const auto& d : devices.array()) {
        QemuPciDevice p;
        p.bus = d["bus"].is_number() ? static_cast<int>(d["bus"].integer()) : bus;
        p.slot = static_cast<int>(d["slot"].integer());
        p.function = static_cast<int>(d["function"].integer());
        p.qdev_id = d["qdev_id"].str();
        p.parent_id = parent;
        p.vendor = static_cast<int>(d["id"]["vendor"].integer());
        p.device = static_cast<int>(d["id"]["device"].integer());
        out->push_back(p);
        const Json& br = d["pci_bridge"];
        if (br.is_object()) {
            int sec = static_cast<int>(br["bus"]["secondary"].integer());
            walk_pci(br["devices"], sec, p.qdev_id, out);
        }
    }
}

std::vector<QemuPciDevice> qmp_pci_devices(Qmp& qmp) {
    std::vector<QemuPciDevice> out;
    auto r = qmp.execute("query-pci");
    if (!r)
        return out;
    for (const auto& bus : r->array())
        walk_pci(bus["devices"], static_cast<int>(bus["bus"].integer()), "", &out);
    return out;
}

std::optional<QemuPciDevice> qmp_find_pci(Qmp& qmp, const std::string& bdf) {
    unsigned dom = 0, bus = 0, slot = 0, fn = 0;
    if (std::sscanf(bdf.c_str(), "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
        return std::nullopt;
    for (const auto& d : qmp_pci_devices(qmp))
        if (d.bus == static_cast<int>(bus) && d.slot == static_cast<int>(slot) &&
            d.function == static_cast<int>(fn))
            return d;
    return std::nullopt;
}

} // namespace devtest
