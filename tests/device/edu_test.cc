// SPDX-License-Identifier: GPL-2.0
// MSI and INTx through QEMU's edu device (1234:11e8, edu profile): BAR0
// offset 0x60 raises its interrupt (the value ORed into the status at 0x24),
// 0x64 acknowledges it; 0x20 bit 7 asks for an interrupt when the factorial
// written at 0x08 is done. MSI when MSI is enabled, else INTx (level).
#include "support/device.h"
#include "support/nvme.h"

#include <cstdlib>
#include <sys/mman.h>

namespace devtest {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kEduId = 0x00;
constexpr uint32_t kEduLiveness = 0x04;
constexpr uint32_t kEduFactorial = 0x08;
constexpr uint32_t kEduStatus = 0x20;
constexpr uint32_t kEduIrqStatus = 0x24;
constexpr uint32_t kEduIrqRaise = 0x60;
constexpr uint32_t kEduIrqAck = 0x64;

class EduTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* edu = std::getenv("NVMETEST_EDU");
        ASSERT_TRUE(edu && *edu) << "NVMETEST_EDU is not set: run in the edu profile";
        bdf_ = edu;
        ASSERT_EQ(bind_to_nvmetest(bdf_), "");
        fd_ = UniqueFd(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
        ASSERT_TRUE(fd_) << strerror(errno);
        ASSERT_EQ(get_info(fd_.get(), &info_), 0);
        bar0_ = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
        ASSERT_TRUE(bar0_) << strerror(errno);
        counts_ =
            Mapping::map(fd_.get(), info_.irq_counts_size, NVMETEST_MMAP_IRQ_COUNTS, PROT_READ);
        ASSERT_TRUE(counts_);
        regs_ = nvme::Regs(bar0_.get());
        regs_.write32(kEduIrqAck, 0xffffffff);
    }
    void TearDown() override {
        if (bar0_)
            regs_.write32(kEduIrqAck, 0xffffffff);
        if (fd_)
            irq_set_none(fd_.get());
    }
    uint64_t count(uint32_t v) const {
        return reinterpret_cast<volatile const uint64_t*>(counts_.get())[v];
    }

    std::string bdf_;
    UniqueFd fd_;
    nvmetest_info info_{};
    Mapping bar0_, counts_;
    nvme::Regs regs_;
};

TEST_F(EduTest, Identity) {
    EXPECT_EQ(info_.vendor_id, 0x1234);
    EXPECT_EQ(info_.device_id, 0x11e8);
    EXPECT_EQ(info_.revision, 0x10);
    EXPECT_EQ(info_.msi_vectors, 1u);
    EXPECT_EQ(info_.msix_vectors, 0u);
    EXPECT_EQ(info_.intx, 1u);
    EXPECT_EQ(info_.bars[0].size, 1u << 20);
    EXPECT_TRUE(info_.bars[0].flags & NVMETEST_BAR_MEM);
    EXPECT_TRUE(info_.bars[0].flags & NVMETEST_BAR_MMAP);
    EXPECT_EQ(regs_.read32(kEduId), 0x010000edu);
    uint64_t v = 0;
    ASSERT_EQ(bar_read(fd_.get(), 0, kEduId, 4, &v), 0);
    EXPECT_EQ(v, 0x010000edu);
    // The liveness register returns the inverse of what was written.
    regs_.write32(kEduLiveness, 0x12345678);
    EXPECT_EQ(regs_.read32(kEduLiveness), ~0x12345678u);
    ASSERT_EQ(bar_write(fd_.get(), 0, kEduLiveness, 4, 0xf0f0f0f0), 0);
    ASSERT_EQ(bar_read(fd_.get(), 0, kEduLiveness, 4, &v), 0);
    EXPECT_EQ(v, 0x0f0f0f0fu);
}

TEST_F(EduTest, MsiFiresOnRaise) {
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSI, {efd.get()}), 0);
    uint32_t msi = find_capability(fd_.get(), 0x05);
    ASSERT_NE(msi, 0u);
    EXPECT_NE(cfg_rd(fd_.get(), msi + 2, 2) & 1, 0u) << "MSI enabled in config space";
    regs_.write32(kEduIrqRaise, 0x4);
    EXPECT_EQ(wait_eventfd(efd.get(), 5s), 1u) << "MSI did not signal";
    EXPECT_EQ(count(0), 1u);
    EXPECT_EQ(regs_.read32(kEduIrqStatus), 0x4u);
    regs_.write32(kEduIrqAck, 0x4);
    EXPECT_EQ(regs_.read32(kEduIrqStatus), 0u);
    regs_.write32(kEduIrqRaise, 0x1);
    EXPECT_EQ(wait_eventfd(efd.get(), 5s), 1u);
    EXPECT_EQ(count(0), 2u);
}

TEST_F(EduTest, MsiOnFactorialCompletion) {
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSI, {efd.get()}), 0);
    regs_.write32(kEduStatus, 0x80);
    regs_.write32(kEduFactorial, 5);
    EXPECT_EQ(wait_eventfd(efd.get(), 5s), 1u);
    EXPECT_EQ(regs_.read32(kEduStatus) & 1, 0u) << "still computing";
    EXPECT_EQ(regs_.read32(kEduFactorial), 120u);
    EXPECT_EQ(regs_.read32(kEduIrqStatus), 1u);
    regs_.write32(kEduStatus, 0);
}

TEST_F(EduTest, MsiMaskHoldsUntilUnmask) {
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSI, {efd.get()}), 0);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_MASK, 0), 0);
    regs_.write32(kEduIrqRaise, 0x2);
    EXPECT_EQ(wait_eventfd(efd.get(), 500ms), 0u) << "a masked MSI signalled";
    EXPECT_EQ(count(0), 0u);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
    EXPECT_EQ(wait_eventfd(efd.get(), 5s), 1u) << "the masked MSI was lost";
    EXPECT_EQ(count(0), 1u);
}

TEST_F(EduTest, MsiTrigger) {
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSI, {efd.get()}), 0);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 0), 0);
    EXPECT_EQ(wait_eventfd(efd.get(), 2s), 1u);
    EXPECT_EQ(count(0), 1u);
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 1), -EINVAL);
    EXPECT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSI, {efd.get(), efd.get()}), -EINVAL)
        << "edu has one MSI vector";
    EXPECT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {efd.get()}), -EINVAL) << "edu has no MSI-X";
}

// INTx is level-triggered: the line stays asserted until the device is
// acknowledged, so the module masks it when it fires and IRQ_UNMASK re-arms it.
TEST_F(EduTest, IntxFiresOnRaise) {
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_INTX, {efd.get()}), 0);
    for (int round = 1; round <= 3; round++) {
        SCOPED_TRACE("round " + std::to_string(round));
        regs_.write32(kEduIrqRaise, 0x8);
        EXPECT_GE(wait_eventfd(efd.get(), 5s), 1u) << "INTx did not signal";
        EXPECT_EQ(regs_.read32(kEduIrqStatus), 0x8u);
        regs_.write32(kEduIrqAck, 0x8);
        ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
        EXPECT_EQ(wait_eventfd(efd.get(), 200ms), 0u) << "fired again after the acknowledgement";
        EXPECT_EQ(count(0), static_cast<uint64_t>(round));
    }
}

TEST_F(EduTest, IntxMaskHoldsUntilUnmask) {
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_INTX, {efd.get()}), 0);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_MASK, 0), 0);
    regs_.write32(kEduIrqRaise, 0x10);
    EXPECT_EQ(wait_eventfd(efd.get(), 500ms), 0u) << "a masked INTx signalled";
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
    EXPECT_GE(wait_eventfd(efd.get(), 5s), 1u) << "the line is still asserted: it must fire";
    regs_.write32(kEduIrqAck, 0x10);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
}

// Switching types: MSI after INTx after MSI, each works.
TEST_F(EduTest, SwitchBetweenMsiAndIntx) {
    UniqueFd efd = make_eventfd();
    for (uint32_t type : {NVMETEST_IRQ_MSI, NVMETEST_IRQ_INTX, NVMETEST_IRQ_MSI}) {
        SCOPED_TRACE("type " + std::to_string(type));
        ASSERT_EQ(irq_set(fd_.get(), type, {efd.get()}), 0);
        regs_.write32(kEduIrqRaise, 0x20);
        EXPECT_GE(wait_eventfd(efd.get(), 5s), 1u);
        regs_.write32(kEduIrqAck, 0x20);
        if (type == NVMETEST_IRQ_INTX) {
            ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
        }
        EXPECT_EQ(count(0), 1u);
    }
}

// On a shared INTx line every handler runs for every assertion. edu's
// interrupt, never acknowledged, keeps its Interrupt Status set while the
// module holds it masked; the NVMe DUT's completions on the same line must not
// count it again (the profile puts both on one line: rp0 and rp4 share a PIRQ).
TEST_F(EduTest, SharedIntxDoesNotCountAMaskedFunction) {
    constexpr int kRounds = 20;
    const std::string nvme_bdf = dut_bdf();
    ASSERT_FALSE(nvme_bdf.empty()) << "NVMETEST_DUT is not set";
    auto edu_irq = read_u64(pci_dir(bdf_) + "/irq");
    auto nvme_irq = read_u64(pci_dir(nvme_bdf) + "/irq");
    ASSERT_TRUE(edu_irq && nvme_irq);
    ASSERT_EQ(*edu_irq, *nvme_irq) << "the edu profile must put edu and the NVMe DUT on one line";

    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_INTX, {efd.get()}), 0);
    regs_.write32(kEduIrqRaise, 0x40);
    ASSERT_GE(wait_eventfd(efd.get(), 5s), 1u) << "edu's INTx did not signal";
    ASSERT_EQ(count(0), 1u);

    UniqueFd nfd(::open(dev_path(nvme_bdf).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(nfd) << strerror(errno);
    nvmetest_info ninfo{};
    ASSERT_EQ(get_info(nfd.get(), &ninfo), 0);
    Mapping nbar = Mapping::map(nfd.get(), ninfo.bars[0].size, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(nbar) << strerror(errno);
    Mapping ncounts =
        Mapping::map(nfd.get(), ninfo.irq_counts_size, NVMETEST_MMAP_IRQ_COUNTS, PROT_READ);
    ASSERT_TRUE(ncounts) << strerror(errno);
    UniqueFd nefd = make_eventfd();
    ASSERT_EQ(irq_set(nfd.get(), NVMETEST_IRQ_INTX, {nefd.get()}), 0);
    nvme::AdminQueue aq(nfd.get(), nbar.get());
    ASSERT_EQ(aq.init(/*mask_intx=*/false), "");
    aq.regs().write32(nvme::kIntmc, 1);
    for (int round = 1; round <= kRounds; round++) {
        SCOPED_TRACE("round " + std::to_string(round));
        aq.submit_identify(1);
        ASSERT_GE(wait_eventfd(nefd.get(), 10s), 1u) << "the NVMe DUT's INTx did not signal";
        auto cqe = aq.wait(1s); // the CQ head doorbell deasserts its INTx
        ASSERT_TRUE(cqe.has_value());
        ASSERT_EQ(irq_vector_op(nfd.get(), NVMETEST_IRQ_UNMASK, 0), 0);
    }
    aq.regs().write32(nvme::kIntms, 1);
    aq.disable();
    EXPECT_EQ(reinterpret_cast<volatile const uint64_t*>(ncounts.get())[0],
              static_cast<uint64_t>(kRounds));
    EXPECT_EQ(count(0), 1u) << "edu's masked interrupt was counted again for the NVMe DUT's";
    EXPECT_EQ(drain_eventfd(efd.get()), 0u) << "edu's eventfd was signalled for the NVMe DUT";
    EXPECT_EQ(irq_set_none(nfd.get()), 0);

    // edu's own interrupt is still there to be serviced.
    EXPECT_EQ(regs_.read32(kEduIrqStatus), 0x40u);
    regs_.write32(kEduIrqAck, 0x40);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
    EXPECT_EQ(count(0), 1u);
}

} // namespace
} // namespace devtest
