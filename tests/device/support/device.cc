// SPDX-License-Identifier: GPL-2.0
#include "device.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <sstream>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace devtest {

namespace {
std::string g_profile = "default";
} // namespace

const std::string& profile() {
    return g_profile;
}
void set_profile(const std::string& name) {
    g_profile = name;
}

std::string dut_bdf() {
    const char* s = std::getenv("NVMETEST_DUT");
    return s ? s : "";
}

std::vector<std::string> dut_bdfs() {
    std::vector<std::string> out;
    const char* s = std::getenv("NVMETEST_DUTS");
    if (s) {
        std::istringstream in(s);
        std::string w;
        while (in >> w)
            out.push_back(w);
    }
    if (out.empty() && !dut_bdf().empty())
        out.push_back(dut_bdf());
    return out;
}

std::string dev_path(const std::string& bdf) {
    return "/dev/nvmetest/" + bdf;
}
std::string pci_dir(const std::string& bdf) {
    return "/sys/bus/pci/devices/" + bdf;
}
std::string class_dir(const std::string& bdf) {
    return "/sys/class/nvmetest/" + bdf;
}
std::string debugfs_dir() {
    return "/sys/kernel/debug/nvmetest";
}

std::string bound_driver(const std::string& bdf) {
    char buf[512];
    std::string link = pci_dir(bdf) + "/driver";
    ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
    if (n <= 0)
        return "";
    buf[n] = 0;
    std::string target(buf);
    auto slash = target.rfind('/');
    return slash == std::string::npos ? target : target.substr(slash + 1);
}

bool ensure_debugfs() {
    if (path_exists("/sys/kernel/debug/nvmetest"))
        return true;
    ::mount("debugfs", "/sys/kernel/debug", "debugfs", 0, nullptr);
    return path_exists("/sys/kernel/debug/nvmetest");
}

bool wait_for_node(const std::string& bdf, std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
            UniqueFd fd(::open(dev_path(bdf).c_str(), O_RDWR | O_CLOEXEC));
            return static_cast<bool>(fd);
        },
        timeout, std::chrono::milliseconds(50));
}

std::string bind_to_nvmetest(const std::string& bdf, std::chrono::milliseconds timeout) {
    if (!wait_until([&] { return path_exists(pci_dir(bdf)); }, timeout))
        return "PCI function " + bdf + " does not exist";
    std::string drv = bound_driver(bdf);
    if (drv == "nvmetest")
        return wait_for_node(bdf, timeout) ? "" : "bound to nvmetest but no " + dev_path(bdf);
    int r = write_file(pci_dir(bdf) + "/driver_override", "nvmetest");
    if (r < 0)
        return "writing driver_override: " + std::string(strerror(-r));
    if (!drv.empty()) {
        r = write_file(pci_dir(bdf) + "/driver/unbind", bdf);
        if (r < 0)
            return "unbinding from " + drv + ": " + strerror(-r);
    }
    // drivers_probe fails harmlessly when the ids= parameter already claimed it.
    write_file("/sys/bus/pci/drivers_probe", bdf);
    if (!wait_until([&] { return bound_driver(bdf) == "nvmetest"; }, timeout))
        return "function " + bdf + " is bound to '" + bound_driver(bdf) + "', not nvmetest";
    if (!wait_for_node(bdf, timeout))
        return "no device node " + dev_path(bdf) + " after binding";
    return "";
}

int unbind_from_nvmetest(const std::string& bdf) {
    return write_file("/sys/bus/pci/drivers/nvmetest/unbind", bdf);
}

int do_ioctl(int fd, unsigned long req, void* arg) {
    int r = ::ioctl(fd, req, arg);
    return r < 0 ? -errno : r;
}

int get_info(int fd, nvmetest_info* out) {
    *out = make_arg<nvmetest_info>();
    return do_ioctl(fd, NVMETEST_GET_INFO, out);
}

nvmetest_info get_info(int fd) {
    nvmetest_info info;
    int r = get_info(fd, &info);
    if (r != 0) {
        ADD_FAILURE() << "NVMETEST_GET_INFO failed: " << strerror(-r);
        std::memset(&info, 0, sizeof(info));
    }
    return info;
}

static int rw(int fd, unsigned long req, uint32_t bar, bool write, uint64_t offset, uint32_t width,
              uint64_t* value) {
    auto a = make_arg<nvmetest_rw>();
    a.flags = write ? NVMETEST_RW_WRITE : 0;
    a.bar = bar;
    a.width = width;
    a.offset = offset;
    a.value = write ? *value : 0;
    int r = do_ioctl(fd, req, &a);
    if (r == 0 && !write)
        *value = a.value;
    return r;
}

int cfg_read(int fd, uint64_t offset, uint32_t width, uint64_t* value) {
    return rw(fd, NVMETEST_CONFIG_RW, 0, false, offset, width, value);
}
int cfg_write(int fd, uint64_t offset, uint32_t width, uint64_t value) {
    return rw(fd, NVMETEST_CONFIG_RW, 0, true, offset, width, &value);
}
int bar_read(int fd, uint32_t bar, uint64_t offset, uint32_t width, uint64_t* value) {
    return rw(fd, NVMETEST_BAR_RW, bar, false, offset, width, value);
}
int bar_write(int fd, uint32_t bar, uint64_t offset, uint32_t width, uint64_t value) {
    return rw(fd, NVMETEST_BAR_RW, bar, true, offset, width, &value);
}

uint64_t cfg_rd(int fd, uint64_t offset, uint32_t width) {
    uint64_t v = 0;
    int r = cfg_read(fd, offset, width, &v);
    if (r != 0) {
        ADD_FAILURE() << "config read of " << width << " bytes at 0x" << std::hex << offset
                      << " failed: " << strerror(-r);
        return ~0ull;
    }
    return v;
}

uint64_t bar_rd(int fd, uint32_t bar, uint64_t offset, uint32_t width) {
    uint64_t v = 0;
    int r = bar_read(fd, bar, offset, width, &v);
    if (r != 0) {
        ADD_FAILURE() << "BAR" << bar << " read of " << width << " bytes at 0x" << std::hex
                      << offset << " failed: " << strerror(-r);
        return ~0ull;
    }
    return v;
}

uint32_t find_capability(int fd, uint8_t id) {
    uint64_t status = 0, ptr = 0;
    if (cfg_read(fd, 0x06, 2, &status) != 0 || !(status & 0x10))
        return 0;
    if (cfg_read(fd, 0x34, 1, &ptr) != 0)
        return 0;
    for (int guard = 0; ptr >= 0x40 && guard < 48; guard++) {
        uint64_t cap = 0, next = 0;
        ptr &= ~3ull;
        if (cfg_read(fd, ptr, 1, &cap) != 0 || cfg_read(fd, ptr + 1, 1, &next) != 0)
            return 0;
        if (cap == id)
            return static_cast<uint32_t>(ptr);
        ptr = next;
    }
    return 0;
}

DmaBuffer::DmaBuffer(DmaBuffer&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), alloc_(o.alloc_), map_(std::move(o.map_)) {}

DmaBuffer& DmaBuffer::operator=(DmaBuffer&& o) noexcept {
    if (this != &o) {
        reset();
        fd_ = std::exchange(o.fd_, -1);
        alloc_ = o.alloc_;
        map_ = std::move(o.map_);
    }
    return *this;
}

int DmaBuffer::allocate(int fd, uint64_t size, bool map) {
    reset();
    alloc_ = make_arg<nvmetest_dma_alloc>();
    alloc_.size = size;
    int r = do_ioctl(fd, NVMETEST_DMA_ALLOC, &alloc_);
    if (r != 0)
        return r;
    fd_ = fd;
    if (map) {
        map_ = Mapping::map(fd, alloc_.size, alloc_.mmap_offset);
        if (!map_)
            return -errno;
    }
    return 0;
}

void DmaBuffer::reset() {
    map_.reset();
    if (fd_ >= 0)
        dma_free(fd_, alloc_.handle);
    fd_ = -1;
}

int dma_free(int fd, uint32_t handle) {
    auto f = make_arg<nvmetest_dma_free>();
    f.handle = handle;
    return do_ioctl(fd, NVMETEST_DMA_FREE, &f);
}

int irq_set(int fd, uint32_t type, const std::vector<int>& eventfds) {
    std::vector<int32_t> fds(eventfds.begin(), eventfds.end());
    auto s = make_arg<nvmetest_irq_set>();
    s.type = type;
    s.count = static_cast<uint32_t>(fds.size());
    s.eventfds = reinterpret_cast<uintptr_t>(fds.data());
    return do_ioctl(fd, NVMETEST_IRQ_SET, &s);
}

int irq_set_none(int fd) {
    return irq_set(fd, NVMETEST_IRQ_NONE, {});
}

int irq_vector_op(int fd, unsigned long req, uint32_t vector) {
    auto v = make_arg<nvmetest_irq_vector>();
    v.vector = vector;
    return do_ioctl(fd, req, &v);
}

UniqueFd make_eventfd() {
    return UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
}

uint64_t drain_eventfd(int efd) {
    uint64_t v = 0;
    if (::read(efd, &v, sizeof(v)) != sizeof(v))
        return 0;
    return v;
}

uint64_t wait_eventfd(int efd, std::chrono::milliseconds timeout) {
    struct pollfd pfd = {efd, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (r <= 0)
        return 0;
    return drain_eventfd(efd);
}

void DeviceTest::SetUp() {
    bdf_ = dut_bdf();
    ASSERT_FALSE(bdf_.empty()) << "NVMETEST_DUT is not set: run inside tests/vm/nvmetest-vm";
    fd_ = UniqueFd(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd_) << "open " << dev_path(bdf_) << ": " << strerror(errno);
    ASSERT_EQ(get_info(fd_.get(), &info_), 0) << strerror(errno);
}

void DeviceTest::TearDown() {
    fd_.reset();
}

void Bar0Test::SetUp() {
    DeviceTest::SetUp();
    if (HasFatalFailure())
        return;
    bar0_ = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(bar0_) << "mmap of BAR0: " << strerror(errno);
}

void Bar0Test::TearDown() {
    bar0_.reset();
    DeviceTest::TearDown();
}

DmaCounters read_counters(const std::string& bdf) {
    DmaCounters c;
    auto rd = [](const std::string& p) -> int64_t {
        auto v = read_u64(p);
        return v ? static_cast<int64_t>(*v) : -1;
    };
    c.dma_bytes = rd(class_dir(bdf) + "/dma_bytes");
    c.dma_allocs = rd(class_dir(bdf) + "/dma_allocs");
    c.openers = rd(class_dir(bdf) + "/openers");
    ensure_debugfs();
    c.dma_bytes_total = rd(debugfs_dir() + "/dma_bytes_total");
    return c;
}

std::ostream& operator<<(std::ostream& os, const DmaCounters& c) {
    return os << "{dma_bytes=" << c.dma_bytes << " dma_allocs=" << c.dma_allocs
              << " openers=" << c.openers << " dma_bytes_total=" << c.dma_bytes_total << "}";
}

} // namespace devtest
