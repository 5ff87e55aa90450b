// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/warnings.h"

#include <atomic>
#include <mutex>
#include <spdlog/spdlog.h>
#include <utility>

namespace nvmetest {
namespace {

// One mutex for the record and the capture stack: warnings are rare events,
// never on the command path.
std::mutex g_mutex;
std::vector<Warning> g_record;       // guarded by g_mutex
WarningCapture* g_capture = nullptr; // innermost live capture, guarded by g_mutex
std::atomic<bool> g_fatal{false};

} // namespace

void record_warning(Warning w) {
    std::lock_guard lock(g_mutex);
    if (g_capture)
        g_capture->caught_.push_back(std::move(w));
    else
        g_record.push_back(std::move(w));
}

void warn(std::string message) {
    spdlog::warn("{}", message);
    bool captured;
    {
        std::lock_guard lock(g_mutex);
        captured = g_capture != nullptr;
        (captured ? g_capture->caught_ : g_record)
            .push_back(Warning{message, std::chrono::system_clock::now()});
    }
    if (!captured && g_fatal.load())
        throw WarningError(std::move(message));
}

std::vector<Warning> warnings() {
    std::lock_guard lock(g_mutex);
    return g_record;
}

std::size_t warning_count() {
    std::lock_guard lock(g_mutex);
    return g_record.size();
}

void clear_warnings() {
    std::lock_guard lock(g_mutex);
    g_record.clear();
}

bool set_warnings_fatal(bool fatal) {
    return g_fatal.exchange(fatal);
}
bool warnings_fatal() {
    return g_fatal.load();
}

WarningCapture::WarningCapture() {
    std::lock_guard lock(g_mutex);
    outer_ = g_capture;
    g_capture = this;
}

WarningCapture::~WarningCapture() {
    std::lock_guard lock(g_mutex);
    // Scopes unwind in order; if a capture outlives an inner one by mistake,
    // unlink it anyway rather than leave a dangling pointer on the stack.
    for (WarningCapture** p = &g_capture; *p; p = &(*p)->outer_) {
        if (*p == this) {
            *p = outer_;
            break;
        }
    }
}

std::vector<Warning> WarningCapture::warnings() const {
    std::lock_guard lock(g_mutex);
    return caught_;
}

std::vector<Warning> WarningCapture::take() {
    std::lock_guard lock(g_mutex);
    return std::exchange(caught_, {});
}

} // namespace nvmetest
