// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-ctl events: a live netlink monitor.
#include <csignal>
#include <cstring>
#include <iostream>

#include "commands.h"
#include "nvmetest/bdf.h"
#include "nvmetest/events.h"

namespace nvmetest::ctl {
namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

}  // namespace

int cmd_events(const Invocation& inv)
{
    const std::uint64_t count = inv.number("count", 0);
    const std::uint64_t timeout_s = inv.number("timeout", 0);
    std::string filter;
    if (inv.has("device"))
        filter = Bdf::from_string(inv.value("device")).to_string();

    EventMonitor mon;

    // No SA_RESTART: Ctrl-C interrupts the poll and the loop sees the flag.
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    std::cout << "listening for nvmetest events" << (filter.empty() ? "" : " of " + filter)
              << (count ? ", up to " + std::to_string(count) : std::string())
              << (timeout_s ? ", for " + std::to_string(timeout_s) + " s" : std::string())
              << std::endl;

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    std::uint64_t seen = 0;
    while (!g_stop && (!count || seen < count)) {
        std::chrono::milliseconds wait(-1);
        if (timeout_s) {
            wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (wait.count() <= 0)
                break;
        }
        auto e = mon.next(wait);
        if (!e)
            continue;
        if (!filter.empty() && e->bdf != filter)
            continue;
        ++seen;
        std::cout << e->to_string() << std::endl;
    }
    if (mon.overruns())
        std::cerr << "nvmetest-ctl: " << mon.overruns()
                  << " bursts of events were lost (socket buffer overrun)\n";
    if (count && seen < count && !g_stop) {
        std::cerr << "nvmetest-ctl: saw " << seen << " of " << count << " events before the "
                  << timeout_s << " s timeout\n";
        return kExitCheckFailed;
    }
    return kExitOk;
}

}  // namespace nvmetest::ctl
