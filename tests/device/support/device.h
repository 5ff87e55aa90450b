// SPDX-License-Identifier: GPL-2.0
// Raw access to /dev/nvmetest/<bdf> for the device tests: the ioctls are issued
// directly on the UAPI structures so the tests check the ABI itself.
#pragma once

#include "util.h"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/nvmetest.h>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace devtest {

// ------------------------------------------------------------ environment

// The profile the suite runs under (the --profile=NAME option of the test
// program; "default" when not given).
const std::string& profile();
void set_profile(const std::string& name);

// $NVMETEST_DUT, or an empty string outside the VM.
std::string dut_bdf();
// $NVMETEST_DUTS split at spaces (falls back to $NVMETEST_DUT).
std::vector<std::string> dut_bdfs();
std::string dev_path(const std::string& bdf);
std::string pci_dir(const std::string& bdf);   // /sys/bus/pci/devices/<bdf>
std::string class_dir(const std::string& bdf); // /sys/class/nvmetest/<bdf>
std::string debugfs_dir();                     // /sys/kernel/debug/nvmetest
// The driver a PCI function is bound to ("" when none).
std::string bound_driver(const std::string& bdf);

// Mounts debugfs on /sys/kernel/debug if it is not; true when it is mounted.
bool ensure_debugfs();

// Binds bdf to nvmetest (driver_override, unbinding another driver first) and
// waits for its device node; returns an empty string or what went wrong.
std::string bind_to_nvmetest(const std::string& bdf,
                             std::chrono::milliseconds timeout = std::chrono::seconds(20));
// Unbinds bdf from nvmetest; returns 0 or -errno of the sysfs write.
int unbind_from_nvmetest(const std::string& bdf);
// Waits for the device node of bdf to appear (udev creates it).
bool wait_for_node(const std::string& bdf, std::chrono::milliseconds timeout);

// ------------------------------------------------------------------ ioctls

// ioctl() returning 0 (or a positive result) or -errno.
int do_ioctl(int fd, unsigned long req, void* arg);

// Fills an ioctl argument: zeroed with argsz = sizeof(T).
template <typename T>
T make_arg() {
    T a;
    std::memset(&a, 0, sizeof(a));
    a.argsz = sizeof(T);
    return a;
}

// An ioctl argument embedded in a larger buffer whose tail holds a known
// pattern, for oversized-argsz tests: tail_intact() says whether the kernel
// left every byte after the structure alone.
template <typename T>
struct Oversized {
    static constexpr size_t kTail = 64;
    alignas(8) unsigned char bytes[sizeof(T) + kTail];
    unsigned char pattern;

    explicit Oversized(unsigned char tail_pattern = 0xa5) : pattern(tail_pattern) {
        std::memset(bytes, 0, sizeof(T));
        std::memset(bytes + sizeof(T), pattern, kTail);
        arg().argsz = sizeof(bytes);
    }
    T& arg() { return *reinterpret_cast<T*>(bytes); }
    bool tail_intact() const {
        for (size_t i = 0; i < kTail; i++)
            if (bytes[sizeof(T) + i] != pattern)
                return false;
        return true;
    }
};

nvmetest_info get_info(int fd); // ADD_FAILURE and zeroes on error
int get_info(int fd, nvmetest_info* out);

// Config space / BAR accesses through the ioctls; 0 or -errno.
int cfg_read(int fd, uint64_t offset, uint32_t width, uint64_t* value);
int cfg_write(int fd, uint64_t offset, uint32_t width, uint64_t value);
int bar_read(int fd, uint32_t bar, uint64_t offset, uint32_t width, uint64_t* value);
int bar_write(int fd, uint32_t bar, uint64_t offset, uint32_t width, uint64_t value);
// Read helpers that record a test failure and return ~0 on error.
uint64_t cfg_rd(int fd, uint64_t offset, uint32_t width);
uint64_t bar_rd(int fd, uint32_t bar, uint64_t offset, uint32_t width);

// Finds a standard capability in config space (0 when absent).
uint32_t find_capability(int fd, uint8_t id);

// ------------------------------------------------------------------ DMA

// One DMA allocation, freed (and unmapped) on destruction.
class DmaBuffer {
public:
    DmaBuffer() = default;
    DmaBuffer(DmaBuffer&& o) noexcept;
    DmaBuffer& operator=(DmaBuffer&& o) noexcept;
    DmaBuffer(const DmaBuffer&) = delete;
    DmaBuffer& operator=(const DmaBuffer&) = delete;
    ~DmaBuffer() { reset(); }

    // Allocates and maps size bytes; returns 0 or -errno (of the ioctl or mmap).
    int allocate(int fd, uint64_t size, bool map = true);
    void reset();

    uint64_t iova() const { return alloc_.iova; }
    uint64_t size() const { return alloc_.size; }
    uint32_t handle() const { return alloc_.handle; }
    uint64_t mmap_offset() const { return alloc_.mmap_offset; }
    unsigned char* data() const { return map_.as<unsigned char>(); }
    template <typename T>
    T* as() const {
        return map_.as<T>();
    }
    explicit operator bool() const { return fd_ >= 0; }
    // Gives up ownership without freeing (the allocation stays with the file).
    void leak() {
        fd_ = -1;
        map_ = Mapping();
    }
    void unmap() { map_.reset(); }

private:
    int fd_ = -1;
    nvmetest_dma_alloc alloc_{};
    Mapping map_;
};

int dma_free(int fd, uint32_t handle);

// --------------------------------------------------------------- interrupts

// Sets up count vectors of type with the given eventfds; 0 or -errno.
int irq_set(int fd, uint32_t type, const std::vector<int>& eventfds);
int irq_set_none(int fd);
int irq_vector_op(int fd, unsigned long req, uint32_t vector);

// An eventfd, non-blocking.
UniqueFd make_eventfd();
// Waits for the eventfd to be signalled; returns the count read (0 on timeout).
uint64_t wait_eventfd(int efd, std::chrono::milliseconds timeout);
// Reads without waiting; 0 when not signalled.
uint64_t drain_eventfd(int efd);

// --------------------------------------------------------------- fixtures

// Opens the DUT's node and reads its info.  Tests needing the VM fail (not
// skip) outside it: the suite is only registered as VM tests.
class DeviceTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    std::string bdf_;
    UniqueFd fd_;
    nvmetest_info info_{};
};

// DeviceTest with the DUT's BAR0 mapped (bar0_), for tests that drive the
// NVMe registers themselves.
class Bar0Test : public DeviceTest {
protected:
    void SetUp() override;
    void TearDown() override;

    Mapping bar0_;
};

// sysfs observability counters of the device (-1 when unreadable).
struct DmaCounters {
    int64_t dma_bytes = -1;
    int64_t dma_allocs = -1;
    int64_t openers = -1;
    int64_t dma_bytes_total = -1;
    bool operator==(const DmaCounters&) const = default;
};
DmaCounters read_counters(const std::string& bdf);
std::ostream& operator<<(std::ostream& os, const DmaCounters& c);

} // namespace devtest
