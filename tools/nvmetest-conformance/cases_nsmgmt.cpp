// SPDX-License-Identifier: BSD-3-Clause
// Group "nsmgmt": namespace management and attachment (NVMe Base
// Specification 2.0, sections 5.20 and 5.21), and Format NVM (5.14),
// which loses data like them.  Every case that changes a namespace is
// destructive and runs only with --destructive.
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;
constexpr bool kDestructive = true;

std::string sec(const char* s) { return std::string(kBase) + s; }

void require_nsmgmt(Context& c)
{
    c.require(bit(oacs(c), 3), field_says("OACS", oacs(c), 3, "Namespace Management and Attachment"));
}

std::uint16_t cntlid(Context& c) { return static_cast<std::uint16_t>(idctrl(c, 79, 78)); }

Cqe attach(Context& c, std::uint32_t nsid, bool attach_it, std::initializer_list<std::uint16_t> ctrls)
{
    Buffer list(4096);
    list.set_controller_list(ctrls);
    return admin(c, op::kNamespaceAttachment, {.buf = &list, .nsid = nsid, .cdw10 = attach_it ? 0u : 1u});
}

bool active(Context& c, std::uint32_t nsid)
{
    Buffer b(4096);
    identify(c, b, nvme::cns::kActiveNsList, 0);
    for (std::size_t i = 0; i < 1024 && b.data(4 * i + 3, 4 * i); ++i)
        if (b.data(4 * i + 3, 4 * i) == nsid)
            return true;
    return false;
}

void attachment_cases(std::vector<Case>& out)
{
    out.push_back(make_case("nsmgmt.attach.already-attached",
        "Attaching namespace 1 to the controller it is attached to is aborted with Namespace Already Attached",
        sec("5.20"), O, [](Context& c) {
            require_nsmgmt(c);
            c.expect_status(attach(c, 1, true, {cntlid(c)}), st::kNamespaceAlreadyAttached, "Attach NSID 1");
        }));
    out.push_back(make_case("nsmgmt.attach.bad-controller-list",
        "Attaching with a controller list naming no controller of the subsystem is aborted with Controller List Invalid",
        sec("5.20"), O, [](Context& c) {
            require_nsmgmt(c);
            c.expect_status(attach(c, 1, true, {static_cast<std::uint16_t>(cntlid(c) + 0x100)}),
                            st::kControllerListInvalid, "Attach NSID 1 to CNTLID " + hex(cntlid(c) + 0x100));
        }));
    out.push_back(make_case("nsmgmt.attach.sel-reserved",
        "Namespace Attachment with a reserved SEL (Fh) is aborted with Invalid Field in Command", sec("5.20"), O,
        [](Context& c) {
            require_nsmgmt(c);
            Buffer list(4096);
            list.set_controller_list({cntlid(c)});
            c.expect_status(admin(c, op::kNamespaceAttachment, {.buf = &list, .nsid = 1, .cdw10 = 0xf}),
                            st::kInvalidField, "Namespace Attachment SEL Fh");
        }));
    out.push_back(make_case("nsmgmt.detach-attach",
        "Detaching namespace 1 makes it inactive; attaching it again makes it active", sec("5.20"), O,
        [](Context& c) {
            require_nsmgmt(c);
            c.expect_success(attach(c, 1, false, {cntlid(c)}), "Detach NSID 1");
            c.expect_true("NSID 1 in the active list after detach", !active(c, 1), "absent", active(c, 1) ? "present" : "absent");
            c.expect_status(attach(c, 1, false, {cntlid(c)}), st::kNamespaceNotAttached, "Detach NSID 1 again");
            c.expect_success(attach(c, 1, true, {cntlid(c)}), "Attach NSID 1");
            c.expect_true("NSID 1 in the active list after attach", active(c, 1), "present", active(c, 1) ? "present" : "absent");
        }, kDestructive));
    out.push_back(make_case("nsmgmt.create-delete",
        "Namespace Management creates a namespace of the size asked and deletes it", sec("5.21"), O, [](Context& c) {
            require_nsmgmt(c);
            const auto unvmcap_lo = idctrl(c, 303, 296), unvmcap_hi = idctrl(c, 311, 304);
            c.require(unvmcap_lo >= 2048u * 4096 || unvmcap_hi != 0,
                      "UNVMCAP is " + hex(unvmcap_lo) + ": no unallocated capacity for a 2048-block namespace");
            Buffer data(4096);
            const std::uint64_t blocks = 2048;
            for (int i = 0; i < 8; ++i) {
                data[i] = static_cast<std::uint8_t>(blocks >> (8 * i));
                data[8 + i] = static_cast<std::uint8_t>(blocks >> (8 * i));
            }
            const auto made = admin(c, op::kNamespaceManagement, {.buf = &data, .cdw10 = 0});
            c.expect_success(made, "Namespace Management create, 2048 blocks");
            const auto nsid = made.dw[0];
            Buffer id(4096);
            c.expect_success(identify(c, id, nvme::cns::kAllocatedNamespace, nsid), "Identify CNS 11h of the new NSID");
            c.expect_eq("NSZE of the new namespace", blocks, id.data(7, 0));
            c.expect_success(admin(c, op::kNamespaceManagement, {.nsid = nsid, .cdw10 = 1}), "Namespace Management delete");
        }, kDestructive));
    out.push_back(make_case("nsmgmt.delete.invalid",
        "Namespace Management delete of an NSID above NN is aborted with Invalid Namespace or Format or Invalid Field",
        sec("5.21"), O, [](Context& c) {
            require_nsmgmt(c);
            c.expect_status_any(admin(c, op::kNamespaceManagement, {.nsid = nn(c) + 1, .cdw10 = 1}),
                                {st::kInvalidNamespaceOrFormat, st::kInvalidField}, "delete NSID NN+1");
        }, kDestructive));
    out.push_back(make_case("nsmgmt.create.sel-reserved",
        "Namespace Management with a reserved SEL (Fh) is aborted with Invalid Field in Command", sec("5.21"), O,
        [](Context& c) {
            require_nsmgmt(c);
            Buffer data(4096);
            c.expect_status(admin(c, op::kNamespaceManagement, {.buf = &data, .cdw10 = 0xf}), st::kInvalidField,
                            "Namespace Management SEL Fh");
        }, kDestructive));
}

void require_format(Context& c)
{
    c.require(bit(oacs(c), 1), field_says("OACS", oacs(c), 1, "Format NVM"));
}

std::uint32_t current_lbaf(Context& c)
{
    const auto flbas = c.ns().id_data(26);
    return static_cast<std::uint32_t>((flbas & 0xf) | ((flbas >> 5) & 3) << 4);
}

// Format NVM dword 10: LBAF bits 3:0 (and 13:12 for the upper bits), SES bits 11:9.
std::uint32_t format_dw10(std::uint32_t lbaf, std::uint32_t ses)
{
    return (lbaf & 0xf) | ((lbaf >> 4) & 3) << 12 | ses << 9;
}

void format_cases(std::vector<Case>& out)
{
    out.push_back(make_case("admin.format.same-format",
        "Format NVM of namespace 1 to the format in use succeeds and the namespace reads afterwards", sec("5.14"), M,
        [](Context& c) {
            require_format(c);
            const auto lbaf = current_lbaf(c);
            c.nvme().set_timeout_ms(op::kFormatNvm, 60000);
            c.expect_success(admin(c, op::kFormatNvm, {.nsid = 1, .cdw10 = format_dw10(lbaf, 0)}),
                             "Format NVM NSID 1, LBAF " + std::to_string(lbaf));
            c.ns().refresh();
            Buffer r(c.ns().sector_size());
            c.expect_success(read(c, r, 0, 1), "Read LBA 0");
        }, kDestructive));
    out.push_back(make_case("admin.format.invalid-lbaf",
        "Format NVM with an LBA format index above NLBAF is aborted with Invalid Format", sec("5.14"), M,
        [](Context& c) {
            require_format(c);
            const auto nlbaf = static_cast<std::uint32_t>(c.ns().id_data(25));
            c.require(nlbaf < 63, "NLBAF is 63: every index is valid");
            c.expect_status(admin(c, op::kFormatNvm, {.nsid = 1, .cdw10 = format_dw10(nlbaf + 1, 0)}),
                            st::kInvalidFormat, "Format NVM LBAF NLBAF+1");
        }, kDestructive));
    out.push_back(make_case("admin.format.ses-reserved",
        "Format NVM with a reserved Secure Erase Settings value (7h) is aborted with Invalid Field in Command",
        sec("5.14"), M, [](Context& c) {
            require_format(c);
            c.expect_status(admin(c, op::kFormatNvm, {.nsid = 1, .cdw10 = format_dw10(current_lbaf(c), 7)}),
                            st::kInvalidField, "Format NVM SES 7h");
        }, kDestructive));
    out.push_back(make_case("admin.format.crypto-erase-unsupported",
        "Format NVM with SES 2h (cryptographic erase) when FNA says it is unsupported is aborted with Invalid Field",
        sec("5.14"), M, [](Context& c) {
            require_format(c);
            const auto fna = idctrl(c, 524);
            c.require(!bit(fna, 2), "FNA is " + hex(fna) + ": cryptographic erase is supported");
            c.expect_status(admin(c, op::kFormatNvm, {.nsid = 1, .cdw10 = format_dw10(current_lbaf(c), 2)}),
                            st::kInvalidField, "Format NVM SES 2h");
        }, kDestructive));
    out.push_back(make_case("admin.format.invalid-nsid",
        "Format NVM of an NSID above NN is aborted with Invalid Namespace or Format", sec("5.14"), M, [](Context& c) {
            require_format(c);
            c.require(nn(c) + 1 < 0xffffffff, "NN leaves no invalid NSID");
            c.expect_status(admin(c, op::kFormatNvm, {.nsid = nn(c) + 1, .cdw10 = format_dw10(0, 0)}),
                            st::kInvalidNamespaceOrFormat, "Format NVM NSID NN+1");
        }, kDestructive));
    out.push_back(make_case("admin.sanitize.exit-failure",
        "Sanitize Exit Failure Mode without a failed sanitize succeeds and the Sanitize Status log reads",
        sec("5.24"), O, [](Context& c) {
            const auto sanicap = idctrl(c, 331, 328);
            c.require((sanicap & 7) != 0, "SANICAP is " + hex(sanicap) + ": no sanitize operation is supported");
            c.expect_success(admin(c, op::kSanitize, {.cdw10 = 1}), "Sanitize SANACT 001b");
            Buffer b(512);
            c.expect_success(getlogpage(c, 0x81, b, 512), "Sanitize Status log (81h)");
        }, kDestructive));
    out.push_back(make_case("admin.sanitize.sanact-reserved",
        "Sanitize with a reserved Sanitize Action (111b) is aborted with Invalid Field in Command", sec("5.24"), O,
        [](Context& c) {
            const auto sanicap = idctrl(c, 331, 328);
            c.require((sanicap & 7) != 0, "SANICAP is " + hex(sanicap) + ": no sanitize operation is supported");
            c.expect_status(admin(c, op::kSanitize, {.cdw10 = 7}), st::kInvalidField, "Sanitize SANACT 111b");
        }, kDestructive));
}

}  // namespace

void add_nsmgmt_cases(std::vector<Case>& out) { attachment_cases(out); }

// Format NVM and Sanitize are admin commands (group "admin"); they live here
// because they lose data as namespace management does.
void add_format_cases(std::vector<Case>& out) { format_cases(out); }

}  // namespace nvmetest::conf
