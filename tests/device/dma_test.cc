// SPDX-License-Identifier: GPL-2.0
// NVMETEST_DMA_ALLOC / NVMETEST_DMA_FREE: sizes, addresses, zeroing, sharing
// through mmap, accounting in sysfs and debugfs.
#include "support/device.h"
#include "support/kernel_log.h"
#include "support/nvme.h"

#include <algorithm>
#include <cstdio>
#include <poll.h>
#include <set>
#include <sys/mman.h>
#include <unistd.h>

namespace devtest {
namespace {

class DmaTest : public DeviceTest {
protected:
    int64_t attr(const char* name) {
        auto v = read_u64(class_dir(bdf_) + "/" + name);
        EXPECT_TRUE(v.has_value()) << class_dir(bdf_) << "/" << name;
        return v ? static_cast<int64_t>(*v) : -1;
    }
};

TEST_F(DmaTest, SizeRoundedToPages) {
    for (auto [want, got] : {std::pair<uint64_t, uint64_t>{1, 4096},
                             {4096, 4096},
                             {4097, 8192},
                             {12288, 12288},
                             {65535, 65536}}) {
        auto a = make_arg<nvmetest_dma_alloc>();
        a.size = want;
        ASSERT_EQ(do_ioctl(fd_.get(), NVMETEST_DMA_ALLOC, &a), 0) << "size " << want;
        EXPECT_EQ(a.size, got) << "size " << want;
        EXPECT_EQ(a.iova % 4096, 0u);
        EXPECT_NE(a.iova, 0u);
        EXPECT_EQ(a.reserved, 0u);
        EXPECT_EQ(dma_free(fd_.get(), a.handle), 0);
    }
}

TEST_F(DmaTest, DistinctHandlesIovasAndOffsets) {
    std::vector<DmaBuffer> bufs(8);
    std::set<uint32_t> handles;
    std::set<uint64_t> offsets;
    for (size_t i = 0; i < bufs.size(); i++) {
        ASSERT_EQ(bufs[i].allocate(fd_.get(), 4096 * (i + 1)), 0);
        handles.insert(bufs[i].handle());
        offsets.insert(bufs[i].mmap_offset());
    }
    EXPECT_EQ(handles.size(), bufs.size());
    EXPECT_EQ(offsets.size(), bufs.size());
    // No two allocations overlap in the device's address space.
    for (size_t i = 0; i < bufs.size(); i++)
        for (size_t j = i + 1; j < bufs.size(); j++) {
            bool disjoint = bufs[i].iova() + bufs[i].size() <= bufs[j].iova() ||
                            bufs[j].iova() + bufs[j].size() <= bufs[i].iova();
            EXPECT_TRUE(disjoint) << "allocations " << i << " and " << j << " overlap";
        }
    // Distinct memory too: a pattern written through one mapping stays there.
    for (size_t i = 0; i < bufs.size(); i++)
        std::memset(bufs[i].data(), static_cast<int>(i + 1), bufs[i].size());
    for (size_t i = 0; i < bufs.size(); i++)
        EXPECT_EQ(bufs[i].data()[bufs[i].size() - 1], i + 1);
}

TEST_F(DmaTest, MemoryIsZeroedEvenWhenReused) {
    for (int round = 0; round < 3; round++) {
        DmaBuffer buf;
        ASSERT_EQ(buf.allocate(fd_.get(), 65536), 0);
        const unsigned char* d = buf.data();
        EXPECT_TRUE(std::all_of(d, d + buf.size(), [](unsigned char c) { return c == 0; }))
            << "round " << round;
        std::memset(buf.data(), 0xff, buf.size());
    }
}

TEST_F(DmaTest, LargestAllocationSucceeds) {
    DmaBuffer buf;
    ASSERT_EQ(buf.allocate(fd_.get(), info_.dma_max_alloc), 0);
    EXPECT_EQ(buf.size(), info_.dma_max_alloc);
    buf.data()[0] = 1;
    buf.data()[buf.size() - 1] = 2;
    EXPECT_EQ(buf.data()[buf.size() - 1], 2);
}

TEST_F(DmaTest, CountersFollowAllocations) {
    int64_t bytes0 = attr("dma_bytes"), allocs0 = attr("dma_allocs");
    ASSERT_TRUE(ensure_debugfs());
    auto total0 = read_u64(debugfs_dir() + "/dma_bytes_total");
    ASSERT_TRUE(total0.has_value());
    {
        DmaBuffer a, b;
        ASSERT_EQ(a.allocate(fd_.get(), 4096), 0);
        ASSERT_EQ(b.allocate(fd_.get(), 3 * 4096), 0);
        EXPECT_EQ(attr("dma_bytes"), bytes0 + 4 * 4096);
        EXPECT_EQ(attr("dma_allocs"), allocs0 + 2);
        EXPECT_EQ(read_u64(debugfs_dir() + "/dma_bytes_total"), *total0 + 4 * 4096);
        // The per-device clients file lists this process.
        auto clients = read_file(debugfs_dir() + "/" + bdf_ + "/clients");
        ASSERT_TRUE(clients.has_value());
        EXPECT_NE(clients->find(std::to_string(::getpid())), std::string::npos) << *clients;
    }
    EXPECT_EQ(attr("dma_bytes"), bytes0);
    EXPECT_EQ(attr("dma_allocs"), allocs0);
    EXPECT_EQ(read_u64(debugfs_dir() + "/dma_bytes_total"), *total0);
}

// A closed file's memory stays the device's while another file is open (any
// open file may have given the device its address) and goes back to the
// allocator when the last file closes.
TEST_F(DmaTest, FreedWhenLastFileCloses) {
    int64_t bytes0 = attr("dma_bytes");
    int64_t allocs0 = attr("dma_allocs");
    {
        UniqueFd other(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
        ASSERT_TRUE(other);
        DmaBuffer buf;
        ASSERT_EQ(buf.allocate(other.get(), 8192, false), 0);
        buf.leak();
        EXPECT_EQ(attr("dma_bytes"), bytes0 + 8192);
    }
    EXPECT_EQ(attr("dma_bytes"), bytes0 + 8192);
    EXPECT_EQ(attr("dma_allocs"), allocs0 + 1);
    fd_.reset();
    EXPECT_EQ(attr("dma_bytes"), 0);
    EXPECT_EQ(attr("dma_allocs"), 0);
}

// The mapping keeps the memory: after munmap the handle frees normally, and
// a freed handle's mmap offset no longer maps.
TEST_F(DmaTest, FreedAllocationNoLongerMaps) {
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 4096;
    ASSERT_EQ(do_ioctl(fd_.get(), NVMETEST_DMA_ALLOC, &a), 0);
    {
        Mapping m = Mapping::map(fd_.get(), 4096, a.mmap_offset);
        ASSERT_TRUE(m);
    }
    ASSERT_EQ(dma_free(fd_.get(), a.handle), 0);
    errno = 0;
    Mapping m = Mapping::map(fd_.get(), 4096, a.mmap_offset);
    EXPECT_FALSE(m);
    EXPECT_EQ(errno, ENOENT);
}

// Per-file limit: allocations up to dma_limit_file succeed, one page more is ENOSPC.
TEST_F(DmaTest, FileLimitGivesEnospc) {
    ASSERT_LE(info_.dma_limit_file, 512ull << 20)
        << "run this test with a small dma_limit_file (NVMETEST_KO_PARAMS)";
    int64_t bytes0 = attr("dma_bytes");
    std::vector<DmaBuffer> bufs;
    uint64_t held = 0;
    while (held < info_.dma_limit_file) {
        uint64_t chunk = std::min<uint64_t>(info_.dma_max_alloc, info_.dma_limit_file - held);
        DmaBuffer b;
        ASSERT_EQ(b.allocate(fd_.get(), chunk, false), 0) << "after " << held << " bytes";
        held += b.size();
        bufs.push_back(std::move(b));
    }
    EXPECT_EQ(held, info_.dma_limit_file);
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 4096;
    EXPECT_EQ(do_ioctl(fd_.get(), NVMETEST_DMA_ALLOC, &a), -ENOSPC);
    EXPECT_EQ(attr("dma_bytes"), bytes0 + static_cast<int64_t>(held))
        << "failed call changed nothing";
    // Freeing one page's worth makes room again.
    bufs.pop_back();
    DmaBuffer again;
    EXPECT_EQ(again.allocate(fd_.get(), 4096, false), 0);
}

// Per-device limit: files together cannot exceed dma_limit_device.
TEST_F(DmaTest, DeviceLimitGivesEnospc) {
    ASSERT_LE(info_.dma_limit_device, 512ull << 20)
        << "run this test with a small dma_limit_device (NVMETEST_KO_PARAMS)";
    int64_t bytes0 = attr("dma_bytes");
    std::vector<UniqueFd> files;
    UniqueFd cur;
    std::vector<DmaBuffer> bufs; // destroyed before the files they belong to
    uint64_t held = static_cast<uint64_t>(bytes0);
    uint64_t in_file = 0;
    while (held < info_.dma_limit_device) {
        if (!cur || in_file == info_.dma_limit_file) {
            if (cur)
                files.push_back(std::move(cur));
            cur = UniqueFd(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
            ASSERT_TRUE(cur);
            in_file = 0;
        }
        uint64_t chunk = std::min(
            {info_.dma_max_alloc, info_.dma_limit_file - in_file, info_.dma_limit_device - held});
        DmaBuffer b;
        ASSERT_EQ(b.allocate(cur.get(), chunk, false), 0) << "after " << held << " bytes";
        held += b.size();
        in_file += b.size();
        bufs.push_back(std::move(b));
    }
    UniqueFd fresh(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fresh);
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 4096;
    EXPECT_EQ(do_ioctl(fresh.get(), NVMETEST_DMA_ALLOC, &a), -ENOSPC);
    EXPECT_EQ(attr("dma_bytes"), static_cast<int64_t>(held));
    bufs.clear();
    EXPECT_EQ(attr("dma_bytes"), bytes0);
}

// MADV_DONTNEED drops the pages of a DMA mapping, not the memory: it belongs
// to the allocation, and the next touch maps the same memory back in.
TEST_F(DmaTest, MadvDontneedMapsTheSameMemoryBack) {
    DmaBuffer b;
    ASSERT_EQ(b.allocate(fd_.get(), 16384), 0);
    std::memset(b.data(), 0x5a, b.size());
    unsigned char* p = b.data();
    size_t n = b.size();
    // In a child: the old behaviour was SIGBUS for good.
    ChildStatus s = run_in_child([p, n] {
        if (::madvise(p, n, MADV_DONTNEED) != 0)
            return 2;
        for (size_t i = 0; i < n; i++)
            if (p[i] != 0x5a)
                return 3;
        p[n - 1] = 0x77;
        return 0;
    });
    ASSERT_TRUE(s.exited) << s.describe();
    EXPECT_EQ(s.exit_code, 0) << "2: madvise failed, 3: other memory came back";
    EXPECT_EQ(p[n - 1], 0x77) << "the child's store did not reach the allocation";
}

// Active mm_struct objects in the slab allocator (-1 if unreadable).
int64_t mm_structs() {
    auto text = read_file("/proc/slabinfo");
    if (!text)
        return -1;
    size_t at = text->find("\nmm_struct ");
    if (at == std::string::npos)
        return -1;
    return std::strtoll(text->c_str() + at + 11, nullptr, 10);
}

// A process that maps a file's DMA memory and exits leaves nothing of itself
// behind: the module keeps no reference on the address spaces that mapped
// the memory (a shared file outlives many short-lived children).
TEST_F(DmaTest, MappingProcessesAreNotPinned) {
    constexpr int kChildren = 200;
    DmaBuffer b;
    ASSERT_EQ(b.allocate(fd_.get(), 4096, false), 0);
    const int64_t before = mm_structs();
    ASSERT_GE(before, 0) << "/proc/slabinfo has no mm_struct line";
    int fd = fd_.get();
    uint64_t off = b.mmap_offset();
    for (int i = 0; i < kChildren; i++) {
        ChildStatus s = run_in_child([fd, off] {
            Mapping m = Mapping::map(fd, 4096, off);
            return m ? 0 : 1;
        });
        ASSERT_TRUE(s.exited && s.exit_code == 0) << s.describe();
    }
    // The slab counts objects of per-CPU slabs as active: allow for that.
    EXPECT_LT(mm_structs() - before, kChildren / 2)
        << "the address spaces of exited children are still held";
}

// A 32-bit process cannot pass mmap() an offset that names a DMA region: the
// allocation is refused with EOVERFLOW rather than handing out an offset that,
// truncated, would map a BAR or the counters instead.
TEST_F(DmaTest, CompatProcessIsRefusedClearly) {
#ifdef NVMETEST_COMPAT32_PROBE
    const std::string request = std::to_string(NVMETEST_DMA_ALLOC);
    int fd = fd_.get();
    ChildStatus s = run_in_child([fd, &request] {
        // dup2() onto itself would keep close-on-exec: clear it explicitly.
        if (::dup2(fd, 3) != 3 || ::fcntl(3, F_SETFD, 0) != 0)
            return 126;
        ::execl(NVMETEST_COMPAT32_PROBE, NVMETEST_COMPAT32_PROBE, request.c_str(),
                static_cast<char*>(nullptr));
        return 127;
    });
    ASSERT_TRUE(s.exited) << s.describe();
    ASSERT_NE(s.exit_code, 127) << "cannot run the 32-bit probe (IA-32 emulation off?)";
    EXPECT_EQ(s.exit_code, EOVERFLOW) << "0: a 32-bit process was given an unreachable mmap offset";
#else
    GTEST_SKIP() << "built without a compiler that targets i386";
#endif
}

// Sets a module parameter for the life of the object.
class ModuleParam {
public:
    ModuleParam(const std::string& name, const std::string& value)
        : path_("/sys/module/nvmetest/parameters/" + name), old_(read_file(path_).value_or("")) {
        ok_ = !old_.empty() && write_file(path_, value) == 0;
    }
    ~ModuleParam() {
        if (ok_)
            write_file(path_, old_);
    }
    bool ok() const { return ok_; }

private:
    std::string path_;
    std::string old_;
    bool ok_ = false;
};

// With both limits at their maximum (root may set them so), no size wraps:
// the largest allocation offered stays within what the machine has, and sizes
// near 2^64 fail with EINVAL, leaving nothing held and nothing locked.
TEST_F(DmaTest, HugeSizesFailCleanlyWithLimitsAtMaximum) {
    const std::string max = std::to_string(UINT64_MAX);
    ModuleParam file_limit("dma_limit_file", max);
    ModuleParam dev_limit("dma_limit_device", max);
    ASSERT_TRUE(file_limit.ok() && dev_limit.ok()) << "cannot set the DMA limits";
    nvmetest_info info;
    ASSERT_EQ(get_info(fd_.get(), &info), 0);
    EXPECT_EQ(info.dma_limit_file, UINT64_MAX);
    const uint64_t ram = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * 4096;
    EXPECT_LE(info.dma_max_alloc, ram) << "an allocation larger than the machine is offered";
    EXPECT_EQ(info.dma_max_alloc % 4096, 0u);

    int64_t bytes0 = attr("dma_bytes");
    for (uint64_t size : std::initializer_list<uint64_t>{0xfffffffffffff001ull, UINT64_MAX,
                                                         1ull << 63, 0xfffffffffffff000ull,
                                                         info.dma_max_alloc + 1}) {
        auto a = make_arg<nvmetest_dma_alloc>();
        a.size = size;
        EXPECT_EQ(do_ioctl(fd_.get(), NVMETEST_DMA_ALLOC, &a), -EINVAL) << std::hex << size;
    }
    EXPECT_EQ(attr("dma_bytes"), bytes0);
    // The module is still usable: no lock was left held.
    DmaBuffer b;
    EXPECT_EQ(b.allocate(fd_.get(), 4096), 0);
}

// Under an IOMMU, memory given back by NVMETEST_DMA_FREE is out of the
// device's reach when the call returns: a command sent at once to the freed
// bus address is faulted by the IOMMU (which the kernel logs), even though
// the IOMMU translated that address a moment before (the kernel invalidates
// lazily by default, so the IOTLB would otherwise still lead to the freed
// page). QEMU completes the command with success either way.
class DmaIommuTest : public Bar0Test {
protected:
    void TearDown() override {
        if (bar0_)
            nvme::AdminQueue(fd_.get(), bar0_.get()).disable();
        Bar0Test::TearDown();
    }
};

TEST_F(DmaIommuTest, FreedMemoryIsUnreachableAtOnce) {
    if (!(info_.flags & NVMETEST_INFO_IOMMU))
        GTEST_SKIP() << "without an IOMMU the device reaches all memory (iommu profile)";
    nvme::AdminQueue aq(fd_.get(), bar0_.get());
    ASSERT_EQ(aq.init(), "");
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 4096;
    ASSERT_EQ(do_ioctl(fd_.get(), NVMETEST_DMA_ALLOC, &a), 0);
    nvme::Sqe identify{};
    identify.cdw0 = nvme::kOpIdentify;
    identify.prp1 = a.iova;
    identify.cdw10 = 1;
    // The device writes the page: its translation is now cached.
    aq.submit(identify);
    auto cqe = aq.wait(std::chrono::seconds(10));
    ASSERT_TRUE(cqe.has_value());
    ASSERT_EQ(cqe->sf(), 0);

    KernelLog klog;
    ASSERT_TRUE(klog) << "/dev/kmsg: " << strerror(errno);
    ASSERT_EQ(dma_free(fd_.get(), a.handle), 0);
    aq.submit(identify);
    cqe = aq.wait(std::chrono::seconds(10));
    ASSERT_TRUE(cqe.has_value());
    char fault[64];
    std::snprintf(fault, sizeof(fault), "fault addr 0x%llx",
                  static_cast<unsigned long long>(a.iova));
    EXPECT_TRUE(klog.wait_for(fault, std::chrono::seconds(5)))
        << "no IOMMU fault at " << std::hex << a.iova
        << ": the device wrote into a page freed by NVMETEST_DMA_FREE";
}

} // namespace
} // namespace devtest
