// SPDX-License-Identifier: BSD-3-Clause
// Metamode PRPs (seed 002 section 2.1 and seed 003): PRP1 and the PRP list
// with offsets, a chained PRP list, invalid PRP offsets with QEMU's statuses,
// and a non-contiguous queue (QEMU has CAP.CQR = 1 and refuses it).
#include "meta_fixture.h"

namespace {

namespace meta = nvmetest::meta;
namespace nvme = nvmetest::nvme;
using nvmetest::Buffer;
using nvmetest::testing::MetaQueueTest;
using nvmetest::testing::MetaTest;

class MetaPrpTest : public MetaQueueTest {
protected:
    static bool all_bytes(std::span<const std::uint8_t> s, std::uint8_t v)
    {
        return std::all_of(s.begin(), s.end(), [v](std::uint8_t b) { return b == v; });
    }
};

// 2.1: PRP1 at offset 0x10, a PRP list at offset 0x20 holding 8 pages, two
// blocks read: they fit in PRP1's page, so the list is not used.
TEST_F(MetaPrpTest, ValidOffsetInPrpList)
{
    Buffer data = random_data(2);
    write_lbas(data, 0, 2);

    meta::PRP buf(4096, {.pvalue = 0xffffffff, .ptype = 32});
    buf.set_offset(0x10);
    buf.set_size(buf.size() - 0x10);
    meta::PRPList prp_list;
    prp_list.set_offset(0x20);
    prp_list.set_size(prp_list.size() - 0x20);
    for (int i = 0; i < 8; i++)
        prp_list[i] = meta::PRP(4096, {.pvalue = 0xffffffff, .ptype = 32});
    meta::SQE cmd(2, 1);
    cmd.set_prp1(buf);
    cmd.set_prp2(prp_list);
    cmd[12] = 1;
    EXPECT_EQ(cmd.prp1(), buf.phys_addr_at(0x10));
    EXPECT_EQ(cmd.prp2(), prp_list.memory().phys_addr_at(0x20));
    EXPECT_EQ(prp_list[0], prp_list.prp(0)->phys_addr());

    const meta::CQE c = run(cmd);
    EXPECT_EQ(c.status(), 0);
    EXPECT_TRUE(all_bytes(buf.slice(0, 0x10), 0xff)) << "the device wrote before PRP1";
    EXPECT_TRUE(same_bytes(buf.slice(0x10, 0x410), data.slice(0, 1024)));
    EXPECT_TRUE(all_bytes(buf.slice(0x410, 4096), 0xff)) << "the device wrote past 1 KiB";
    for (int i = 0; i < 8; i++)
        EXPECT_TRUE(all_bytes(prp_list.prp(i)->slice(0, 4096), 0xff)) << "list page " << i;
}

// The same offsets with a transfer that needs the list: 16 KiB from PRP1 at
// 0x10 spans five pages, four of them from the list at offset 0x20.
TEST_F(MetaPrpTest, PrpListAtAnOffsetCarriesTheTransfer)
{
    Buffer data = random_data(32);
    write_lbas(data, 64, 32);

    meta::PRP buf(4096);
    buf.set_offset(0x10);
    meta::PRPList prp_list;
    prp_list.set_offset(0x20);
    for (int i = 0; i < 4; i++)
        prp_list[i] = meta::PRP(4096);
    meta::SQE cmd(2, 1);
    cmd.set_prp1(buf);
    cmd.set_prp2(prp_list);
    cmd.set_slba(64);
    cmd.set_nlb(32);
    EXPECT_EQ(run(cmd).status(), 0);

    const std::size_t first = 4096 - 0x10;
    EXPECT_TRUE(same_bytes(buf.slice(0x10, 4096), data.slice(0, first)));
    for (std::size_t i = 0; i < 4; i++) {
        const std::size_t from = first + 4096 * i;
        const std::size_t len = std::min<std::size_t>(4096, 16384 - from);
        EXPECT_TRUE(same_bytes(prp_list.prp(i)->slice(0, len), data.slice(from, from + len)))
            << "list page " << i;
    }
}

// A list that continues in another list: the first list starts 0x20 bytes
// before the end of its page, so its four slots hold three pages and, in the
// last slot, the next list.
TEST_F(MetaPrpTest, ChainedPrpListsCarryALargeTransfer)
{
    constexpr std::uint32_t kBlocks = 128;  // 64 KiB: PRP1 and 15 list entries
    Buffer data = random_data(kBlocks);
    write_lbas(data, 256, kBlocks);

    meta::PRP buf(4096);
    meta::PRPList head;
    head.set_offset(4096 - 0x20);
    ASSERT_EQ(head.capacity(), 4u);
    ASSERT_EQ(head.chain_slot(), 3u);
    meta::PRPList tail;
    std::vector<const Buffer*> pages{&buf};
    for (std::size_t i = 0; i < 3; i++) {
        head[i] = meta::PRP(4096);
        pages.push_back(head.prp(i));
    }
    for (std::size_t i = 0; i < 12; i++) {
        tail[i] = meta::PRP(4096);
        pages.push_back(tail.prp(i));
    }
    const std::uint64_t tail_addr = tail.phys_addr();
    head[head.chain_slot()] = std::move(tail);
    EXPECT_EQ(head[3], tail_addr);
    ASSERT_NE(head.next(3), nullptr);

    meta::SQE cmd(2, 1);
    cmd.set_prp1(buf);
    cmd.set_prp2(head);
    cmd.set_slba(256);
    cmd.set_nlb(kBlocks);
    EXPECT_EQ(run(cmd).status(), 0);
    ASSERT_EQ(pages.size(), 16u);
    for (std::size_t i = 0; i < pages.size(); i++)
        EXPECT_TRUE(same_bytes(pages[i]->slice(0, 4096), data.slice(4096 * i, 4096 * (i + 1))))
            << "page " << i;
}

// Invalid PRP offsets: QEMU answers Invalid PRP Offset (00/13, DNR) for a
// second data page or a list entry that does not start a page, and moves no
// data; it does not check that PRP1 is dword aligned and transfers from the
// byte it names.
TEST_F(MetaPrpTest, InvalidPrpOffsets)
{
    Buffer data = random_data(24);
    write_lbas(data, 0, 24);
    meta::PRP buf(4096, {.pvalue = 0xffffffff, .ptype = 32});
    meta::PRP page2(4096, {.pvalue = 0xffffffff, .ptype = 32});
    meta::PRPList prp_list;
    for (int i = 0; i < 2; i++)
        prp_list[i] = meta::PRP(4096, {.pvalue = 0xffffffff, .ptype = 32});

    // PRP2 as the second data page, 0x200 into it.
    meta::SQE two(2, 1);
    two.set_prp1(buf);
    two.set_prp2(page2.phys_addr() + 0x200);
    two.set_nlb(16);
    EXPECT_EQ(run(two).status(), nvme::make_status(0, 0x13, true));

    // The second entry of a PRP list, 0x200 into its page.
    prp_list[1] = prp_list.prp(1)->phys_addr() + 0x200;
    meta::SQE three(2, 1);
    three.set_prp1(buf);
    three.set_prp2(prp_list);
    three.set_nlb(24);
    EXPECT_EQ(run(three).status(), nvme::make_status(0, 0x13, true));

    EXPECT_TRUE(all_bytes(buf.slice(0, 4096), 0xff)) << "data moved for a refused command";
    EXPECT_TRUE(all_bytes(page2.slice(0, 4096), 0xff));
    EXPECT_TRUE(all_bytes(prp_list.prp(0)->slice(0, 4096), 0xff));

    // PRP1 one byte into the buffer (bits 1:0 set): accepted, data from byte 1.
    meta::SQE five(2, 1);
    five.set_prp1(buf.phys_addr() + 1);
    five.set_nlb(1);
    EXPECT_EQ(run(five).status(), 0);
    EXPECT_EQ(buf[0], 0xff);
    EXPECT_TRUE(same_bytes(buf.slice(1, 513), data.slice(0, 512)));
    EXPECT_EQ(buf[513], 0xff);
}

// PRPList entries: what each kind of assignment keeps, and misuse refused.
TEST_F(MetaTest, PrpListEntriesAndMisuse)
{
    meta::PRPList list;
    EXPECT_EQ(list.capacity(), 512u);
    EXPECT_EQ(list.chain_slot(), 511u);
    meta::PRP borrowed(4096);
    list[0] = borrowed;                 // by reference: the caller keeps it
    list[1] = meta::PRP(8192);          // moved in: the list keeps it
    list[2] = 0xdead'b000ull;           // raw
    EXPECT_EQ(list[0], borrowed.phys_addr());
    EXPECT_EQ(list.prp(0), &borrowed);
    ASSERT_NE(list.prp(1), nullptr);
    EXPECT_EQ(list.prp(1)->length(), 8192u);
    EXPECT_EQ(list[1], list.prp(1)->phys_addr());
    EXPECT_EQ(list[2], 0xdead'b000ull);
    EXPECT_EQ(list.prp(2), nullptr);
    EXPECT_EQ(list.memory().data(7, 0), borrowed.phys_addr()) << "entry 0 in the list's bytes";

    EXPECT_THROW(list[512] = 0, nvmetest::UsageError);
    EXPECT_THROW(list[3] = list, nvmetest::UsageError);
    EXPECT_THROW(list.set_offset(8), nvmetest::UsageError) << "entries would move";
    EXPECT_THROW(list.set_size(8), nvmetest::UsageError) << "entry 1 would fall off";
    EXPECT_EQ(list[1], list.prp(1)->phys_addr()) << "a refused change lost an entry";

    meta::PRPList fresh;
    EXPECT_THROW(fresh.set_offset(4), nvmetest::UsageError);
    fresh.set_offset(0x20);
    EXPECT_EQ(fresh.capacity(), (4096u - 0x20) / 8);
    EXPECT_EQ(fresh.phys_addr(), fresh.memory().phys_addr_at(0x20));
}

// A non-contiguous CQ and SQ (PC = 0, memory described by a PRP list): QEMU
// has CAP.CQR = 1 (contiguous queues required) and refuses both with Invalid
// Field in Command (00/02, DNR).
TEST_F(MetaTest, NonContiguousQueuesAreRefused)
{
    EXPECT_TRUE((nvme0.cap() >> 16) & 1) << "CAP.CQR";
    meta::PRPList cq_pages;
    cq_pages[0] = meta::PRP(4096);
    cq_pages[1] = meta::PRP(4096);
    const std::uint64_t list_addr = cq_pages.phys_addr();
    std::optional<meta::IOCQ> cq;
    EXPECT_WARNS(cq.emplace(nvme0, 1, 512, std::move(cq_pages)), "ERROR status: 00/02");
    EXPECT_FALSE(cq->created());
    EXPECT_EQ(cq->create_cqe().status(), nvme::make_status(0, 0x02, true));
    const nvme::Sqe sent = nvme0.cmdlog(1).at(0).sqe;
    EXPECT_EQ(sent.cdw11() & 1u, 0u) << "PC must be 0 for a PRPList queue";
    EXPECT_EQ(sent.prp1(), list_addr) << "PRP1 must point to the PRP list";

    meta::IOCQ good(nvme0, 2, 10, meta::PRP(10 * 16));
    meta::PRPList sq_pages;
    sq_pages[0] = meta::PRP(4096);
    sq_pages[1] = meta::PRP(4096);
    std::optional<meta::IOSQ> sq;
    EXPECT_WARNS(sq.emplace(nvme0, 2, 128, std::move(sq_pages), good), "ERROR status: 00/02");
    EXPECT_FALSE(sq->created());
    EXPECT_EQ(sq->create_cqe().status(), nvme::make_status(0, 0x02, true));

    // A PRPList too short for the ring is refused before anything is sent.
    meta::PRPList short_pages;
    short_pages[0] = meta::PRP(4096);
    EXPECT_THROW(meta::IOCQ(nvme0, 3, 512, std::move(short_pages)), nvmetest::UsageError);
}

}  // namespace
