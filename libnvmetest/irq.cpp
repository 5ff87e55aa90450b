// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/irq.h"

#include <linux/nvmetest.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "device_file.h"
#include "nvmetest/errors.h"

namespace nvmetest {

IrqSet::IrqSet(std::shared_ptr<detail::DeviceFile> file, IrqType type, std::vector<int> eventfds,
               std::uint64_t generation, const volatile std::uint64_t* counts,
               std::size_t counts_len, std::size_t map_len) noexcept
    : file_(std::move(file)),
      type_(type),
      eventfds_(std::move(eventfds)),
      generation_(generation),
      counts_(counts),
      counts_len_(counts_len),
      map_len_(map_len)
{
}

IrqSet::IrqSet(IrqSet&& o) noexcept
    : file_(std::move(o.file_)),
      type_(std::exchange(o.type_, IrqType::None)),
      eventfds_(std::move(o.eventfds_)),
      generation_(std::exchange(o.generation_, 0)),
      counts_(std::exchange(o.counts_, nullptr)),
      counts_len_(std::exchange(o.counts_len_, 0)),
      map_len_(std::exchange(o.map_len_, 0))
{
    o.eventfds_.clear();
}

IrqSet& IrqSet::operator=(IrqSet&& o) noexcept
{
    if (this != &o) {
        release();
        file_ = std::move(o.file_);
        type_ = std::exchange(o.type_, IrqType::None);
        eventfds_ = std::move(o.eventfds_);
        o.eventfds_.clear();
        generation_ = std::exchange(o.generation_, 0);
        counts_ = std::exchange(o.counts_, nullptr);
        counts_len_ = std::exchange(o.counts_len_, 0);
        map_len_ = std::exchange(o.map_len_, 0);
    }
    return *this;
}

IrqSet::~IrqSet() { release(); }

int IrqSet::release() noexcept
{
    if (type_ == IrqType::None && eventfds_.empty() && !counts_)
        return 0;
    int err = 0;
    // Tear down only our own setup, not a newer one that replaced it.
    if (file_ && type_ != IrqType::None && file_->irq_generation.load() == generation_) {
        nvmetest_irq_set s{};
        s.argsz = sizeof(s);
        s.type = NVMETEST_IRQ_NONE;
        err = file_->ioctl_errno(NVMETEST_IRQ_SET, &s);
        if (err == ENODEV)
            err = 0;  // the kernel released them with the device
    }
    for (int fd : eventfds_)
        ::close(fd);
    eventfds_.clear();
    if (counts_)
        ::munmap(const_cast<std::uint64_t*>(counts_), map_len_);
    counts_ = nullptr;
    counts_len_ = 0;
    map_len_ = 0;
    type_ = IrqType::None;
    file_.reset();
    return err;
}

void IrqSet::teardown()
{
    const std::string bdf = file_ ? file_->bdf : std::string();
    if (int err = release())
        throw_system_error(err, Op::IrqSetup, "tearing down interrupts on " + bdf, {bdf, {}});
}

void IrqSet::check_vector(unsigned vector) const
{
    if (type_ == IrqType::None)
        throw UsageError("no interrupts are set up: call KmodDevice::setup_irq() first");
    if (vector >= eventfds_.size())
        throw UsageError("vector " + std::to_string(vector) + " is not set up: " +
                         std::to_string(eventfds_.size()) + " " + std::string(to_string(type_)) +
                         " vectors are (0 to " + std::to_string(eventfds_.size() - 1) + ")");
}

int IrqSet::eventfd(unsigned vector) const
{
    check_vector(vector);
    return eventfds_[vector];
}

namespace {

void vector_ioctl(const detail::DeviceFile& f, unsigned long req, unsigned vector, Op op,
                  std::string_view verb)
{
    nvmetest_irq_vector v{};
    v.argsz = sizeof(v);
    v.vector = vector;
    f.ioctl_or_throw(req, &v, op, std::string(verb) + " of vector " + std::to_string(vector));
}

}  // namespace

void IrqSet::mask(unsigned vector)
{
    check_vector(vector);
    vector_ioctl(*file_, NVMETEST_IRQ_MASK, vector, Op::IrqMask, "mask");
}

void IrqSet::unmask(unsigned vector)
{
    check_vector(vector);
    vector_ioctl(*file_, NVMETEST_IRQ_UNMASK, vector, Op::IrqUnmask, "unmask");
}

void IrqSet::trigger(unsigned vector)
{
    check_vector(vector);
    vector_ioctl(*file_, NVMETEST_IRQ_TRIGGER, vector, Op::IrqTrigger, "software trigger");
}

std::uint64_t IrqSet::drain(unsigned vector)
{
    check_vector(vector);
    std::uint64_t n = 0;
    ssize_t r;
    do {
        r = ::read(eventfds_[vector], &n, sizeof(n));
    } while (r < 0 && errno == EINTR);
    if (r == sizeof(n))
        return n;
    if (r < 0 && errno == EAGAIN)
        return 0;
    throw_system_error(r < 0 ? errno : EIO, Op::IrqWait,
                       "reading the eventfd of vector " + std::to_string(vector),
                       file_->context());
}

bool IrqSet::wait(unsigned vector, std::chrono::milliseconds timeout)
{
    check_vector(vector);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (drain(vector))
            return true;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{eventfds_[vector], POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno != EINTR)
            throw_system_error(errno, Op::IrqWait, "poll on vector " + std::to_string(vector),
                               file_->context());
    }
}

std::uint64_t IrqSet::counter(unsigned vector) const noexcept
{
    return vector < counts_len_ ? counts_[vector] : 0;
}

std::vector<std::uint64_t> IrqSet::counters() const
{
    std::vector<std::uint64_t> out(eventfds_.size());
    for (unsigned v = 0; v < out.size(); ++v)
        out[v] = counter(v);
    return out;
}

}  // namespace nvmetest
