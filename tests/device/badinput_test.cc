// SPDX-License-Identifier: GPL-2.0
// Every ioctl with bad input: a specific errno, and nothing changes. The
// fixture snapshots the device's state (config header, AQA, DMA and IRQ
// accounting) before each test and compares after it.
#include "support/device.h"
#include "support/nvme.h"

#include <climits>
#include <cstddef>
#include <sys/ioctl.h>
#include <sys/mman.h>

namespace devtest {
namespace {

using namespace std::chrono_literals;

struct State {
    std::string config; // standard header
    uint64_t aqa = 0;
    std::string dma_bytes, dma_allocs, irq_type, irq_vectors, openers;
    bool operator==(const State&) const = default;
};

class BadInputTest : public DeviceTest {
protected:
    void SetUp() override {
        DeviceTest::SetUp();
        if (HasFatalFailure())
            return;
        before_ = snapshot();
    }
    void TearDown() override {
        if (fd_) {
            State after = snapshot();
            EXPECT_EQ(after.config, before_.config) << "config space changed";
            EXPECT_EQ(after.aqa, before_.aqa) << "BAR0 changed";
            EXPECT_EQ(after.dma_bytes, before_.dma_bytes);
            EXPECT_EQ(after.dma_allocs, before_.dma_allocs);
            EXPECT_EQ(after.irq_type, before_.irq_type);
            EXPECT_EQ(after.irq_vectors, before_.irq_vectors);
            EXPECT_EQ(after.openers, before_.openers);
        }
        DeviceTest::TearDown();
    }
    State snapshot() {
        State s;
        s.config = read_file(pci_dir(bdf_) + "/config").value_or("").substr(0, 64);
        bar_read(fd_.get(), 0, nvme::kAqa, 4, &s.aqa);
        auto attr = [&](const char* n) {
            return read_file(class_dir(bdf_) + "/" + n).value_or("?");
        };
        s.dma_bytes = attr("dma_bytes");
        s.dma_allocs = attr("dma_allocs");
        s.irq_type = attr("irq_type");
        s.irq_vectors = attr("irq_vectors");
        s.openers = attr("openers");
        return s;
    }

    int rw(unsigned long req, uint32_t flags, uint32_t bar, uint32_t width, uint64_t offset,
           uint64_t value = 0) {
        auto a = make_arg<nvmetest_rw>();
        a.flags = flags;
        a.bar = bar;
        a.width = width;
        a.offset = offset;
        a.value = value;
        return do_ioctl(fd_.get(), req, &a);
    }

    State before_;
};

// --------------------------------------------------------------- argsz

// A short argsz is EINVAL, and the kernel writes nothing into the buffer.
template <typename T>
void expect_short_argsz_rejected(int fd, unsigned long req, T arg, uint32_t argsz) {
    alignas(8) unsigned char buf[sizeof(T)];
    arg.argsz = argsz;
    std::memcpy(buf, &arg, sizeof(T));
    EXPECT_EQ(do_ioctl(fd, req, buf), -EINVAL) << "argsz " << argsz;
    EXPECT_EQ(std::memcmp(buf, &arg, sizeof(T)), 0) << "argsz " << argsz << ": buffer written";
}

TEST_F(BadInputTest, ShortArgszIsEinval) {
    int fd = fd_.get();
    for (uint32_t sz : {0u, 4u, 7u}) {
        expect_short_argsz_rejected(fd, NVMETEST_GET_INFO, make_arg<nvmetest_info>(), sz);
        expect_short_argsz_rejected(fd, NVMETEST_DMA_FREE, make_arg<nvmetest_dma_free>(), sz);
        expect_short_argsz_rejected(fd, NVMETEST_IRQ_SET, make_arg<nvmetest_irq_set>(), sz);
        expect_short_argsz_rejected(fd, NVMETEST_RESET, make_arg<nvmetest_reset>(), sz);
        // NVMETEST_REMOVE's bad input is in remove_test.cc (a mistake there removes the DUT).
    }
    // Structures cut before a field the call needs.
    auto r = make_arg<nvmetest_rw>();
    r.width = 4;
    expect_short_argsz_rejected(fd, NVMETEST_CONFIG_RW, r,
                                static_cast<uint32_t>(offsetof(nvmetest_rw, value)));
    expect_short_argsz_rejected(fd, NVMETEST_BAR_RW, r,
                                static_cast<uint32_t>(offsetof(nvmetest_rw, offset)));
    auto d = make_arg<nvmetest_dma_alloc>();
    d.size = 4096;
    expect_short_argsz_rejected(fd, NVMETEST_DMA_ALLOC, d,
                                static_cast<uint32_t>(offsetof(nvmetest_dma_alloc, handle)));
    auto f = make_arg<nvmetest_dma_free>();
    expect_short_argsz_rejected(fd, NVMETEST_DMA_FREE, f,
                                static_cast<uint32_t>(offsetof(nvmetest_dma_free, handle)));
    auto s = make_arg<nvmetest_irq_set>();
    s.type = NVMETEST_IRQ_NONE;
    expect_short_argsz_rejected(fd, NVMETEST_IRQ_SET, s,
                                static_cast<uint32_t>(offsetof(nvmetest_irq_set, count)));
    for (unsigned long req : {NVMETEST_IRQ_MASK, NVMETEST_IRQ_UNMASK, NVMETEST_IRQ_TRIGGER})
        expect_short_argsz_rejected(fd, req, make_arg<nvmetest_irq_vector>(),
                                    static_cast<uint32_t>(offsetof(nvmetest_irq_vector, vector)));
    auto rs = make_arg<nvmetest_reset>();
    expect_short_argsz_rejected(fd, NVMETEST_RESET, rs,
                                static_cast<uint32_t>(offsetof(nvmetest_reset, method)));
}

// An info buffer shorter than the structure but above the minimum: the kernel
// writes at most argsz bytes.
TEST_F(BadInputTest, InfoNeverWritesPastArgsz) {
    for (size_t cut : {offsetof(nvmetest_info, bars), offsetof(nvmetest_info, reserved),
                       offsetof(nvmetest_info, dma_max_alloc)}) {
        Oversized<nvmetest_info> buf;
        std::memset(buf.bytes, 0x5c, sizeof(buf.bytes));
        std::memset(buf.bytes, 0, 8);
        buf.arg().argsz = static_cast<uint32_t>(cut);
        int r = do_ioctl(fd_.get(), NVMETEST_GET_INFO, buf.bytes);
        if (r == -EINVAL)
            continue; // below this kernel's minimum: fine, nothing to check
        ASSERT_EQ(r, 0) << "argsz " << cut;
        for (size_t i = cut; i < sizeof(buf.bytes); i++)
            ASSERT_EQ(buf.bytes[i], 0x5c) << "argsz " << cut << ": byte " << i << " written";
        EXPECT_EQ(buf.arg().vendor_id, info_.vendor_id);
    }
}

// uapi.md: a larger argsz is accepted when every byte past the structure the
// kernel knows is zero (what a newer caller on an older kernel sends when it
// leaves new fields unused); the kernel writes back at most its structure.
void check_oversized(int fd, const nvmetest_info& info_, unsigned char pattern);

TEST_F(BadInputTest, OversizedArgszZeroTail) {
    check_oversized(fd_.get(), info_, 0);
}

// A nonzero byte past the structure is a field this kernel does not know: the
// call fails with E2BIG instead of ignoring it, and nothing happens (TearDown
// checks the device state).
TEST_F(BadInputTest, OversizedArgszNonzeroTailIsE2big) {
    int fd = fd_.get();
    for (unsigned long req :
         {NVMETEST_GET_INFO, NVMETEST_CONFIG_RW, NVMETEST_BAR_RW, NVMETEST_DMA_ALLOC,
          NVMETEST_DMA_FREE, NVMETEST_IRQ_SET, NVMETEST_IRQ_MASK, NVMETEST_IRQ_UNMASK,
          NVMETEST_IRQ_TRIGGER, NVMETEST_RESET, NVMETEST_REMOVE}) {
        // The largest argument structure is nvmetest_info; a buffer of it plus a
        // tail fits every call, and its zero body is a harmless request.
        Oversized<nvmetest_info> o(0xa5);
        if (req == NVMETEST_DMA_ALLOC)
            reinterpret_cast<nvmetest_dma_alloc*>(o.bytes)->size = 4096;
        EXPECT_EQ(do_ioctl(fd, req, o.bytes), -E2BIG) << "ioctl 0x" << std::hex << req;
        EXPECT_TRUE(o.tail_intact()) << "ioctl 0x" << std::hex << req;
    }
    EXPECT_EQ(bar_rd(fd, 0, nvme::kVs, 4), 0x00010400u) << "device still answers";
}

// argsz above one page is E2BIG even with a zero tail.
TEST_F(BadInputTest, ArgszAbovePageIsE2big) {
    std::vector<unsigned char> big(8192, 0);
    auto info = make_arg<nvmetest_info>();
    info.argsz = static_cast<uint32_t>(big.size());
    std::memcpy(big.data(), &info, sizeof(info));
    EXPECT_EQ(do_ioctl(fd_.get(), NVMETEST_GET_INFO, big.data()), -E2BIG);
}

void check_oversized(int fd, const nvmetest_info& info_, unsigned char pattern) {
    {
        Oversized<nvmetest_info> o(pattern);
        ASSERT_EQ(do_ioctl(fd, NVMETEST_GET_INFO, o.bytes), 0);
        EXPECT_TRUE(o.tail_intact());
        EXPECT_EQ(o.arg().vendor_id, info_.vendor_id);
        EXPECT_EQ(o.arg().bars[0].size, info_.bars[0].size);
    }
    {
        Oversized<nvmetest_rw> o(pattern);
        o.arg().width = 4;
        o.arg().offset = 0;
        ASSERT_EQ(do_ioctl(fd, NVMETEST_CONFIG_RW, o.bytes), 0);
        EXPECT_TRUE(o.tail_intact());
        EXPECT_EQ(o.arg().value, static_cast<uint64_t>(info_.device_id) << 16 | info_.vendor_id);
    }
    {
        Oversized<nvmetest_rw> o(pattern);
        o.arg().width = 4;
        o.arg().offset = nvme::kVs;
        ASSERT_EQ(do_ioctl(fd, NVMETEST_BAR_RW, o.bytes), 0);
        EXPECT_TRUE(o.tail_intact());
        EXPECT_EQ(o.arg().value, 0x00010400u);
    }
    {
        Oversized<nvmetest_dma_alloc> o(pattern);
        o.arg().size = 100;
        ASSERT_EQ(do_ioctl(fd, NVMETEST_DMA_ALLOC, o.bytes), 0);
        EXPECT_TRUE(o.tail_intact());
        EXPECT_EQ(o.arg().size, 4096u);
        Oversized<nvmetest_dma_free> f(pattern);
        f.arg().handle = o.arg().handle;
        EXPECT_EQ(do_ioctl(fd, NVMETEST_DMA_FREE, f.bytes), 0);
        EXPECT_TRUE(f.tail_intact());
    }
    {
        UniqueFd efd = make_eventfd();
        int32_t fds[1] = {efd.get()};
        Oversized<nvmetest_irq_set> o(pattern);
        o.arg().type = NVMETEST_IRQ_MSIX;
        o.arg().count = 1;
        o.arg().eventfds = reinterpret_cast<uintptr_t>(fds);
        ASSERT_EQ(do_ioctl(fd, NVMETEST_IRQ_SET, o.bytes), 0);
        EXPECT_TRUE(o.tail_intact());
        for (unsigned long req : {NVMETEST_IRQ_MASK, NVMETEST_IRQ_UNMASK, NVMETEST_IRQ_TRIGGER}) {
            Oversized<nvmetest_irq_vector> v(pattern);
            EXPECT_EQ(do_ioctl(fd, req, v.bytes), 0);
            EXPECT_TRUE(v.tail_intact());
        }
        EXPECT_EQ(wait_eventfd(efd.get(), 2s), 1u);
        Oversized<nvmetest_irq_set> none(pattern);
        none.arg().type = NVMETEST_IRQ_NONE;
        EXPECT_EQ(do_ioctl(fd, NVMETEST_IRQ_SET, none.bytes), 0);
    }
}

TEST_F(BadInputTest, UnreadableArgumentIsEfault) {
    int fd = fd_.get();
    for (unsigned long req :
         {NVMETEST_GET_INFO, NVMETEST_CONFIG_RW, NVMETEST_BAR_RW, NVMETEST_DMA_ALLOC,
          NVMETEST_DMA_FREE, NVMETEST_IRQ_SET, NVMETEST_IRQ_MASK, NVMETEST_IRQ_UNMASK,
          NVMETEST_IRQ_TRIGGER, NVMETEST_RESET, NVMETEST_REMOVE}) {
        // An unreadable argument cannot be acted on, so REMOVE is safe here.
        EXPECT_EQ(do_ioctl(fd, req, nullptr), -EFAULT) << "ioctl 0x" << std::hex << req;
        EXPECT_EQ(do_ioctl(fd, req, reinterpret_cast<void*>(8)), -EFAULT)
            << "ioctl 0x" << std::hex << req;
    }
    // GET_INFO into a read-only page.
    void* ro = ::mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(ro, MAP_FAILED);
    // argsz reads as 0 from a zero page: EINVAL; so place a real header there.
    void* rw = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(rw, MAP_FAILED);
    auto info = make_arg<nvmetest_info>();
    std::memcpy(rw, &info, sizeof(info));
    ASSERT_EQ(::mprotect(rw, 4096, PROT_READ), 0);
    EXPECT_EQ(do_ioctl(fd, NVMETEST_GET_INFO, rw), -EFAULT);
    ::munmap(ro, 4096);
    ::munmap(rw, 4096);
}

TEST_F(BadInputTest, UnknownIoctlIsEnotty) {
    int fd = fd_.get();
    nvmetest_info info = make_arg<nvmetest_info>();
    for (unsigned long req :
         {static_cast<unsigned long>(_IO(NVMETEST_IOCTL_TYPE, NVMETEST_IOCTL_BASE + 11)),
          static_cast<unsigned long>(_IO(NVMETEST_IOCTL_TYPE, 0xff)),
          static_cast<unsigned long>(_IO('x', 0)),
          static_cast<unsigned long>(_IOWR(NVMETEST_IOCTL_TYPE, 0, struct nvmetest_info)),
          static_cast<unsigned long>(_IOR(NVMETEST_IOCTL_TYPE, 1, uint32_t))})
        EXPECT_EQ(do_ioctl(fd, req, &info), -ENOTTY) << "ioctl 0x" << std::hex << req;
}

// ---------------------------------------------------------- flags, reserved

TEST_F(BadInputTest, UnknownFlagsAreEinval) {
    int fd = fd_.get();
    for (uint32_t bit = 0; bit < 32; bit++) {
        SCOPED_TRACE("flag bit " + std::to_string(bit));
        uint32_t flag = 1u << bit;
        auto info = make_arg<nvmetest_info>();
        info.flags = flag;
        EXPECT_EQ(do_ioctl(fd, NVMETEST_GET_INFO, &info), -EINVAL);
        if (flag != NVMETEST_RW_WRITE) {
            // A would-be write to Interrupt Line with an unknown flag: rejected, not written.
            EXPECT_EQ(rw(NVMETEST_CONFIG_RW, flag | NVMETEST_RW_WRITE, 0, 1, 0x3c, 0x99), -EINVAL);
            EXPECT_EQ(rw(NVMETEST_BAR_RW, flag | NVMETEST_RW_WRITE, 0, 4, nvme::kAqa, 0x00030003),
                      -EINVAL);
            EXPECT_EQ(rw(NVMETEST_CONFIG_RW, flag, 0, 4, 0), -EINVAL);
        }
        auto a = make_arg<nvmetest_dma_alloc>();
        a.flags = flag;
        a.size = 4096;
        EXPECT_EQ(do_ioctl(fd, NVMETEST_DMA_ALLOC, &a), -EINVAL);
        auto s = make_arg<nvmetest_irq_set>();
        s.flags = flag;
        EXPECT_EQ(do_ioctl(fd, NVMETEST_IRQ_SET, &s), -EINVAL);
        auto r = make_arg<nvmetest_reset>();
        r.flags = flag;
        r.method = NVMETEST_RESET_FLR;
        EXPECT_EQ(do_ioctl(fd, NVMETEST_RESET, &r), -EINVAL);
    }
}

TEST_F(BadInputTest, NonzeroReservedIsEinval) {
    int fd = fd_.get();
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 4096;
    a.reserved = 1;
    EXPECT_EQ(do_ioctl(fd, NVMETEST_DMA_ALLOC, &a), -EINVAL);

    DmaBuffer buf;
    ASSERT_EQ(buf.allocate(fd, 4096, false), 0);
    auto f = make_arg<nvmetest_dma_free>();
    f.handle = buf.handle();
    f.reserved = 0x80000000;
    EXPECT_EQ(do_ioctl(fd, NVMETEST_DMA_FREE, &f), -EINVAL);
    f.reserved = 0;
    f.flags = 1;
    EXPECT_EQ(do_ioctl(fd, NVMETEST_DMA_FREE, &f), -EINVAL);
    buf.reset(); // still allocated: frees normally

    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd, NVMETEST_IRQ_MSIX, {efd.get()}), 0);
    for (unsigned long req : {NVMETEST_IRQ_MASK, NVMETEST_IRQ_UNMASK, NVMETEST_IRQ_TRIGGER}) {
        auto v = make_arg<nvmetest_irq_vector>();
        v.reserved = 1;
        EXPECT_EQ(do_ioctl(fd, req, &v), -EINVAL);
        v.reserved = 0;
        v.flags = 1;
        EXPECT_EQ(do_ioctl(fd, req, &v), -EINVAL);
    }
    EXPECT_EQ(wait_eventfd(efd.get(), 300ms), 0u) << "a rejected TRIGGER fired";
    ASSERT_EQ(irq_set_none(fd), 0);
}

// ----------------------------------------------------------- config space

TEST_F(BadInputTest, ConfigBadWidths) {
    for (uint32_t w : {0u, 3u, 5u, 8u, 16u, 0xffffffffu}) {
        EXPECT_EQ(rw(NVMETEST_CONFIG_RW, 0, 0, w, 0), -EINVAL) << "width " << w;
        EXPECT_EQ(rw(NVMETEST_CONFIG_RW, NVMETEST_RW_WRITE, 0, w, 0x3c, 0x77), -EINVAL)
            << "width " << w;
    }
}

TEST_F(BadInputTest, ConfigMisaligned) {
    EXPECT_EQ(rw(NVMETEST_CONFIG_RW, 0, 0, 2, 1), -EINVAL);
    EXPECT_EQ(rw(NVMETEST_CONFIG_RW, 0, 0, 4, 2), -EINVAL);
    EXPECT_EQ(rw(NVMETEST_CONFIG_RW, 0, 0, 4, 0x3d), -EINVAL);
    EXPECT_EQ(rw(NVMETEST_CONFIG_RW, NVMETEST_RW_WRITE, 0, 2, 0x3d, 0x7777), -EINVAL);
}

TEST_F(BadInputTest, ConfigOutOfRange) {
    uint64_t size = info_.cfg_size;
    for (uint64_t off : {size, size + 4, uint64_t{1} << 32, (uint64_t{1} << 32) + 0x3c,
                         UINT64_MAX - 3, UINT64_MAX - 1, UINT64_MAX}) {
        for (uint32_t w : {1u, 2u, 4u}) {
            uint64_t o = off & ~static_cast<uint64_t>(w - 1);
            EXPECT_EQ(rw(NVMETEST_CONFIG_RW, 0, 0, w, o), -EINVAL)
                << "offset 0x" << std::hex << o << " width " << w;
            EXPECT_EQ(rw(NVMETEST_CONFIG_RW, NVMETEST_RW_WRITE, 0, w, o, 0x66), -EINVAL)
                << "offset 0x" << std::hex << o << " width " << w;
        }
    }
    // The last byte is in range; one past it is not.
    uint64_t v;
    EXPECT_EQ(cfg_read(fd_.get(), size - 1, 1, &v), 0);
    EXPECT_EQ(cfg_read(fd_.get(), size - 4, 4, &v), 0);
}

TEST_F(BadInputTest, ConfigNonzeroBar) {
    EXPECT_EQ(rw(NVMETEST_CONFIG_RW, 0, 1, 4, 0), -EINVAL);
    EXPECT_EQ(rw(NVMETEST_CONFIG_RW, NVMETEST_RW_WRITE, 6, 1, 0x3c, 0x11), -EINVAL);
}

// ------------------------------------------------------------------ BARs

TEST_F(BadInputTest, BarBadIndex) {
    for (uint32_t bar = 0; bar < NVMETEST_NUM_BARS; bar++) {
        if (info_.bars[bar].size != 0)
            continue;
        EXPECT_EQ(rw(NVMETEST_BAR_RW, 0, bar, 4, 0), -EINVAL) << "unimplemented BAR " << bar;
        EXPECT_EQ(rw(NVMETEST_BAR_RW, NVMETEST_RW_WRITE, bar, 4, 0, 1), -EINVAL)
            << "unimplemented BAR " << bar;
    }
    for (uint32_t bar : {6u, 7u, 8u, 16u, 0x80000000u, 0xffffffffu})
        EXPECT_EQ(rw(NVMETEST_BAR_RW, 0, bar, 4, 0), -EINVAL) << "BAR " << bar;
}

TEST_F(BadInputTest, BarBadWidthsAndAlignment) {
    for (uint32_t w : {0u, 3u, 5u, 7u, 16u, 32u})
        EXPECT_EQ(rw(NVMETEST_BAR_RW, 0, 0, w, 0), -EINVAL) << "width " << w;
    EXPECT_EQ(rw(NVMETEST_BAR_RW, 0, 0, 4, 2), -EINVAL);
    EXPECT_EQ(rw(NVMETEST_BAR_RW, 0, 0, 8, 4), -EINVAL);
    EXPECT_EQ(rw(NVMETEST_BAR_RW, 0, 0, 2, nvme::kVs + 1), -EINVAL);
    EXPECT_EQ(rw(NVMETEST_BAR_RW, NVMETEST_RW_WRITE, 0, 4, nvme::kAqa + 2, 0x00050005), -EINVAL);
}

TEST_F(BadInputTest, BarOutOfRange) {
    uint64_t size = info_.bars[0].size;
    for (uint64_t off : std::initializer_list<uint64_t>{size, size + 8, uint64_t{1} << 40,
                                                        UINT64_MAX - 7, UINT64_MAX & ~3ull}) {
        for (uint32_t w : {1u, 4u, 8u}) {
            uint64_t o = off & ~static_cast<uint64_t>(w - 1);
            EXPECT_EQ(rw(NVMETEST_BAR_RW, 0, 0, w, o), -EINVAL)
                << "offset 0x" << std::hex << o << " width " << w;
            EXPECT_EQ(rw(NVMETEST_BAR_RW, NVMETEST_RW_WRITE, 0, w, o, 0), -EINVAL)
                << "offset 0x" << std::hex << o << " width " << w;
        }
    }
}

// ------------------------------------------------------------------- DMA

TEST_F(BadInputTest, DmaSizeZeroAndHuge) {
    for (uint64_t size : std::initializer_list<uint64_t>{
             0, info_.dma_max_alloc + 1, info_.dma_max_alloc + 4096, info_.dma_max_alloc * 2,
             uint64_t{1} << 40, UINT64_MAX - 4095, UINT64_MAX}) {
        auto a = make_arg<nvmetest_dma_alloc>();
        a.size = size;
        EXPECT_EQ(do_ioctl(fd_.get(), NVMETEST_DMA_ALLOC, &a), -EINVAL) << "size " << size;
    }
}

TEST_F(BadInputTest, DmaFreeUnknownAndDouble) {
    EXPECT_EQ(dma_free(fd_.get(), 0xdeadbeef), -ENOENT);
    EXPECT_EQ(dma_free(fd_.get(), UINT32_MAX), -ENOENT);
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 4096;
    ASSERT_EQ(do_ioctl(fd_.get(), NVMETEST_DMA_ALLOC, &a), 0);
    EXPECT_EQ(dma_free(fd_.get(), a.handle), 0);
    EXPECT_EQ(dma_free(fd_.get(), a.handle), -ENOENT) << "double free";
}

TEST_F(BadInputTest, DmaHandleOfAnotherFile) {
    UniqueFd other(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(other);
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 4096;
    ASSERT_EQ(do_ioctl(other.get(), NVMETEST_DMA_ALLOC, &a), 0);
    EXPECT_EQ(dma_free(fd_.get(), a.handle), -ENOENT) << "handles are per open file";
    errno = 0;
    Mapping m = Mapping::map(fd_.get(), 4096, a.mmap_offset);
    EXPECT_FALSE(m) << "another file's allocation mapped";
    EXPECT_EQ(errno, ENOENT);
    EXPECT_EQ(dma_free(other.get(), a.handle), 0) << "the owner still has it";
}

TEST_F(BadInputTest, DmaFreeWhileMappedIsEbusy) {
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 8192;
    ASSERT_EQ(do_ioctl(fd_.get(), NVMETEST_DMA_ALLOC, &a), 0);
    {
        Mapping m = Mapping::map(fd_.get(), 4096, a.mmap_offset + 4096);
        ASSERT_TRUE(m);
        EXPECT_EQ(dma_free(fd_.get(), a.handle), -EBUSY);
        m.as<unsigned char>()[0] = 1; // the memory is still there
    }
    EXPECT_EQ(dma_free(fd_.get(), a.handle), 0);
}

// ------------------------------------------------------------------- mmap

TEST_F(BadInputTest, MmapBadRegions) {
    int fd = fd_.get();
    auto expect_fail = [&](uint64_t off, size_t len, int err, int prot = PROT_READ) {
        errno = 0;
        void* p = ::mmap(nullptr, len, prot, MAP_SHARED, fd, static_cast<off_t>(off));
        EXPECT_EQ(p, MAP_FAILED) << "offset 0x" << std::hex << off << " len 0x" << len;
        EXPECT_EQ(errno, err) << "offset 0x" << std::hex << off << " len 0x" << len;
        if (p != MAP_FAILED)
            ::munmap(p, len);
    };
    for (uint32_t bar = 0; bar < NVMETEST_NUM_BARS; bar++)
        if (info_.bars[bar].size == 0)
            expect_fail(NVMETEST_MMAP_BAR(bar), 4096, EINVAL);
    for (uint64_t region : {6u, 7u, 9u, 12u, 15u})
        expect_fail(region << NVMETEST_MMAP_SHIFT, 4096, EINVAL);
    uint64_t size = info_.bars[0].size;
    expect_fail(NVMETEST_MMAP_BAR(0) + size, 4096, EINVAL);
    expect_fail(NVMETEST_MMAP_BAR(0), size + 4096, EINVAL);
    expect_fail(NVMETEST_MMAP_BAR(0) + size - 4096, 8192, EINVAL);
    expect_fail(NVMETEST_MMAP_IRQ_COUNTS, info_.irq_counts_size + 4096, EINVAL);
    expect_fail(NVMETEST_MMAP_IRQ_COUNTS + info_.irq_counts_size, 4096, EINVAL);

    DmaBuffer buf;
    ASSERT_EQ(buf.allocate(fd, 8192, false), 0);
    expect_fail(buf.mmap_offset(), 3 * 4096, EINVAL, PROT_READ | PROT_WRITE);
    expect_fail(buf.mmap_offset() + 8192, 4096, EINVAL, PROT_READ | PROT_WRITE);
}

// ------------------------------------------------------------- interrupts

TEST_F(BadInputTest, IrqSetBadTypeAndCount) {
    int fd = fd_.get();
    UniqueFd efd = make_eventfd();
    std::vector<int32_t> many(info_.msix_vectors + 1, efd.get());
    auto set = [&](uint32_t type, uint32_t count, const int32_t* fds) {
        auto s = make_arg<nvmetest_irq_set>();
        s.type = type;
        s.count = count;
        s.eventfds = reinterpret_cast<uintptr_t>(fds);
        return do_ioctl(fd, NVMETEST_IRQ_SET, &s);
    };
    EXPECT_EQ(set(4, 1, many.data()), -EINVAL);
    EXPECT_EQ(set(0xffffffff, 1, many.data()), -EINVAL);
    EXPECT_EQ(set(NVMETEST_IRQ_MSIX, 0, many.data()), -EINVAL);
    EXPECT_EQ(set(NVMETEST_IRQ_MSIX, info_.msix_vectors + 1, many.data()), -EINVAL);
    EXPECT_EQ(set(NVMETEST_IRQ_MSIX, 0xffffffff, many.data()), -EINVAL);
    EXPECT_EQ(set(NVMETEST_IRQ_INTX, 2, many.data()), -EINVAL);
    EXPECT_EQ(set(NVMETEST_IRQ_INTX, 0, many.data()), -EINVAL);
    EXPECT_EQ(set(NVMETEST_IRQ_NONE, 1, many.data()), -EINVAL);
    if (info_.msi_vectors == 0) {
        EXPECT_EQ(set(NVMETEST_IRQ_MSI, 1, many.data()), -EINVAL) << "no MSI capability";
    }
    EXPECT_EQ(set(NVMETEST_IRQ_MSIX, 1, nullptr), -EFAULT);
}

TEST_F(BadInputTest, IrqSetBadEventfd) {
    int fd = fd_.get();
    UniqueFd good = make_eventfd();
    UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(devnull);
    EXPECT_EQ(irq_set(fd, NVMETEST_IRQ_MSIX, {devnull.get()}), -EINVAL) << "not an eventfd";
    EXPECT_EQ(irq_set(fd, NVMETEST_IRQ_MSIX, {fd}), -EINVAL) << "the device itself";
    EXPECT_EQ(irq_set(fd, NVMETEST_IRQ_MSIX, {good.get(), 1000000}), -EBADF) << "no such fd";
    EXPECT_EQ(irq_set(fd, NVMETEST_IRQ_MSIX, {good.get(), -2}), -EINVAL) << "negative fd";
    EXPECT_EQ(irq_set(fd, NVMETEST_IRQ_INTX, {devnull.get()}), -EINVAL);
}

// A rejected setup leaves the previous one working.
TEST_F(BadInputTest, RejectedIrqSetKeepsPreviousSetup) {
    int fd = fd_.get();
    UniqueFd a = make_eventfd(), b = make_eventfd();
    ASSERT_EQ(irq_set(fd, NVMETEST_IRQ_MSIX, {a.get(), b.get()}), 0);
    auto type = read_file(class_dir(bdf_) + "/irq_type");
    UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
    EXPECT_EQ(irq_set(fd, NVMETEST_IRQ_MSIX, {devnull.get()}), -EINVAL);
    EXPECT_EQ(irq_set(fd, NVMETEST_IRQ_MSIX, std::vector<int>(info_.msix_vectors + 1, a.get())),
              -EINVAL);
    EXPECT_EQ(read_file(class_dir(bdf_) + "/irq_type"), type);
    EXPECT_EQ(read_u64(class_dir(bdf_) + "/irq_vectors"), 2u);
    ASSERT_EQ(irq_vector_op(fd, NVMETEST_IRQ_TRIGGER, 1), 0);
    EXPECT_EQ(wait_eventfd(b.get(), 2s), 1u);
    ASSERT_EQ(irq_set_none(fd), 0);
}

TEST_F(BadInputTest, IrqVectorOpsWithoutSetupOrOutOfRange) {
    int fd = fd_.get();
    for (unsigned long req : {NVMETEST_IRQ_MASK, NVMETEST_IRQ_UNMASK, NVMETEST_IRQ_TRIGGER})
        EXPECT_EQ(irq_vector_op(fd, req, 0), -ENXIO) << "nothing set up";
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd, NVMETEST_IRQ_MSIX, {efd.get(), efd.get()}), 0);
    for (unsigned long req : {NVMETEST_IRQ_MASK, NVMETEST_IRQ_UNMASK, NVMETEST_IRQ_TRIGGER})
        for (uint32_t v : {2u, info_.msix_vectors, 0x80000000u, 0xffffffffu})
            EXPECT_EQ(irq_vector_op(fd, req, v), -EINVAL) << "vector " << v;
    EXPECT_EQ(wait_eventfd(efd.get(), 300ms), 0u);
    ASSERT_EQ(irq_set_none(fd), 0);
}

// ----------------------------------------------------------------- resets

// A rejected reset does not reset: the enabled controller stays enabled and
// its admin queue registers keep their values.
TEST_F(BadInputTest, ResetUnknownMethod) {
    Mapping bar0 = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(bar0);
    nvme::AdminQueue aq(fd_.get(), bar0.get());
    ASSERT_EQ(aq.init(), "");
    uint32_t aqa = aq.regs().read32(nvme::kAqa);
    for (uint32_t m : {static_cast<uint32_t>(NVMETEST_RESET_NR), 5u, 0x100u, 0xffffffffu}) {
        auto r = make_arg<nvmetest_reset>();
        r.method = m;
        EXPECT_EQ(do_ioctl(fd_.get(), NVMETEST_RESET, &r), -EINVAL) << "method " << m;
    }
    EXPECT_EQ(aq.regs().read32(nvme::kCsts) & nvme::kCstsRdy, 1u) << "the controller was reset";
    EXPECT_EQ(aq.regs().read32(nvme::kAqa), aqa);
    nvme::IdentifyController id;
    EXPECT_EQ(aq.identify_controller(&id), "");
    // Restore AQA as the snapshot saw it (the admin queue init wrote it).
    ASSERT_EQ(aq.disable(), "");
    aq.regs().write32(nvme::kAqa, static_cast<uint32_t>(before_.aqa));
}

} // namespace
} // namespace devtest
