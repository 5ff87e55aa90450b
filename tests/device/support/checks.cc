// SPDX-License-Identifier: GPL-2.0
#include "checks.h"

#include "nvme.h"

#include <signal.h>

namespace devtest {

ChildStatus touch_in_child(const void* addr) {
    return run_in_child([addr] {
        ::signal(SIGBUS, SIG_DFL);
        volatile uint32_t v = *static_cast<const volatile uint32_t*>(addr);
        (void)v;
        return 0;
    });
}

std::string ioctls_not_enodev(int fd, uint32_t dma_handle) {
    std::string bad;
    auto check = [&](const char* name, int r) {
        if (r != -ENODEV)
            bad += std::string(name) + "=" + std::to_string(r) + " ";
    };
    nvmetest_info info;
    check("GET_INFO", get_info(fd, &info));
    uint64_t v = 0;
    check("CONFIG_RW", cfg_read(fd, 0, 4, &v));
    check("CONFIG_RW(write)", cfg_write(fd, 0x3c, 1, 0));
    check("BAR_RW", bar_read(fd, 0, 0, 4, &v));
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 4096;
    check("DMA_ALLOC", do_ioctl(fd, NVMETEST_DMA_ALLOC, &a));
    check("DMA_FREE", dma_free(fd, dma_handle));
    check("IRQ_SET", irq_set(fd, NVMETEST_IRQ_MSIX, {-1}));
    check("IRQ_MASK", irq_vector_op(fd, NVMETEST_IRQ_MASK, 0));
    check("IRQ_UNMASK", irq_vector_op(fd, NVMETEST_IRQ_UNMASK, 0));
    check("IRQ_TRIGGER", irq_vector_op(fd, NVMETEST_IRQ_TRIGGER, 0));
    auto r = make_arg<nvmetest_reset>();
    r.method = NVMETEST_RESET_FLR;
    check("RESET", do_ioctl(fd, NVMETEST_RESET, &r));
    auto rm = make_arg<nvmetest_remove>();
    check("REMOVE", do_ioctl(fd, NVMETEST_REMOVE, &rm));
    return bad;
}

std::string device_usable(const std::string& bdf) {
    UniqueFd fd(::open(dev_path(bdf).c_str(), O_RDWR | O_CLOEXEC));
    if (!fd)
        return "open " + dev_path(bdf) + ": " + strerror(errno);
    nvmetest_info info;
    if (int r = get_info(fd.get(), &info); r != 0)
        return std::string("GET_INFO: ") + strerror(-r);
    Mapping bar0 = Mapping::map(fd.get(), info.bars[0].size, NVMETEST_MMAP_BAR(0));
    if (!bar0)
        return std::string("mmap BAR0: ") + strerror(errno);
    nvme::AdminQueue aq(fd.get(), bar0.get());
    std::string err = aq.init();
    if (!err.empty())
        return "admin queue: " + err;
    nvme::IdentifyController id;
    err = aq.identify_controller(&id);
    if (!err.empty())
        return err;
    if (id.vid != 0x1b36)
        return "Identify Controller VID " + std::to_string(id.vid);
    aq.disable();
    return "";
}

} // namespace devtest
