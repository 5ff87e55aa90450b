// SPDX-License-Identifier: GPL-2.0
// NVMETEST_DMA_ALLOC / NVMETEST_DMA_FREE: sizes, addresses, zeroing, sharing
// through mmap, accounting in sysfs and debugfs.
#include "support/device.h"

#include <algorithm>
#include <set>

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

TEST_F(DmaTest, FreedWhenFileCloses) {
    int64_t bytes0 = attr("dma_bytes");
    {
        UniqueFd other(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
        ASSERT_TRUE(other);
        DmaBuffer buf;
        ASSERT_EQ(buf.allocate(other.get(), 8192, false), 0);
        buf.leak();
        EXPECT_EQ(attr("dma_bytes"), bytes0 + 8192);
    }
    EXPECT_EQ(attr("dma_bytes"), bytes0);
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

} // namespace
} // namespace devtest
