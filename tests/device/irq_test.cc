// SPDX-License-Identifier: GPL-2.0
// Interrupts on the NVMe DUT: MSI-X vectors fired by real admin completions,
// masking with the PBA holding the interrupt, the software trigger, the
// mmapped counters, ownership, and INTx.
#include "support/device.h"
#include "support/nvme.h"

#include <sys/mman.h>

namespace devtest {
namespace {

using namespace std::chrono_literals;

class IrqTest : public Bar0Test {
protected:
    void SetUp() override {
        Bar0Test::SetUp();
        if (HasFatalFailure())
            return;
        counts_ =
            Mapping::map(fd_.get(), info_.irq_counts_size, NVMETEST_MMAP_IRQ_COUNTS, PROT_READ);
        ASSERT_TRUE(counts_) << strerror(errno);
    }
    void TearDown() override {
        if (bar0_)
            nvme::AdminQueue(fd_.get(), bar0_.get()).disable();
        if (fd_)
            irq_set_none(fd_.get());
        Bar0Test::TearDown();
    }

    // Sets up n MSI-X vectors, each with its own eventfd.
    void setup_msix(uint32_t n) {
        efds_.clear();
        std::vector<int> raw;
        for (uint32_t i = 0; i < n; i++) {
            efds_.push_back(make_eventfd());
            ASSERT_TRUE(efds_.back());
            raw.push_back(efds_.back().get());
        }
        ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, raw), 0);
    }
    uint64_t count(uint32_t vector) const {
        return reinterpret_cast<volatile const uint64_t*>(counts_.get())[vector];
    }
    // The PBA bit of vector through the BAR mapping (MSI-X capability tells where).
    bool pba_pending(uint32_t vector) {
        uint32_t cap = find_capability(fd_.get(), 0x11);
        uint32_t pba = static_cast<uint32_t>(cfg_rd(fd_.get(), cap + 8, 4));
        EXPECT_EQ(pba & 7, 0u) << "QEMU puts the PBA in BAR0";
        uint32_t off = (pba & ~7u) + (vector / 32) * 4;
        return nvme::Regs(bar0_.get()).read32(off) & (1u << (vector % 32));
    }

    Mapping counts_;
    std::vector<UniqueFd> efds_;
};

TEST_F(IrqTest, MsixVectorFiresOnAdminCompletion) {
    ASSERT_NO_FATAL_FAILURE(setup_msix(4));
    for (uint32_t v = 0; v < 4; v++)
        EXPECT_EQ(count(v), 0u) << "IRQ_SET resets the counters";
    nvme::AdminQueue aq(fd_.get(), bar0_.get());
    ASSERT_EQ(aq.init(), "");
    aq.submit_identify(1);
    // The admin CQ is interrupt-enabled on vector 0.
    EXPECT_GE(wait_eventfd(efds_[0].get(), 10s), 1u) << "vector 0 did not signal its eventfd";
    auto cqe = aq.wait(1s);
    ASSERT_TRUE(cqe.has_value());
    EXPECT_EQ(cqe->sf(), 0);
    EXPECT_EQ(count(0), 1u);
    for (uint32_t v = 1; v < 4; v++) {
        EXPECT_EQ(count(v), 0u) << "vector " << v;
        EXPECT_EQ(drain_eventfd(efds_[v].get()), 0u) << "vector " << v;
    }
    // A second completion fires again.
    aq.submit_identify(1);
    EXPECT_GE(wait_eventfd(efds_[0].get(), 10s), 1u);
    EXPECT_TRUE(aq.wait(1s).has_value());
    EXPECT_EQ(count(0), 2u);
}

TEST_F(IrqTest, MaskedVectorHoldsCompletionUntilUnmask) {
    ASSERT_NO_FATAL_FAILURE(setup_msix(2));
    nvme::AdminQueue aq(fd_.get(), bar0_.get());
    ASSERT_EQ(aq.init(), "");
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_MASK, 0), 0);
    aq.submit_identify(1);
    // The completion is posted, but no interrupt is delivered while masked.
    auto cqe = aq.wait(10s, /*ring_head=*/false);
    ASSERT_TRUE(cqe.has_value());
    EXPECT_EQ(wait_eventfd(efds_[0].get(), 500ms), 0u) << "a masked vector signalled";
    EXPECT_EQ(count(0), 0u);
    EXPECT_TRUE(pba_pending(0)) << "the device latches the masked interrupt in the PBA";
    // Masking twice is harmless.
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_MASK, 0), 0);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
    EXPECT_GE(wait_eventfd(efds_[0].get(), 5s), 1u) << "the pending interrupt was lost";
    EXPECT_EQ(count(0), 1u);
    EXPECT_FALSE(pba_pending(0));
    aq.ring_cq_head();
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0) << "unmask twice";
}

TEST_F(IrqTest, TriggerSignalsOnlyItsVectorAndCounts) {
    ASSERT_NO_FATAL_FAILURE(setup_msix(3));
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 2), 0);
    EXPECT_EQ(wait_eventfd(efds_[2].get(), 2s), 1u);
    EXPECT_EQ(count(2), 1u);
    EXPECT_EQ(drain_eventfd(efds_[0].get()), 0u);
    EXPECT_EQ(drain_eventfd(efds_[1].get()), 0u);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 1), 0);
    EXPECT_TRUE(wait_until([&] { return count(1) == 3; }, 2s));
    EXPECT_EQ(drain_eventfd(efds_[1].get()), 3u);
    EXPECT_EQ(count(0), 0u);
    EXPECT_EQ(count(2), 1u);
}

TEST_F(IrqTest, CountOnlyVector) {
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {-1, efd.get()}), 0);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 0), 0);
    EXPECT_TRUE(wait_until([&] { return count(0) == 1; }, 2s));
    EXPECT_EQ(drain_eventfd(efd.get()), 0u);
}

TEST_F(IrqTest, NewSetupResetsCounters) {
    ASSERT_NO_FATAL_FAILURE(setup_msix(2));
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 0), 0);
    ASSERT_TRUE(wait_until([&] { return count(0) == 1; }, 2s));
    ASSERT_NO_FATAL_FAILURE(setup_msix(2));
    EXPECT_EQ(count(0), 0u);
}

TEST_F(IrqTest, NoneTearsDown) {
    ASSERT_NO_FATAL_FAILURE(setup_msix(2));
    auto type = read_file(class_dir(bdf_) + "/irq_type");
    ASSERT_TRUE(type.has_value());
    EXPECT_NE(type->find("msix"), std::string::npos) << *type;
    EXPECT_EQ(read_u64(class_dir(bdf_) + "/irq_vectors"), 2u);
    ASSERT_EQ(irq_set_none(fd_.get()), 0);
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 0), -ENXIO);
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_MASK, 0), -ENXIO);
    EXPECT_EQ(read_u64(class_dir(bdf_) + "/irq_vectors"), 0u);
    // MSI-X is disabled again in config space.
    uint32_t cap = find_capability(fd_.get(), 0x11);
    EXPECT_EQ(cfg_rd(fd_.get(), cap + 2, 2) & 0x8000, 0u);
}

TEST_F(IrqTest, MsixEnabledInConfigSpaceWhileSet) {
    ASSERT_NO_FATAL_FAILURE(setup_msix(1));
    uint32_t cap = find_capability(fd_.get(), 0x11);
    EXPECT_NE(cfg_rd(fd_.get(), cap + 2, 2) & 0x8000, 0u);
}

TEST_F(IrqTest, AnotherFileIsBusyUntilOwnerCloses) {
    UniqueFd owner(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(owner);
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(owner.get(), NVMETEST_IRQ_MSIX, {efd.get()}), 0);
    EXPECT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {efd.get()}), -EBUSY);
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 0), -EBUSY);
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_MASK, 0), -EBUSY);
    EXPECT_EQ(irq_set_none(fd_.get()), -EBUSY) << "only the owner tears down";
    EXPECT_EQ(count(0), 0u);
    owner.reset();
    EXPECT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {efd.get()}), 0)
        << "closing the owner released the interrupts";
}

// INTx on the NVMe DUT: MSI-X off, INTMC unmasks the controller's pin
// interrupt, a completion asserts it. Acknowledging the completion (CQ head
// doorbell) deasserts it; IRQ_UNMASK re-arms a line the module masked.
TEST_F(IrqTest, IntxFiresOnAdminCompletion) {
    ASSERT_EQ(info_.intx, 1u);
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_INTX, {efd.get()}), 0);
    nvme::AdminQueue aq(fd_.get(), bar0_.get());
    ASSERT_EQ(aq.init(/*mask_intx=*/false), "");
    aq.regs().write32(nvme::kIntmc, 1);
    for (int round = 1; round <= 2; round++) {
        SCOPED_TRACE("round " + std::to_string(round));
        aq.submit_identify(1);
        EXPECT_GE(wait_eventfd(efd.get(), 10s), 1u) << "INTx did not signal";
        auto cqe = aq.wait(1s); // rings the CQ head doorbell: deasserts INTx
        ASSERT_TRUE(cqe.has_value());
        EXPECT_EQ(cqe->sf(), 0);
        ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
        EXPECT_EQ(count(0), static_cast<uint64_t>(round));
    }
    // No interrupt storm after the acknowledgement.
    EXPECT_EQ(wait_eventfd(efd.get(), 300ms), 0u);
    aq.regs().write32(nvme::kIntms, 1);
}

TEST_F(IrqTest, IntxTriggerAndMask) {
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_INTX, {efd.get()}), 0);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 0), 0);
    EXPECT_EQ(wait_eventfd(efd.get(), 2s), 1u);
    EXPECT_EQ(count(0), 1u);
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_MASK, 0), 0);
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 1), -EINVAL) << "INTx has one vector";
}

// A setup the kernel refuses leaves the previous one as it was. The PCI core
// refuses MSI and MSI-X to a function whose msi_bus attribute is 0, after the
// module has checked every argument: the MSI-X request fails where it would
// have replaced a working INTx setup, whose counter, eventfd and interrupts
// must all still be there.
TEST_F(IrqTest, FailedSetupKeepsThePreviousOne) {
    ASSERT_EQ(info_.intx, 1u);
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_INTX, {efd.get()}), 0);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 0), 0);
    ASSERT_EQ(wait_eventfd(efd.get(), 2s), 1u);
    ASSERT_EQ(count(0), 1u);

    std::string msi_bus = pci_dir(bdf_) + "/msi_bus";
    ASSERT_EQ(write_file(msi_bus, "0"), 0) << "cannot forbid MSI to the DUT";
    struct AllowMsi {
        std::string path;
        ~AllowMsi() { write_file(path, "1"); }
    } allow{msi_bus};
    UniqueFd other = make_eventfd();
    EXPECT_LT(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {other.get()}), 0)
        << "MSI-X was granted although msi_bus is 0";

    EXPECT_EQ(read_file(class_dir(bdf_) + "/irq_type").value_or(""), "intx\n");
    EXPECT_EQ(count(0), 1u) << "the failed call reset the counters";
    nvme::AdminQueue aq(fd_.get(), bar0_.get());
    ASSERT_EQ(aq.init(/*mask_intx=*/false), "");
    aq.regs().write32(nvme::kIntmc, 1);
    aq.submit_identify(1);
    EXPECT_GE(wait_eventfd(efd.get(), 10s), 1u) << "INTx is gone after the failed call";
    auto cqe = aq.wait(1s);
    ASSERT_TRUE(cqe.has_value());
    EXPECT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_UNMASK, 0), 0);
    EXPECT_EQ(count(0), 2u);
    EXPECT_EQ(wait_eventfd(other.get(), 100ms), 0u) << "the refused eventfd was signalled";
    aq.regs().write32(nvme::kIntms, 1);
}

} // namespace
} // namespace devtest
