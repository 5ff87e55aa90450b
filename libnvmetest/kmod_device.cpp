// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/kmod_device.h"

#include <fcntl.h>
#include <linux/nvmetest.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "device_file.h"
#include "nvmetest/errors.h"

namespace nvmetest {

static_assert(static_cast<std::uint32_t>(ResetMethod::Flr) == NVMETEST_RESET_FLR);
static_assert(static_cast<std::uint32_t>(ResetMethod::Hot) == NVMETEST_RESET_HOT);
static_assert(static_cast<std::uint32_t>(ResetMethod::Link) == NVMETEST_RESET_LINK);
static_assert(static_cast<std::uint32_t>(ResetMethod::Pm) == NVMETEST_RESET_PM);
static_assert(static_cast<std::uint32_t>(IrqType::None) == NVMETEST_IRQ_NONE);
static_assert(static_cast<std::uint32_t>(IrqType::Intx) == NVMETEST_IRQ_INTX);
static_assert(static_cast<std::uint32_t>(IrqType::Msi) == NVMETEST_IRQ_MSI);
static_assert(static_cast<std::uint32_t>(IrqType::Msix) == NVMETEST_IRQ_MSIX);
static_assert(BarInfo::kMem == NVMETEST_BAR_MEM && BarInfo::kIo == NVMETEST_BAR_IO &&
              BarInfo::k64Bit == NVMETEST_BAR_64BIT && BarInfo::kPrefetch == NVMETEST_BAR_PREFETCH &&
              BarInfo::kMmap == NVMETEST_BAR_MMAP);
static_assert(DeviceInfo::kNumBars == NVMETEST_NUM_BARS);

namespace detail {

DeviceFile::~DeviceFile()
{
    if (fd >= 0)
        ::close(fd);
}

int DeviceFile::ioctl_errno(unsigned long request, void* arg) const noexcept
{
    int r;
    do {
        r = ::ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? errno : 0;
}

void DeviceFile::ioctl_or_throw(unsigned long request, void* arg, Op op, std::string_view action,
                                std::string_view detail) const
{
    if (int err = ioctl_errno(request, arg))
        throw_system_error(err, op, std::string(action) + " on " + bdf, context(detail));
}

std::size_t page_size() noexcept
{
    static const std::size_t ps = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return ps;
}

std::size_t page_round_up(std::size_t n) noexcept
{
    const std::size_t ps = page_size();
    return (n + ps - 1) / ps * ps;
}

[[noreturn]] void throw_bar_range(unsigned bar, std::uint64_t offset, unsigned width,
                                  std::uint64_t size)
{
    char buf[200];
    std::snprintf(buf, sizeof(buf),
                  "BAR%u access of %u bytes at 0x%llx is outside the %llu-byte BAR or not "
                  "aligned to its width: use an offset below the BAR size, aligned to 1, 2, 4 "
                  "or 8 bytes",
                  bar, width, static_cast<unsigned long long>(offset),
                  static_cast<unsigned long long>(size));
    throw UsageError(buf);
}

}  // namespace detail

namespace {

DeviceInfo convert(const nvmetest_info& k)
{
    DeviceInfo i;
    i.abi_version = k.abi_version;
    i.bdf.domain = k.domain;
    i.bdf.bus = k.bus;
    i.bdf.device = k.slot;
    i.bdf.function = k.function;
    i.vendor_id = k.vendor_id;
    i.device_id = k.device_id;
    i.subsystem_vendor_id = k.subsystem_vendor_id;
    i.subsystem_device_id = k.subsystem_device_id;
    i.revision = k.revision;
    i.class_code = k.class_code;
    i.cfg_size = k.cfg_size;
    i.reset_methods = k.reset_methods;
    i.iommu = k.flags & NVMETEST_INFO_IOMMU;
    i.pcie = k.flags & NVMETEST_INFO_PCIE;
    i.intx = k.intx != 0;
    i.msi_vectors = k.msi_vectors;
    i.msix_vectors = k.msix_vectors;
    i.irq_counts_size = k.irq_counts_size;
    i.dma_max_alloc = k.dma_max_alloc;
    i.dma_limit_file = k.dma_limit_file;
    i.dma_limit_device = k.dma_limit_device;
    for (unsigned b = 0; b < NVMETEST_NUM_BARS; ++b) {
        i.bars[b].size = k.bars[b].size;
        i.bars[b].flags = k.bars[b].flags;
    }
    return i;
}

DeviceInfo get_info(const detail::DeviceFile& f)
{
    nvmetest_info k{};
    k.argsz = sizeof(k);
    f.ioctl_or_throw(NVMETEST_GET_INFO, &k, Op::Info, "reading device info");
    if (k.abi_version != NVMETEST_ABI_VERSION)
        throw AbiMismatchError(k.abi_version, NVMETEST_ABI_VERSION);
    return convert(k);
}

void check_width(unsigned width, bool allow8, std::string_view what)
{
    if (width == 1 || width == 2 || width == 4 || (allow8 && width == 8))
        return;
    throw UsageError(std::string(what) + " width " + std::to_string(width) +
                     " is not supported: use 1, 2, 4" + (allow8 ? " or 8" : "") + " bytes");
}

std::string hex(std::uint64_t v)
{
    char buf[24];
    std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string dma_limits(const DeviceInfo& i)
{
    return "largest allocation " + std::to_string(i.dma_max_alloc) + " bytes, per open file " +
           std::to_string(i.dma_limit_file) + ", per device " + std::to_string(i.dma_limit_device);
}

}  // namespace

std::string KmodDevice::node_path(const Bdf& bdf)
{
    const char* dir = std::getenv("NVMETEST_DEV_DIR");
    return std::string(dir && *dir ? dir : "/dev/" NVMETEST_NAME) + "/" + bdf.to_string();
}

KmodDevice::KmodDevice(std::string_view bdf) : KmodDevice(Bdf::from_string(bdf)) {}

KmodDevice::KmodDevice(const Bdf& bdf)
{
    const std::string name = bdf.to_string();
    const std::string path = node_path(bdf);
    int fd;
    do {
        fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        const int err = errno;
        std::string_view why;
        if (err == ENOENT) {
            // Say which step is missing: the function, the module, or the binding.
            struct stat st;
            if (::stat(("/sys/bus/pci/devices/" + name).c_str(), &st) != 0)
                why = "no-function";
            else if (::stat("/sys/bus/pci/drivers/" NVMETEST_NAME, &st) != 0)
                why = "no-module";
        }
        throw_system_error(err, Op::Open, "open " + path, {name, why});
    }
    file_ = std::make_shared<detail::DeviceFile>(fd, name);
    file_->info = get_info(*file_);
}

KmodDevice::KmodDevice(KmodDevice&&) noexcept = default;
KmodDevice& KmodDevice::operator=(KmodDevice&&) noexcept = default;
KmodDevice::~KmodDevice() = default;

const Bdf& KmodDevice::bdf() const noexcept { return file_->info.bdf; }
int KmodDevice::fd() const noexcept { return file_ ? file_->fd : -1; }
const DeviceInfo& KmodDevice::info() const noexcept { return file_->info; }

DeviceInfo KmodDevice::query_info()
{
    file_->info = get_info(*file_);
    return file_->info;
}

std::uint32_t KmodDevice::cfg_read(std::uint32_t offset, unsigned width)
{
    check_width(width, false, "config space");
    nvmetest_rw rw{};
    rw.argsz = sizeof(rw);
    rw.width = width;
    rw.offset = offset;
    file_->ioctl_or_throw(NVMETEST_CONFIG_RW, &rw, Op::ConfigRead,
                          "config read of " + std::to_string(width) + " bytes at " + hex(offset));
    return static_cast<std::uint32_t>(rw.value);
}

void KmodDevice::cfg_write(std::uint32_t offset, unsigned width, std::uint32_t value)
{
    check_width(width, false, "config space");
    nvmetest_rw rw{};
    rw.argsz = sizeof(rw);
    rw.flags = NVMETEST_RW_WRITE;
    rw.width = width;
    rw.offset = offset;
    rw.value = value;
    file_->ioctl_or_throw(NVMETEST_CONFIG_RW, &rw, Op::ConfigWrite,
                          "config write of " + std::to_string(width) + " bytes at " + hex(offset));
}

std::vector<std::uint8_t> KmodDevice::read_config()
{
    std::vector<std::uint8_t> cfg(file_->info.cfg_size ? file_->info.cfg_size : 256);
    for (std::uint32_t off = 0; off + 4 <= cfg.size(); off += 4) {
        const std::uint32_t v = cfg_read(off, 4);
        std::memcpy(cfg.data() + off, &v, 4);
    }
    return cfg;
}

pci::CapabilityList KmodDevice::capabilities()
{
    const auto cfg = read_config();
    return pci::walk_capabilities(cfg);
}

std::optional<std::uint16_t> KmodDevice::cap_offset(std::uint16_t id, bool extended)
{
    const auto cfg = read_config();
    return extended ? pci::find_ext_capability(cfg, id)
                    : pci::find_capability(cfg, static_cast<std::uint8_t>(id));
}

std::uint64_t KmodDevice::bar_read(unsigned bar, std::uint64_t offset, unsigned width)
{
    check_width(width, true, "BAR");
    nvmetest_rw rw{};
    rw.argsz = sizeof(rw);
    rw.bar = bar;
    rw.width = width;
    rw.offset = offset;
    file_->ioctl_or_throw(NVMETEST_BAR_RW, &rw, Op::BarRead,
                          "BAR" + std::to_string(bar) + " read of " + std::to_string(width) +
                              " bytes at " + hex(offset));
    return rw.value;
}

void KmodDevice::bar_write(unsigned bar, std::uint64_t offset, unsigned width, std::uint64_t value)
{
    check_width(width, true, "BAR");
    nvmetest_rw rw{};
    rw.argsz = sizeof(rw);
    rw.flags = NVMETEST_RW_WRITE;
    rw.bar = bar;
    rw.width = width;
    rw.offset = offset;
    rw.value = value;
    file_->ioctl_or_throw(NVMETEST_BAR_RW, &rw, Op::BarWrite,
                          "BAR" + std::to_string(bar) + " write of " + std::to_string(width) +
                              " bytes at " + hex(offset));
}

BarMapping KmodDevice::map_bar(unsigned bar)
{
    if (bar >= DeviceInfo::kNumBars)
        throw UsageError("BAR" + std::to_string(bar) + " does not exist: BARs are 0 to 5");
    const BarInfo& bi = file_->info.bars[bar];
    if (!bi.implemented())
        throw UsageError("BAR" + std::to_string(bar) + " of " + file_->bdf +
                         " is not implemented: 'nvmetest-ctl info " + file_->bdf +
                         "' lists the BARs");
    if (!bi.memory() || !bi.mappable())
        throw UsageError("BAR" + std::to_string(bar) + " of " + file_->bdf +
                         " cannot be mapped (an I/O port BAR, or one the module does not map): "
                         "use bar_read()/bar_write()");
    const std::size_t len = detail::page_round_up(bi.size);
    void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, file_->fd,
                     static_cast<off_t>(NVMETEST_MMAP_BAR(bar)));
    if (p == MAP_FAILED)
        throw_system_error(errno, Op::BarMap, "mmap of BAR" + std::to_string(bar) + " on " +
                                                  file_->bdf, file_->context());
    return BarMapping(file_, bar, p, len, bi.size);
}

DmaMemory KmodDevice::alloc_dma(std::size_t size)
{
    if (size == 0)
        throw UsageError("a DMA allocation of 0 bytes is meaningless: ask for at least 1 byte");
    nvmetest_dma_alloc a{};
    a.argsz = sizeof(a);
    a.size = size;
    const std::string limits = dma_limits(file_->info);
    file_->ioctl_or_throw(NVMETEST_DMA_ALLOC, &a, Op::DmaAlloc,
                          "DMA allocation of " + std::to_string(size) + " bytes", limits);
    void* p = ::mmap(nullptr, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, file_->fd,
                     static_cast<off_t>(a.mmap_offset));
    if (p == MAP_FAILED) {
        const int err = errno;
        nvmetest_dma_free f{};
        f.argsz = sizeof(f);
        f.handle = a.handle;
        file_->ioctl_errno(NVMETEST_DMA_FREE, &f);
        throw_system_error(err, Op::DmaMap, "mmap of a " + std::to_string(a.size) +
                                                "-byte DMA allocation on " + file_->bdf,
                           file_->context());
    }
    return DmaMemory(file_, p, a.size, a.iova, a.handle);
}

IrqSet KmodDevice::setup_irq(IrqType type, unsigned count)
{
    if (type == IrqType::None)
        throw UsageError("setup_irq(None) is not a setup: destroy the IrqSet or call teardown()");
    if (count == 0)
        throw UsageError("an interrupt setup needs at least one vector");
    const std::uint32_t have = file_->info.vectors(type);
    if (count > have)
        throw UsageError(std::string(to_string(type)) + " with " + std::to_string(count) +
                         " vectors is impossible: " + file_->bdf + " has " + std::to_string(have) +
                         (have ? "; ask for fewer" : "; choose another interrupt type"));

    std::vector<int> fds;
    fds.reserve(count);
    auto close_all = [&fds] {
        for (int fd : fds)
            ::close(fd);
    };
    for (unsigned i = 0; i < count; ++i) {
        int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0) {
            const int err = errno;
            close_all();
            throw_system_error(err, Op::IrqSetup, "eventfd for vector " + std::to_string(i),
                               file_->context());
        }
        fds.push_back(fd);
    }

    std::vector<std::int32_t> fd32(fds.begin(), fds.end());
    nvmetest_irq_set s{};
    s.argsz = sizeof(s);
    s.type = static_cast<std::uint32_t>(type);
    s.count = count;
    s.eventfds = reinterpret_cast<std::uintptr_t>(fd32.data());
    if (int err = file_->ioctl_errno(NVMETEST_IRQ_SET, &s)) {
        close_all();
        throw_system_error(err, Op::IrqSetup,
                           "setting up " + std::to_string(count) + " " +
                               std::string(to_string(type)) + " vectors on " + file_->bdf,
                           file_->context());
    }
    const std::uint64_t gen = ++file_->irq_generation;

    // The counter page is optional for callers: failing to map it leaves counter() at 0.
    const volatile std::uint64_t* counts = nullptr;
    std::size_t counts_len = 0;
    std::size_t map_len = 0;
    if (file_->info.irq_counts_size) {
        map_len = detail::page_round_up(file_->info.irq_counts_size);
        void* p = ::mmap(nullptr, map_len, PROT_READ, MAP_SHARED, file_->fd,
                         static_cast<off_t>(NVMETEST_MMAP_IRQ_COUNTS));
        if (p != MAP_FAILED) {
            counts = static_cast<const volatile std::uint64_t*>(p);
            counts_len = file_->info.irq_counts_size / sizeof(std::uint64_t);
        } else {
            map_len = 0;
        }
    }
    return IrqSet(file_, type, std::move(fds), gen, counts, counts_len, map_len);
}

void KmodDevice::reset(ResetMethod method, std::uint32_t hold_ms)
{
    nvmetest_reset r{};
    r.argsz = sizeof(r);
    r.method = static_cast<std::uint32_t>(method);
    r.hold_ms = hold_ms;
    const std::string_view name = to_string(method);
    file_->ioctl_or_throw(NVMETEST_RESET, &r, Op::Reset, std::string(name) + " reset", name);
}

void KmodDevice::remove(bool rescan, std::uint32_t delay_ms)
{
    nvmetest_remove r{};
    r.argsz = sizeof(r);
    r.flags = rescan ? NVMETEST_REMOVE_RESCAN : 0;
    r.delay_ms = delay_ms;
    file_->ioctl_or_throw(NVMETEST_REMOVE, &r, Op::Remove, "removal");
}

}  // namespace nvmetest
