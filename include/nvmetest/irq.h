// SPDX-License-Identifier: BSD-3-Clause
//
// Interrupts of a bound function: vectors signalling eventfds, with per-vector
// counters read from a mapped page without system calls.
#ifndef NVMETEST_IRQ_H
#define NVMETEST_IRQ_H

#include "nvmetest/cxx20.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "nvmetest/device_info.h"

namespace nvmetest {

namespace detail {
struct DeviceFile;
}

// Move-only owner of an interrupt setup (KmodDevice::setup_irq()) and its
// eventfds.  The destructor tears the setup down (type none) unless a newer
// setup on the same device replaced it, and never throws.
class IrqSet {
public:
    IrqSet() noexcept = default;
    IrqSet(IrqSet&& other) noexcept;
    IrqSet& operator=(IrqSet&& other) noexcept;
    IrqSet(const IrqSet&) = delete;
    IrqSet& operator=(const IrqSet&) = delete;
    ~IrqSet();

    explicit operator bool() const noexcept { return type_ != IrqType::None; }
    IrqType type() const noexcept { return type_; }
    unsigned count() const noexcept { return static_cast<unsigned>(eventfds_.size()); }
    // The eventfd of vector v (non-blocking), for callers that poll many at once.
    int eventfd(unsigned vector) const;

    void mask(unsigned vector);
    void unmask(unsigned vector);
    // Fires the vector from software: its eventfd is signalled and its counter counts.
    void trigger(unsigned vector);

    // Waits until vector v has fired at least once since the last wait/drain and
    // consumes the eventfd's count.  Returns false on timeout.
    bool wait(unsigned vector, std::chrono::milliseconds timeout);
    // Consumes the eventfd's count without waiting; returns it (0: not fired).
    std::uint64_t drain(unsigned vector);

    // Times the vector fired since this setup, from the kernel's counter page:
    // no system call.  0 for vectors beyond the page.
    std::uint64_t counter(unsigned vector) const noexcept;
    std::vector<std::uint64_t> counters() const;

    // Tears the setup down now; throws on failure.  Idempotent.
    void teardown();

private:
    friend class KmodDevice;
    IrqSet(std::shared_ptr<detail::DeviceFile> file, IrqType type, std::vector<int> eventfds,
           std::uint64_t generation, const volatile std::uint64_t* counts, std::size_t counts_len,
           std::size_t map_len) noexcept;
    int release() noexcept;
    void check_vector(unsigned vector) const;

    std::shared_ptr<detail::DeviceFile> file_;
    IrqType type_ = IrqType::None;
    std::vector<int> eventfds_;
    std::uint64_t generation_ = 0;
    const volatile std::uint64_t* counts_ = nullptr;
    std::size_t counts_len_ = 0;  // counters in the page
    std::size_t map_len_ = 0;
};

}  // namespace nvmetest

#endif  // NVMETEST_IRQ_H
