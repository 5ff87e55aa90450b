// SPDX-License-Identifier: BSD-3-Clause
// Group "admin", queue management: Create I/O Completion Queue, Create I/O
// Submission Queue, Delete I/O Submission Queue and Delete I/O Completion
// Queue (NVMe Base Specification 2.0, sections 5.4 to 5.7) with each field
// the specification checks: queue identifiers, sizes, contiguity, interrupt
// vectors, and the order of deletion.
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;

std::string sec(const char* s) { return std::string(kBase) + s; }

// The highest queue ID the controller granted: free unless a case made it.
std::uint16_t top_cq(Context& c) { return static_cast<std::uint16_t>(granted_cqs(c)); }
std::uint16_t top_sq(Context& c) { return static_cast<std::uint16_t>(granted_sqs(c)); }

void cq_cases(std::vector<Case>& out)
{
    out.push_back(make_case("admin.create-cq.smallest", "Create I/O CQ of 2 entries (the minimum) succeeds; Delete succeeds",
        sec("5.4"), M, [](Context& c) {
            Buffer mem(4096);
            const auto q = top_cq(c);
            c.expect_success(create_cq(c, mem, q, 2), "Create I/O CQ QID " + std::to_string(q) + ", 2 entries");
            c.expect_success(delete_cq(c, q), "Delete I/O CQ");
        }));
    out.push_back(make_case("admin.create-cq.largest", "Create I/O CQ of CAP.MQES+1 entries succeeds",
        sec("5.4"), M, [](Context& c) {
            const auto entries = nvme::cap::mqes(cap(c)) + 1;
            c.require(entries * 16 <= (4u << 20), "CAP.MQES is above what one buffer holds");
            Buffer mem(entries * 16);
            const auto q = top_cq(c);
            c.expect_success(create_cq(c, mem, q, entries), "Create I/O CQ, MQES+1 entries");
            c.expect_success(delete_cq(c, q), "Delete I/O CQ");
        }));
    out.push_back(make_case("admin.create-cq.qid-zero", "Create I/O CQ with QID 0 is aborted with Invalid Queue Identifier",
        sec("5.4"), M, [](Context& c) {
            Buffer mem(4096);
            c.expect_status(create_cq(c, mem, 0, 16), st::kInvalidQueueIdentifier, "Create I/O CQ QID 0", Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-cq.qid-beyond",
        "Create I/O CQ with a QID above the granted number of queues is aborted with Invalid Queue Identifier",
        sec("5.4"), M, [](Context& c) {
            Buffer mem(4096);
            const auto q = top_cq(c) + 1;
            c.require(q <= 0xffff, "65535 completion queues granted");
            c.expect_status(create_cq(c, mem, static_cast<std::uint16_t>(q), 16), st::kInvalidQueueIdentifier,
                            "Create I/O CQ QID NCQA+2", Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-cq.qid-in-use",
        "Create I/O CQ with the QID of an existing CQ is aborted with Invalid Queue Identifier", sec("5.4"), M,
        [](Context& c) {
            Buffer mem(4096), again(4096);
            const auto q = top_cq(c);
            c.expect_success(create_cq(c, mem, q, 16), "Create I/O CQ");
            c.expect_status(create_cq(c, again, q, 16), st::kInvalidQueueIdentifier, "the same QID again", Dnr::kSet);
            c.expect_success(delete_cq(c, q), "Delete I/O CQ");
        }));
    out.push_back(make_case("admin.create-cq.size-one",
        "Create I/O CQ of 1 entry (QSIZE 0) is aborted with Invalid Queue Size", sec("5.4"), M, [](Context& c) {
            Buffer mem(4096);
            c.expect_status(create_cq(c, mem, top_cq(c), 1), st::kInvalidQueueSize, "Create I/O CQ QSIZE 0", Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-cq.size-above-mqes",
        "Create I/O CQ larger than CAP.MQES+1 entries is aborted with Invalid Queue Size", sec("5.4"), M,
        [](Context& c) {
            const auto mqes = nvme::cap::mqes(cap(c));
            c.require(mqes < 0xffff, "CAP.MQES is FFFFh: no size is too large");
            Buffer mem(4096);
            c.expect_status(create_cq(c, mem, top_cq(c), mqes + 2), st::kInvalidQueueSize, "Create I/O CQ, MQES+2 entries",
                            Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-cq.not-contiguous",
        "Create I/O CQ with PC 0 when CAP.CQR requires contiguous queues is aborted with Invalid Field in Command",
        sec("5.4"), M, [](Context& c) {
            c.require(nvme::cap::cqr(cap(c)), "CAP.CQR is 0: non-contiguous queues are allowed");
            Buffer mem(4096);
            c.expect_status(create_cq(c, mem, top_cq(c), 16, false), st::kInvalidField, "Create I/O CQ PC 0", Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-cq.vector-beyond",
        "Create I/O CQ with an interrupt vector beyond the MSI-X table is aborted with Invalid Interrupt Vector",
        sec("5.4"), M, [](Context& c) {
            const auto msix = c.pcie().cap_offset(0x11);
            c.require(msix.has_value(), "the function has no MSI-X capability");
            const unsigned vectors = (c.pcie().cfg_word_read(*msix + 2) & 0x7ff) + 1;
            Buffer mem(4096);
            c.expect_status(create_cq(c, mem, top_cq(c), 16, true, true, static_cast<std::uint16_t>(vectors)),
                            st::kInvalidInterruptVector, "Create I/O CQ IV " + std::to_string(vectors), Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-cq.vector-zero",
        "Create I/O CQ with interrupts enabled on vector 0 (shared with the admin CQ) succeeds", sec("5.4"), M,
        [](Context& c) {
            Buffer mem(4096);
            const auto q = top_cq(c);
            c.expect_success(create_cq(c, mem, q, 16, true, true, 0), "Create I/O CQ IEN 1, IV 0");
            c.expect_success(delete_cq(c, q), "Delete I/O CQ");
        }));
    out.push_back(make_case("admin.create-cq.prp-offset",
        "Create I/O CQ whose PRP Entry 1 is not page aligned is aborted (Invalid Field or PRP Offset Invalid)",
        sec("5.4"), M, [](Context& c) {
            Buffer mem(8192);
            mem.set_offset(256);
            mem.set_size(4096);
            c.expect_status_any(create_cq(c, mem, top_cq(c), 16), {st::kInvalidField, st::kPrpOffsetInvalid},
                                "Create I/O CQ, PRP1 offset 256");
        }));
}

void sq_cases(std::vector<Case>& out)
{
    out.push_back(make_case("admin.create-sq.smallest",
        "Create I/O SQ of 2 entries on a new CQ succeeds; deletion SQ then CQ succeeds", sec("5.5"), M,
        [](Context& c) {
            Buffer cqm(4096), sqm(4096);
            const auto cq = top_cq(c), sq = top_sq(c);
            c.expect_success(create_cq(c, cqm, cq, 2), "Create I/O CQ, 2 entries");
            c.expect_success(create_sq(c, sqm, sq, 2, cq), "Create I/O SQ, 2 entries");
            c.expect_success(delete_sq(c, sq), "Delete I/O SQ");
            c.expect_success(delete_cq(c, cq), "Delete I/O CQ");
        }));
    out.push_back(make_case("admin.create-sq.shared-cq",
        "Two I/O SQs on one I/O CQ (many-to-one) are created, and the CQ is deleted after both", sec("5.5"), M,
        [](Context& c) {
            Buffer cqm(4096), sq1(4096), sq2(4096);
            const auto cq = top_cq(c), a = top_sq(c), b = static_cast<std::uint16_t>(top_sq(c) - 1);
            c.require(b >= 2, "fewer than 2 free submission queue IDs");
            c.expect_success(create_cq(c, cqm, cq, 16), "Create I/O CQ");
            c.expect_success(create_sq(c, sq1, a, 16, cq), "Create I/O SQ " + std::to_string(a));
            c.expect_success(create_sq(c, sq2, b, 16, cq), "Create I/O SQ " + std::to_string(b) + " on the same CQ");
            c.expect_success(delete_sq(c, a), "Delete I/O SQ " + std::to_string(a));
            c.expect_status(delete_cq(c, cq), st::kInvalidQueueDeletion, "Delete the CQ with one SQ left");
            c.expect_success(delete_sq(c, b), "Delete I/O SQ " + std::to_string(b));
            c.expect_success(delete_cq(c, cq), "Delete the CQ");
        }));
    out.push_back(make_case("admin.create-sq.priority-under-rr",
        "Under round robin arbitration (CC.AMS 000b) the QPRIO of Create I/O SQ is ignored: urgent and low succeed",
        sec("5.5"), M, [](Context& c) {
            c.require(nvme::cc::ams(c.nvme()[nvme::reg::kCc]) == 0, "CC.AMS is not round robin");
            Buffer cqm(4096), sq1(4096), sq2(4096);
            const auto cq = top_cq(c), a = top_sq(c), b = static_cast<std::uint16_t>(top_sq(c) - 1);
            c.expect_success(create_cq(c, cqm, cq, 16), "Create I/O CQ");
            c.expect_success(admin(c, op::kCreateIoSq, {.buf = &sq1, .cdw10 = 15u << 16 | a,
                                                        .cdw11 = std::uint32_t{cq} << 16 | 0u << 1 | 1u}),
                             "Create I/O SQ QPRIO 00b (urgent)");
            c.expect_success(admin(c, op::kCreateIoSq, {.buf = &sq2, .cdw10 = 15u << 16 | b,
                                                        .cdw11 = std::uint32_t{cq} << 16 | 3u << 1 | 1u}),
                             "Create I/O SQ QPRIO 11b (low)");
            delete_sq(c, a);
            delete_sq(c, b);
            delete_cq(c, cq);
        }));
    out.push_back(make_case("admin.create-sq.cq-missing",
        "Create I/O SQ on a CQ that does not exist is aborted with Completion Queue Invalid", sec("5.5"), M,
        [](Context& c) {
            Buffer mem(4096);
            c.expect_status(create_sq(c, mem, top_sq(c), 16, top_cq(c)), st::kCompletionQueueInvalid,
                            "Create I/O SQ, CQID not created", Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-sq.cq-admin",
        "Create I/O SQ on CQ 0 (the admin CQ) is aborted with Completion Queue Invalid", sec("5.5"), M,
        [](Context& c) {
            Buffer mem(4096);
            c.expect_status(create_sq(c, mem, top_sq(c), 16, 0), st::kCompletionQueueInvalid, "Create I/O SQ, CQID 0",
                            Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-sq.qid-zero", "Create I/O SQ with QID 0 is aborted with Invalid Queue Identifier",
        sec("5.5"), M, [](Context& c) {
            Buffer mem(4096);
            const auto cq = c.qpair().sqid();  // the library pairs SQ n with CQ n
            c.expect_status(create_sq(c, mem, 0, 16, cq), st::kInvalidQueueIdentifier, "Create I/O SQ QID 0", Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-sq.qid-beyond",
        "Create I/O SQ with a QID above the granted number of queues is aborted with Invalid Queue Identifier",
        sec("5.5"), M, [](Context& c) {
            Buffer mem(4096);
            const auto cq = c.qpair().sqid();
            const auto q = top_sq(c) + 1;
            c.require(q <= 0xffff, "65535 submission queues granted");
            c.expect_status(create_sq(c, mem, static_cast<std::uint16_t>(q), 16, cq), st::kInvalidQueueIdentifier,
                            "Create I/O SQ QID NSQA+2", Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-sq.qid-in-use",
        "Create I/O SQ with the QID of an existing SQ is aborted with Invalid Queue Identifier", sec("5.5"), M,
        [](Context& c) {
            Buffer mem(4096);
            const auto q = c.qpair().sqid();
            c.expect_status(create_sq(c, mem, q, 16, q), st::kInvalidQueueIdentifier, "Create I/O SQ, QID in use",
                            Dnr::kSet);
        }));
    out.push_back(make_case("admin.create-sq.size-one",
        "Create I/O SQ of 1 entry (QSIZE 0) is aborted with Invalid Queue Size", sec("5.5"), M, [](Context& c) {
            Buffer cqm(4096), mem(4096);
            const auto cq = top_cq(c);
            c.expect_success(create_cq(c, cqm, cq, 16), "Create I/O CQ");
            c.expect_status(create_sq(c, mem, top_sq(c), 1, cq), st::kInvalidQueueSize, "Create I/O SQ QSIZE 0", Dnr::kSet);
            delete_cq(c, cq);
        }));
    out.push_back(make_case("admin.create-sq.size-above-mqes",
        "Create I/O SQ larger than CAP.MQES+1 entries is aborted with Invalid Queue Size", sec("5.5"), M,
        [](Context& c) {
            const auto mqes = nvme::cap::mqes(cap(c));
            c.require(mqes < 0xffff, "CAP.MQES is FFFFh: no size is too large");
            Buffer cqm(4096), mem(4096);
            const auto cq = top_cq(c);
            c.expect_success(create_cq(c, cqm, cq, 16), "Create I/O CQ");
            c.expect_status(create_sq(c, mem, top_sq(c), mqes + 2, cq), st::kInvalidQueueSize,
                            "Create I/O SQ, MQES+2 entries", Dnr::kSet);
            delete_cq(c, cq);
        }));
    out.push_back(make_case("admin.create-sq.not-contiguous",
        "Create I/O SQ with PC 0 when CAP.CQR requires contiguous queues is aborted with Invalid Field in Command",
        sec("5.5"), M, [](Context& c) {
            c.require(nvme::cap::cqr(cap(c)), "CAP.CQR is 0: non-contiguous queues are allowed");
            Buffer cqm(4096), mem(4096);
            const auto cq = top_cq(c);
            c.expect_success(create_cq(c, cqm, cq, 16), "Create I/O CQ");
            c.expect_status(create_sq(c, mem, top_sq(c), 16, cq, false), st::kInvalidField, "Create I/O SQ PC 0", Dnr::kSet);
            delete_cq(c, cq);
        }));
}

void delete_cases(std::vector<Case>& out)
{
    out.push_back(make_case("admin.delete-cq.sq-attached",
        "Delete I/O CQ while an SQ still uses it is aborted with Invalid Queue Deletion", sec("5.6"), M,
        [](Context& c) {
            const auto q = c.qpair().sqid();
            c.expect_status(delete_cq(c, q), st::kInvalidQueueDeletion, "Delete I/O CQ with its SQ alive");
        }));
    out.push_back(make_case("admin.delete-cq.admin",
        "Delete I/O CQ of QID 0 is aborted with Invalid Queue Identifier", sec("5.6"), M, [](Context& c) {
            c.expect_status(delete_cq(c, 0), st::kInvalidQueueIdentifier, "Delete I/O CQ QID 0", Dnr::kSet);
        }));
    out.push_back(make_case("admin.delete-cq.missing",
        "Delete I/O CQ of a QID not created is aborted with Invalid Queue Identifier", sec("5.6"), M, [](Context& c) {
            c.expect_status(delete_cq(c, top_cq(c)), st::kInvalidQueueIdentifier, "Delete I/O CQ not created", Dnr::kSet);
        }));
    out.push_back(make_case("admin.delete-sq.admin",
        "Delete I/O SQ of QID 0 is aborted with Invalid Queue Identifier", sec("5.7"), M, [](Context& c) {
            c.expect_status(delete_sq(c, 0), st::kInvalidQueueIdentifier, "Delete I/O SQ QID 0", Dnr::kSet);
        }));
    out.push_back(make_case("admin.delete-sq.missing",
        "Delete I/O SQ of a QID not created is aborted with Invalid Queue Identifier", sec("5.7"), M, [](Context& c) {
            c.expect_status(delete_sq(c, top_sq(c)), st::kInvalidQueueIdentifier, "Delete I/O SQ not created", Dnr::kSet);
        }));
}

}  // namespace

void add_queue_cases(std::vector<Case>& out)
{
    cq_cases(out);
    sq_cases(out);
    delete_cases(out);
}

}  // namespace nvmetest::conf
