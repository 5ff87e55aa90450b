// SPDX-License-Identifier: BSD-3-Clause
// Group "admin": the Admin Command Set (NVMe Base Specification 2.0, section 5)
// apart from Get/Set Features ("features") and namespace management
// ("nsmgmt"): Identify, Get Log Page, Abort, Asynchronous Event Request,
// queue creation and deletion, and the optional commands a controller must
// refuse with Invalid Command Opcode when it says it lacks them.
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;

std::string sec(const char* s) { return std::string(kBase) + s; }

// ------------------------------------------------------------ Identify

void identify_cases(std::vector<Case>& out)
{
    out.push_back(make_case("admin.identify.controller",
        "Identify CNS 01h returns the controller structure; VID and SSVID match PCI config space",
        sec("5.17.2"), M, [](Context& c) {
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kController), "Identify CNS 01h");
            c.expect_eq("Identify VID (bytes 1:0) = PCI Vendor ID", c.pcie().cfg_word_read(0), b.data(1, 0));
            c.expect_eq("Identify SSVID (bytes 3:2) = PCI Subsystem Vendor ID", c.pcie().cfg_word_read(0x2c),
                        b.data(3, 2));
        }));
    out.push_back(make_case("admin.identify.controller-strings",
        "SN, MN and FR are printable ASCII padded with spaces (no NUL)", sec("5.17.2"), M, [](Context& c) {
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kController), "Identify CNS 01h");
            struct F { const char* name; std::size_t begin, end; };
            for (const F f : {F{"SN", 4, 23}, F{"MN", 24, 63}, F{"FR", 64, 71}}) {
                std::size_t bad = f.end + 1;
                for (std::size_t i = f.begin; i <= f.end && bad > f.end; ++i)
                    if (b[i] < 0x20 || b[i] > 0x7e)
                        bad = i;
                c.expect_true(std::string(f.name) + " bytes are ASCII 20h-7Eh", bad > f.end, "all printable",
                              bad > f.end ? "all printable" : "byte " + std::to_string(bad) + " is " + hex(b[bad]));
            }
        }));
    out.push_back(make_case("admin.identify.controller-version",
        "Identify VER equals the VS register", sec("5.17.2"), M, [](Context& c) {
            c.expect_eq("Identify VER (bytes 83:80) = VS", vs(c), idctrl(c, 83, 80));
        }));
    out.push_back(make_case("admin.identify.controller-sqes-cqes",
        "SQES and CQES allow the NVM command set's 64-byte SQ and 16-byte CQ entries", sec("5.17.2"), M,
        [](Context& c) {
            const auto sqes = idctrl(c, 512), cqes = idctrl(c, 513);
            c.expect_eq("SQES required (bits 3:0)", 6, sqes & 0xf);
            c.expect_true("SQES maximum (bits 7:4) >= 6", (sqes >> 4) >= 6, ">= 6", hex(sqes >> 4));
            c.expect_eq("CQES required (bits 3:0)", 4, cqes & 0xf);
            c.expect_true("CQES maximum (bits 7:4) >= 4", (cqes >> 4) >= 4, ">= 4", hex(cqes >> 4));
        }));
    out.push_back(make_case("admin.identify.controller-nn",
        "Identify Controller NN is at least 1", sec("5.17.2"), M, [](Context& c) {
            c.expect_true("NN (bytes 519:516) >= 1", nn(c) >= 1, ">= 1", hex(nn(c)));
            const auto mdts = idctrl(c, 77);
            c.note("MDTS", mdts ? std::to_string((4096ull << nvme::cap::mpsmin(cap(c))) << mdts) + " bytes" : "no limit");
        }));
    out.push_back(make_case("admin.identify.namespace",
        "Identify CNS 00h of namespace 1: NSZE >= NCAP >= NUSE, FLBAS within NLBAF, LBADS >= 9",
        std::string(kNvm) + "4.1.5", M, [](Context& c) {
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kNamespace, 1), "Identify CNS 00h NSID 1");
            const auto nsze = b.data(7, 0), ncap = b.data(15, 8), nuse = b.data(23, 16);
            c.expect_true("NSZE >= NCAP", nsze >= ncap, ">= " + hex(ncap), hex(nsze));
            c.expect_true("NCAP >= NUSE", ncap >= nuse, ">= " + hex(nuse), hex(ncap));
            const auto nlbaf = b.data(25), flbas = b.data(26);
            const auto index = (flbas & 0xf) | ((flbas >> 5) & 3) << 4;
            c.expect_true("FLBAS format index <= NLBAF", index <= nlbaf, "<= " + hex(nlbaf), hex(index));
            for (unsigned i = 0; i <= nlbaf; ++i) {
                const auto lbads = b.data(128 + 4 * i + 2);
                c.expect_true("LBAF" + std::to_string(i) + " LBADS >= 9 (512 bytes)", lbads >= 9, ">= 9", hex(lbads));
            }
        }));
    out.push_back(make_case("admin.identify.active-ns-list",
        "Identify CNS 02h: ascending NSIDs, each at most NN, namespace 1 included", sec("5.17.2"), M,
        [](Context& c) {
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kActiveNsList, 0), "Identify CNS 02h NSID 0");
            std::uint32_t prev = 0;
            bool has1 = false, ok = true;
            for (std::size_t i = 0; i < 1024; ++i) {
                const auto id = static_cast<std::uint32_t>(b.data(4 * i + 3, 4 * i));
                if (!id)
                    break;
                ok = ok && id > prev && id <= nn(c);
                has1 = has1 || id == 1;
                prev = id;
            }
            c.expect_true("entries ascending and <= NN", ok, "ascending, <= " + hex(nn(c)), ok ? "so" : "not so");
            c.expect_true("NSID 1 listed", has1, "listed", has1 ? "listed" : "missing");
        }));
    out.push_back(make_case("admin.identify.active-ns-list-broadcast",
        "Identify CNS 02h with NSID FFFFFFFEh is aborted with Invalid Namespace or Format", sec("5.17.2"), M,
        [](Context& c) {
            Buffer b(4096);
            c.expect_status(identify(c, b, nvme::cns::kActiveNsList, 0xfffffffe), st::kInvalidNamespaceOrFormat,
                            "Identify CNS 02h NSID FFFFFFFEh");
        }));
    out.push_back(make_case("admin.identify.cns-reserved",
        "Identify with a reserved CNS value (FFh) is aborted with Invalid Field in Command", sec("5.17"), M,
        [](Context& c) {
            Buffer b(4096);
            c.expect_status(identify(c, b, 0xff, 0), st::kInvalidField, "Identify CNS FFh");
            c.expect_status(identify(c, b, 0x0a, 0), st::kInvalidField, "Identify CNS 0Ah");
        }));
    out.push_back(make_case("admin.identify.ns-invalid",
        "Identify CNS 00h with an NSID above NN is aborted with Invalid Namespace or Format", sec("5.17.2"), M,
        [](Context& c) {
            Buffer b(4096);
            const auto bad = nn(c) + 1;
            c.require(bad < 0xfffffffe, "NN is " + hex(nn(c)) + ": no NSID above it is invalid");
            c.expect_status(identify(c, b, nvme::cns::kNamespace, bad), st::kInvalidNamespaceOrFormat,
                            "Identify CNS 00h NSID NN+1");
        }));
    out.push_back(make_case("admin.identify.ns-inactive",
        "Identify CNS 00h of a valid inactive NSID returns a zero-filled structure", sec("5.17.2"), M,
        [](Context& c) {
            Buffer b(4096, {.pvalue = 0xa5a5a5a5, .ptype = 32});
            const auto inactive = first_inactive_nsid(c);
            c.require(inactive != 0, "every NSID up to NN (" + hex(nn(c)) + ") is active");
            c.expect_success(identify(c, b, nvme::cns::kNamespace, inactive),
                             "Identify CNS 00h NSID " + std::to_string(inactive));
            std::size_t nonzero = 0;
            for (std::size_t i = 0; i < 4096; ++i)
                nonzero += b[i] != 0;
            c.expect_eq("nonzero bytes in the structure", 0, nonzero);
        }));
    out.push_back(make_case("admin.identify.ns-broadcast",
        "Identify CNS 00h NSID FFFFFFFFh: common capabilities with Namespace Management, else Invalid Namespace or Format",
        sec("5.17.2"), M, [](Context& c) {
            Buffer b(4096);
            const auto cqe = identify(c, b, nvme::cns::kNamespace, 0xffffffff);
            if (bit(oacs(c), 3))
                c.expect_success(cqe, "Identify CNS 00h NSID FFFFFFFFh (OACS bit 3 set)");
            else
                c.expect_status(cqe, st::kInvalidNamespaceOrFormat, "Identify CNS 00h NSID FFFFFFFFh (OACS bit 3 clear)");
        }));
    out.push_back(make_case("admin.identify.ns-descriptors",
        "Identify CNS 03h: well-formed descriptors, a unique identifier and the Command Set Identifier",
        sec("5.17.2"), M, [](Context& c) {
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kNsDescriptorList, 1), "Identify CNS 03h NSID 1");
            bool unique = false, csi = false, ok = true;
            for (std::size_t at = 0; at + 4 <= 4096;) {
                const auto type = b.data(at), len = b.data(at + 1);
                if (type == 0)
                    break;
                const unsigned want = type == 1 ? 8 : type == 2 || type == 3 ? 16 : type == 4 ? 1 : 0;
                ok = ok && want != 0 && len == want;
                unique = unique || (type >= 1 && type <= 3);
                csi = csi || type == 4;
                at += 4 + len;
            }
            c.expect_true("descriptor types and lengths", ok, "NIDT 1-4 with NIDL 8/16/16/1", ok ? "so" : "malformed");
            c.expect_true("a unique identifier (EUI64, NGUID or UUID)", unique, "present", unique ? "present" : "absent");
            c.expect_true("a Command Set Identifier descriptor (NIDT 4)", csi, "present", csi ? "present" : "absent");
        }));
    out.push_back(make_case("admin.identify.cns06-nvm-controller",
        "Identify CNS 06h CSI 00h (NVM command set controller) succeeds", std::string(kNvm) + "4.1.5", O,
        [](Context& c) {
            c.require(bit(nvme::cap::css(cap(c)), 6), "CAP.CSS bit 6 (I/O command sets) is 0");
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kCsController, 0, 0, nvme::csi::kNvm), "Identify CNS 06h CSI 0");
        }));
    out.push_back(make_case("admin.identify.cns05-nvm-namespace",
        "Identify CNS 05h CSI 00h of namespace 1 succeeds", std::string(kNvm) + "4.1.5", O, [](Context& c) {
            c.require(bit(nvme::cap::css(cap(c)), 6), "CAP.CSS bit 6 (I/O command sets) is 0");
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kCsNamespace, 1, 0, nvme::csi::kNvm), "Identify CNS 05h CSI 0");
        }));
    out.push_back(make_case("admin.identify.cns07-active-list-nvm",
        "Identify CNS 07h CSI 00h lists namespace 1", sec("5.17.2"), O, [](Context& c) {
            c.require(bit(nvme::cap::css(cap(c)), 6), "CAP.CSS bit 6 (I/O command sets) is 0");
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kCsActiveNsList, 0, 0, nvme::csi::kNvm), "Identify CNS 07h CSI 0");
            bool has1 = false;
            for (std::size_t i = 0; i < 1024 && b.data(4 * i + 3, 4 * i); ++i)
                has1 = has1 || b.data(4 * i + 3, 4 * i) == 1;
            c.expect_true("NSID 1 listed", has1, "listed", has1 ? "listed" : "missing");
        }));
    out.push_back(make_case("admin.identify.cns1c-command-set-list",
        "Identify CNS 1Ch: the I/O Command Set combination in use includes NVM", sec("5.17.2"), O,
        [](Context& c) {
            c.require(bit(nvme::cap::css(cap(c)), 6), "CAP.CSS bit 6 (I/O command sets) is 0");
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kIoCommandSetList, 0), "Identify CNS 1Ch");
            c.expect_eq("vector 0 bit 0 (NVM)", 1, b.data(7, 0) & 1);
        }));
    out.push_back(make_case("admin.identify.csi-unsupported",
        "Identify CNS 06h with an I/O Command Set the controller lacks is aborted with Invalid Field in Command",
        sec("5.17"), O, [](Context& c) {
            c.require(bit(nvme::cap::css(cap(c)), 6), "CAP.CSS bit 6 (I/O command sets) is 0");
            Buffer sets(4096), b(4096);
            c.expect_success(identify(c, sets, nvme::cns::kIoCommandSetList, 0), "Identify CNS 1Ch");
            c.require(!bit(sets.data(7, 0), 1), "the Key Value command set is supported (CNS 1Ch vector 0 bit 1)");
            c.expect_status(identify(c, b, nvme::cns::kCsController, 0, 0, nvme::csi::kKeyValue), st::kInvalidField,
                            "Identify CNS 06h CSI 01h");
        }));
    out.push_back(make_case("admin.identify.controller-list",
        "Identify CNS 13h lists this controller's CNTLID", sec("5.17.2"), O, [](Context& c) {
            c.require(bit(oacs(c), 3), field_says("OACS", oacs(c), 3, "Namespace Management"));
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kControllerList, 0), "Identify CNS 13h");
            const auto n = b.data(1, 0), me = idctrl(c, 79, 78);
            bool found = false;
            for (std::size_t i = 0; i < n && i < 2047; ++i)
                found = found || b.data(2 + 2 * i + 1, 2 + 2 * i) == me;
            c.expect_true("CNTLID " + hex(me) + " listed", found, "listed", found ? "listed" : "missing");
        }));
    out.push_back(make_case("admin.identify.allocated-ns-list",
        "Identify CNS 10h lists namespace 1 as allocated", sec("5.17.2"), O, [](Context& c) {
            c.require(bit(oacs(c), 3), field_says("OACS", oacs(c), 3, "Namespace Management"));
            Buffer b(4096);
            c.expect_success(identify(c, b, nvme::cns::kAllocatedNsList, 0), "Identify CNS 10h");
            c.expect_eq("first allocated NSID", 1, b.data(3, 0));
        }));
}

// --------------------------------------------------------- Get Log Page

std::uint64_t smart_u64(Buffer& b, std::size_t lo) { return b.data(lo + 7, lo); }

void log_cases(std::vector<Case>& out)
{
    out.push_back(make_case("admin.log.error", "Get Log Page Error Information (01h) succeeds", sec("5.16.1"), M,
        [](Context& c) {
            Buffer b(4096);
            c.expect_success(getlogpage(c, 0x01, b, 64), "Get Log Page LID 01h, one entry");
        }));
    out.push_back(make_case("admin.log.smart", "Get Log Page SMART / Health Information (02h) succeeds, available spare <= 100%",
        sec("5.16.1"), M, [](Context& c) {
            Buffer b(512);
            c.expect_success(getlogpage(c, 0x02, b, 512), "Get Log Page LID 02h NSID FFFFFFFFh");
            c.expect_true("Available Spare (byte 3) <= 100", b.data(3) <= 100, "<= 100", hex(b.data(3)));
            c.expect_true("Available Spare Threshold (byte 4) <= 100", b.data(4) <= 100, "<= 100", hex(b.data(4)));
            c.expect_true("Composite Temperature (bytes 2:1) nonzero Kelvin", b.data(2, 1) != 0, "nonzero", hex(b.data(2, 1)));
        }));
    out.push_back(make_case("admin.log.fw-slot",
        "Get Log Page Firmware Slot Information (03h): the active slot's revision equals Identify FR",
        sec("5.16.1"), M, [](Context& c) {
            Buffer b(512);
            c.expect_success(getlogpage(c, 0x03, b, 512), "Get Log Page LID 03h");
            const auto afi = b.data(0) & 7;
            c.expect_true("AFI active slot (bits 2:0) in 1..7", afi >= 1 && afi <= 7, "1..7", hex(afi));
            if (afi >= 1 && afi <= 7) {
                const auto frs = b.data<std::string>(8 * afi + 7, 8 * afi);
                const auto fr = c.nvme().id_data<std::string>(71, 64);
                c.expect_true("FRS of the active slot = Identify FR", frs == fr, fr, frs);
            }
        }));
    out.push_back(make_case("admin.log.reserved-lid", "Get Log Page with a reserved LID (60h) is aborted with Invalid Log Page",
        sec("5.16"), M, [](Context& c) {
            Buffer b(4096);
            c.expect_status(getlogpage(c, 0x60, b, 512), st::kInvalidLogPage, "Get Log Page LID 60h");
        }));
    out.push_back(make_case("admin.log.offset-beyond-size",
        "Get Log Page SMART with an offset beyond the log is aborted with Invalid Field in Command",
        sec("5.16"), O, [](Context& c) {
            c.require(bit(lpa(c), 2), field_says("LPA", lpa(c), 2, "extended data: offsets"));
            Buffer b(4096);
            c.expect_status(getlogpage(c, 0x02, b, 512, {.offset = 4096}), st::kInvalidField, "LID 02h, offset 4096");
        }));
    out.push_back(make_case("admin.log.offset-unsupported",
        "Without offset support, a nonzero Log Page Offset is aborted with Invalid Field in Command",
        sec("5.16"), M, [](Context& c) {
            c.require(!bit(lpa(c), 2), "LPA bit 2 is 1: the controller supports offsets");
            Buffer b(4096);
            c.expect_status(getlogpage(c, 0x02, b, 256, {.offset = 256}), st::kInvalidField, "LID 02h, offset 256");
        }));
    out.push_back(make_case("admin.log.offset-dword",
        "A Log Page Offset that is not dword aligned is aborted with Invalid Field in Command", sec("5.16"), O,
        [](Context& c) {
            c.require(bit(lpa(c), 2), field_says("LPA", lpa(c), 2, "extended data: offsets"));
            Buffer b(4096);
            c.expect_status(getlogpage(c, 0x02, b, 64, {.offset = 2}), st::kInvalidField, "LID 02h, offset 2");
        }));
    out.push_back(make_case("admin.log.offset-read",
        "A Log Page Offset returns the log from that byte on", sec("5.16"), O, [](Context& c) {
            c.require(bit(lpa(c), 2), field_says("LPA", lpa(c), 2, "extended data: offsets"));
            Buffer whole(4096), part(4096);
            c.expect_success(getlogpage(c, 0x03, whole, 512), "LID 03h whole");
            c.expect_success(getlogpage(c, 0x03, part, 64, {.offset = 8}), "LID 03h, offset 8, 64 bytes");
            c.expect_eq("bytes 8..15 (FRS1) at offset 0 of the partial read", whole.data(15, 8), part.data(7, 0));
        }));
    out.push_back(make_case("admin.log.partial-transfer",
        "Get Log Page of fewer bytes than the log writes only those bytes", sec("5.16"), M, [](Context& c) {
            Buffer b(4096, {.pvalue = 0xaaaaaaaa, .ptype = 32});
            c.expect_success(getlogpage(c, 0x02, b, 128), "LID 02h, NUMD for 128 bytes");
            std::size_t changed = 0;
            for (std::size_t i = 128; i < 4096; ++i)
                changed += b[i] != 0xaa;
            c.expect_eq("bytes written beyond the 128 asked for", 0, changed);
        }));
    out.push_back(make_case("admin.log.beyond-log-size",
        "Get Log Page of more bytes than the log has (SMART, 4 KiB) succeeds", sec("5.16"), M, [](Context& c) {
            Buffer b(4096);
            c.expect_success(getlogpage(c, 0x02, b, 4096), "LID 02h, 4096 bytes");
        }));
    out.push_back(make_case("admin.log.mdts-exceeded",
        "Get Log Page longer than MDTS is aborted with Invalid Field in Command", sec("5.16"), M, [](Context& c) {
            const auto mdts = idctrl(c, 77);
            c.require(mdts != 0, "MDTS is 0: no transfer limit");
            const std::size_t limit = (4096ull << nvme::cap::mpsmin(cap(c))) << mdts;
            c.require(limit + 4096 <= 4u << 20, "MDTS is above what one buffer holds (4 MiB)");
            Buffer b(limit + 4096);
            c.expect_status(getlogpage(c, 0x02, b, static_cast<std::uint32_t>(limit + 4096)), st::kInvalidField,
                            "LID 02h, MDTS + 4 KiB");
        }));
    out.push_back(make_case("admin.log.smart-per-namespace",
        "SMART for NSID 1: succeeds with per-namespace SMART, else Invalid Field in Command", sec("5.16.1"), M,
        [](Context& c) {
            Buffer b(512);
            const auto cqe = getlogpage(c, 0x02, b, 512, {.nsid = 1});
            if (bit(lpa(c), 0))
                c.expect_success(cqe, "LID 02h NSID 1 (LPA bit 0 set)");
            else
                c.expect_status(cqe, st::kInvalidField, "LID 02h NSID 1 (LPA bit 0 clear)");
        }));
    out.push_back(make_case("admin.log.error-after-error",
        "After a failed command the newest Error Information entry names its SQID, CID and status",
        sec("5.16.1"), O, [](Context& c) {
            Buffer before(4096), after(4096);
            c.expect_success(getlogpage(c, 0x01, before, 64), "LID 01h before");
            const auto bad = admin(c, 0x03);
            const auto cid = c.nvme().latest_cid();
            c.expect_status(bad, st::kInvalidOpcode, "admin opcode 03h");
            c.expect_success(getlogpage(c, 0x01, after, 64), "LID 01h after");
            c.expect_true("Error Count increased", after.data(7, 0) > before.data(7, 0), "> " + hex(before.data(7, 0)),
                          hex(after.data(7, 0)));
            c.expect_eq("SQID (bytes 9:8)", 0, after.data(9, 8));
            c.expect_eq("CID (bytes 11:10)", cid, after.data(11, 10));
            c.expect_eq("Status Field (bytes 13:12, bits 15:1)", bad.status() & 0x7ff, (after.data(13, 12) >> 1) & 0x7ff);
        }));
    out.push_back(make_case("admin.log.smart-data-units-read",
        "Data Units Read counts 512-byte units in thousands, rounded up: 2000 units read add 2 or 3",
        sec("5.16.1"), M, [](Context& c) {
            Buffer s0(512), s1(512), data(128 * 1024);
            c.expect_success(getlogpage(c, 0x02, s0, 512), "SMART before");
            const auto per = data.size() / lba_bytes(c);
            for (int i = 0; i < 8; ++i)  // 1 MiB = 2048 units
                c.expect_success(read(c, data, 0, static_cast<std::uint32_t>(per)), "Read 128 KiB");
            c.expect_success(getlogpage(c, 0x02, s1, 512), "SMART after");
            const auto d = smart_u64(s1, 32) - smart_u64(s0, 32);
            c.expect_true("Data Units Read increase", d == 2 || d == 3, "2 or 3", std::to_string(d));
        }));
    out.push_back(make_case("admin.log.smart-data-units-written",
        "Data Units Written counts 512-byte units in thousands, rounded up: 2048 units written add 2 or 3",
        sec("5.16.1"), M, [](Context& c) {
            Buffer s0(512), s1(512), data(128 * 1024);
            c.expect_success(getlogpage(c, 0x02, s0, 512), "SMART before");
            const auto per = data.size() / lba_bytes(c);
            for (int i = 0; i < 8; ++i)
                c.expect_success(write(c, data, 0, static_cast<std::uint32_t>(per)), "Write 128 KiB");
            c.expect_success(getlogpage(c, 0x02, s1, 512), "SMART after");
            const auto d = smart_u64(s1, 48) - smart_u64(s0, 48);
            c.expect_true("Data Units Written increase", d == 2 || d == 3, "2 or 3", std::to_string(d));
        }));
    out.push_back(make_case("admin.log.smart-host-commands",
        "Host Read Commands and Host Write Commands count each completed command", sec("5.16.1"), M,
        [](Context& c) {
            Buffer s0(512), s1(512), data(4096);
            c.expect_success(getlogpage(c, 0x02, s0, 512), "SMART before");
            for (int i = 0; i < 5; ++i)
                c.expect_success(read(c, data, 0, 1), "Read");
            for (int i = 0; i < 3; ++i)
                c.expect_success(write(c, data, 0, 1), "Write");
            c.expect_success(getlogpage(c, 0x02, s1, 512), "SMART after");
            c.expect_eq("Host Read Commands increase", 5, smart_u64(s1, 64) - smart_u64(s0, 64));
            c.expect_eq("Host Write Commands increase", 3, smart_u64(s1, 80) - smart_u64(s0, 80));
        }));
    out.push_back(make_case("admin.log.effects",
        "Commands Supported and Effects (05h) lists every mandatory admin command and Read, Write, Flush",
        sec("5.16.1"), O, [](Context& c) {
            c.require(bit(lpa(c), 1), field_says("LPA", lpa(c), 1, "Commands Supported and Effects"));
            Buffer b(4096);
            c.expect_success(getlogpage(c, 0x05, b, 4096), "LID 05h");
            for (unsigned o : {0x00u, 0x01u, 0x02u, 0x04u, 0x05u, 0x06u, 0x08u, 0x09u, 0x0au, 0x0cu})
                c.expect_eq("admin opcode " + hex(o) + " CSUPP", 1, b.data(4 * o) & 1);
            for (unsigned o : {0x00u, 0x01u, 0x02u})
                c.expect_eq("I/O opcode " + hex(o) + " CSUPP", 1, b.data(1024 + 4 * o) & 1);
        }));
    out.push_back(make_case("admin.log.changed-ns", "Changed Namespace List (04h) succeeds", sec("5.16.1"), O,
        [](Context& c) {
            const auto oaes = idctrl(c, 95, 92);
            c.require(bit(oaes, 8), field_says("OAES", oaes, 8, "Namespace Attribute Notices"));
            Buffer b(4096);
            c.expect_success(getlogpage(c, 0x04, b, 4096), "LID 04h");
        }));
    out.push_back(make_case("admin.log.supported-pages",
        "Supported Log Pages (00h) lists LIDs 01h, 02h, 03h as supported", sec("5.16.1"), M, [](Context& c) {
            c.require(vs(c) >= nvme::vs::make(2, 0), "VS is " + nvme::vs::to_string(vs(c)) +
                                                         ": the Supported Log Pages log is a 2.0 requirement");
            Buffer b(1024);
            c.expect_success(getlogpage(c, 0x00, b, 1024), "LID 00h");
            for (unsigned lid : {0u, 1u, 2u, 3u})
                c.expect_eq("LID " + hex(lid) + " LSUPP", 1, b.data(4 * lid) & 1);
        }));
}

// ---------------------------------------------- Abort, AER, opcodes

void misc_cases(std::vector<Case>& out)
{
    out.push_back(make_case("admin.abort.not-found",
        "Abort of a command that is not outstanding completes with dword 0 bit 0 set (not aborted)", sec("5.1"), M,
        [](Context& c) {
            getfeatures(c, fid::kArbitration);
            const auto cid = c.nvme().latest_cid();
            const auto cqe = admin(c, op::kAbort, {.cdw10 = std::uint32_t{cid} << 16});
            c.expect_success(cqe, "Abort of a completed CID on SQ 0");
            c.expect_eq("dword 0 bit 0", 1, cqe.dw[0] & 1);
        }));
    out.push_back(make_case("admin.aer.limit-exceeded",
        "An AER beyond AERL+1 outstanding is aborted with Asynchronous Event Request Limit Exceeded",
        sec("5.2"), M, [](Context& c) {
            // The initialization keeps AERL+1 requests outstanding.
            // Shared with the callback, which outlives this body when the AER stays outstanding.
            auto seen = std::make_shared<std::pair<bool, Cqe>>();
            c.nvme().aer([seen](const Cqe& e) { *seen = {true, e}; });
            const bool came = wait_admin_until(c, [&] { return seen->first; }, 2000);
            const Cqe got = seen->second;
            c.expect_true("the extra AER completes", came, "completes", came ? "completed" : "still outstanding after 2 s");
            c.expect_status(got, st::kAsyncEventRequestLimitExceeded, "AER number AERL+2");
        }));
    out.push_back(make_case("admin.opcode.reserved",
        "Reserved admin opcodes are aborted with Invalid Command Opcode", std::string(kBase) + "Figure 28", M, [](Context& c) {
            for (unsigned o : {0x03u, 0x07u, 0x0bu, 0x0eu, 0x0fu, 0x12u, 0x13u, 0x16u, 0x17u, 0x1bu, 0x1fu, 0x30u,
                               0x7du, 0x7eu})
                c.expect_status(admin(c, o), st::kInvalidOpcode, "admin opcode " + hex(o), Dnr::kSet);
        }));
    out.push_back(make_case("admin.opcode.fabrics",
        "The Fabrics opcode (7Fh) on a PCIe controller is aborted with Invalid Command Opcode", sec("6"), M,
        [](Context& c) { c.expect_status(admin(c, op::kFabrics), st::kInvalidOpcode, "admin opcode 7Fh"); }));
}

// ------------------------------------ optional commands, when unsupported

struct Unsupported {
    const char* id;
    const char* name;
    const char* section;
    std::uint8_t opcode;
    unsigned oacs_bit;  // 16: decided otherwise (see the body)
    const char* meaning;
};

void unsupported_cases(std::vector<Case>& out)
{
    static constexpr Unsupported kList[] = {
        {"admin.unsupported.security-send", "Security Send", "5.26", op::kSecuritySend, 0, "Security Send/Receive"},
        {"admin.unsupported.security-receive", "Security Receive", "5.25", op::kSecurityReceive, 0,
         "Security Send/Receive"},
        {"admin.unsupported.format", "Format NVM", "5.14", op::kFormatNvm, 1, "Format NVM"},
        {"admin.unsupported.fw-commit", "Firmware Commit", "5.12", op::kFirmwareCommit, 2, "Firmware Commit/Download"},
        {"admin.unsupported.fw-download", "Firmware Image Download", "5.13", op::kFirmwareImageDownload, 2,
         "Firmware Commit/Download"},
        {"admin.unsupported.ns-management", "Namespace Management", "5.21", op::kNamespaceManagement, 3,
         "Namespace Management"},
        {"admin.unsupported.ns-attachment", "Namespace Attachment", "5.20", op::kNamespaceAttachment, 3,
         "Namespace Management"},
        {"admin.unsupported.self-test", "Device Self-test", "5.8", op::kDeviceSelfTest, 4, "Device Self-test"},
        {"admin.unsupported.directive-send", "Directive Send", "5.10", op::kDirectiveSend, 5, "Directives"},
        {"admin.unsupported.directive-receive", "Directive Receive", "5.9", op::kDirectiveReceive, 5, "Directives"},
        {"admin.unsupported.mi-send", "NVMe-MI Send", "5.23", op::kNvmeMiSend, 6, "NVMe-MI Send/Receive"},
        {"admin.unsupported.virt-mgmt", "Virtualization Management", "5.28", op::kVirtualizationManagement, 7,
         "Virtualization Management"},
        {"admin.unsupported.dbbuf", "Doorbell Buffer Config", "5.11", op::kDoorbellBufferConfig, 8,
         "Doorbell Buffer Config"},
        {"admin.unsupported.get-lba-status", "Get LBA Status", "Figure 28", op::kGetLbaStatus, 9,
         "Get LBA Status"},
        {"admin.unsupported.lockdown", "Lockdown", "5.19", op::kLockdown, 10, "Command and Feature Lockdown"},
    };
    for (const auto& u : kList) {
        out.push_back(make_case(u.id,
            std::string(u.name) + " is aborted with Invalid Command Opcode when OACS says it is unsupported",
            sec(u.section), M, [u](Context& c) {
                c.require(!bit(oacs(c), u.oacs_bit),
                          "OACS is " + hex(oacs(c)) + ": bit " + std::to_string(u.oacs_bit) + " (" + u.meaning +
                              ") is 1, the command is supported");
                Buffer b(4096);
                c.expect_status(admin(c, u.opcode, {.buf = &b, .nsid = 0}), st::kInvalidOpcode,
                                std::string(u.name) + " (" + hex(u.opcode) + ")");
            }));
    }
    out.push_back(make_case("admin.unsupported.sanitize",
        "Sanitize is aborted with Invalid Command Opcode when SANICAP says no sanitize operation is supported",
        sec("5.24"), M, [](Context& c) {
            const auto sanicap = idctrl(c, 331, 328);
            c.require((sanicap & 7) == 0, "SANICAP is " + hex(sanicap) + ": a sanitize operation is supported");
            c.expect_status(admin(c, op::kSanitize, {.cdw10 = 1}), st::kInvalidOpcode, "Sanitize, Exit Failure Mode");
        }));
    out.push_back(make_case("admin.unsupported.keep-alive",
        "Keep Alive is aborted with Invalid Command Opcode when KAS is 0", sec("5.18"), M, [](Context& c) {
            const auto kas = idctrl(c, 321, 320);
            c.require(kas == 0, "KAS is " + hex(kas) + ": Keep Alive is supported");
            c.expect_status(admin(c, op::kKeepAlive), st::kInvalidOpcode, "Keep Alive");
        }));
}

// ------------------------------------------------- supported optional commands

void optional_cases(std::vector<Case>& out)
{
    out.push_back(make_case("admin.dbbuf.unaligned",
        "Doorbell Buffer Config with a buffer that is not page aligned is aborted with Invalid Field in Command",
        sec("5.11"), O, [](Context& c) {
            c.require(bit(oacs(c), 8), field_says("OACS", oacs(c), 8, "Doorbell Buffer Config"));
            Buffer shadow(8192);
            shadow.set_offset(64);
            shadow.set_size(4096);
            c.expect_status(admin(c, op::kDoorbellBufferConfig, {.buf = &shadow, .size = 4096}), st::kInvalidField,
                            "Doorbell Buffer Config, PRP1 offset 64");
            // Had it been taken, the controller would read doorbells from there now.
            c.renew_controller();
        }));
    out.push_back(make_case("admin.fw-download.unaligned",
        "Firmware Image Download with an offset not a multiple of FWUG is aborted with Invalid Field in Command",
        sec("5.13"), O, [](Context& c) {
            c.require(bit(oacs(c), 2), field_says("OACS", oacs(c), 2, "Firmware Commit/Download"));
            const auto fwug = idctrl(c, 319);
            c.require(fwug != 0 && fwug != 0xff, "FWUG is " + hex(fwug) + ": no granularity requirement");
            Buffer b(4096);
            c.expect_status(admin(c, op::kFirmwareImageDownload, {.buf = &b, .cdw10 = 1023, .cdw11 = 1}),
                            st::kInvalidField, "Firmware Image Download at dword offset 1");
        }));
    out.push_back(make_case("admin.fw-commit.invalid-slot",
        "Firmware Commit naming a slot above the number of slots is aborted with Invalid Firmware Slot",
        sec("5.12"), O, [](Context& c) {
            c.require(bit(oacs(c), 2), field_says("OACS", oacs(c), 2, "Firmware Commit/Download"));
            const auto slots = (idctrl(c, 260) >> 1) & 7;
            c.require(slots < 7, "FRMW says 7 slots: no slot number is invalid");
            // Commit action 010b: activate the image already in the slot at the next reset.
            c.expect_status(admin(c, op::kFirmwareCommit, {.cdw10 = 2u << 3 | static_cast<std::uint32_t>(slots + 1)}),
                            st::kInvalidFirmwareSlot, "Firmware Commit, slot NOFS+1");
        }, true));
    out.push_back(make_case("admin.self-test.short",
        "A short Device Self-test starts (success) and the Device Self-test log shows it", sec("5.8"), O,
        [](Context& c) {
            c.require(bit(oacs(c), 4), field_says("OACS", oacs(c), 4, "Device Self-test"));
            c.expect_success(admin(c, op::kDeviceSelfTest, {.nsid = 0xffffffff, .cdw10 = 1}), "Device Self-test STC 1h");
            Buffer b(564);
            c.expect_success(getlogpage(c, 0x06, b, 564), "LID 06h");
            c.expect_true("Current Device Self-Test Operation (byte 0)", (b.data(0) & 0xf) == 1 || (b.data(0) & 0xf) == 0,
                          "1h (short, in progress) or 0h (done)", hex(b.data(0)));
            admin(c, op::kDeviceSelfTest, {.nsid = 0xffffffff, .cdw10 = 0xf});  // abort it
        }));
    out.push_back(make_case("admin.self-test.invalid-stc",
        "Device Self-test with a reserved STC (3h) is aborted with Invalid Field in Command", sec("5.8"), O,
        [](Context& c) {
            c.require(bit(oacs(c), 4), field_says("OACS", oacs(c), 4, "Device Self-test"));
            c.expect_status(admin(c, op::kDeviceSelfTest, {.nsid = 0xffffffff, .cdw10 = 3}), st::kInvalidField,
                            "Device Self-test STC 3h");
        }));
}

}  // namespace

void add_admin_cases(std::vector<Case>& out)
{
    identify_cases(out);
    log_cases(out);
    misc_cases(out);
    unsupported_cases(out);
    optional_cases(out);
}

}  // namespace nvmetest::conf
