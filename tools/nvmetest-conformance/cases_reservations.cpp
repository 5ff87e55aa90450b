// SPDX-License-Identifier: BSD-3-Clause
// Group "reservations": Reservation Register, Report, Acquire and Release
// (NVMe Base Specification 2.0, sections 7.2 to 7.5) as one host
// sees them, and Invalid Command Opcode when ONCS says there are none.
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;

std::string sec(const char* s) { return std::string(kBase) + s; }

constexpr std::uint64_t kKey = 0x6e766d6574657374ull;  // "nvmetest"

void require_resv(Context& c)
{
    c.require(bit(oncs(c), 5), field_says("ONCS", oncs(c), 5, "Reservations"));
    Buffer id(4096);
    identify(c, id, nvme::cns::kNamespace, 1);
    c.require(id.data(31) != 0, "Identify Namespace RESCAP of namespace 1 is 0");
}

// Reservation Register: RREGA (0 register, 1 unregister, 2 replace), keys in the data.
Cqe resv_register(Context& c, std::uint32_t rrega, std::uint64_t crkey, std::uint64_t nrkey, bool iekey = false)
{
    Buffer d(16);
    for (int i = 0; i < 8; ++i) {
        d[i] = static_cast<std::uint8_t>(crkey >> (8 * i));
        d[8 + i] = static_cast<std::uint8_t>(nrkey >> (8 * i));
    }
    return io(c, iop::kReservationRegister, {.buf = &d, .cdw10 = rrega | std::uint32_t{iekey} << 3});
}

// Acquire (RACQA 0) or Release (RRELA 0 release, 1 clear) of type rtype with key.
Cqe resv_key_cmd(Context& c, std::uint8_t opcode, std::uint32_t action, std::uint32_t rtype, std::uint64_t key)
{
    Buffer d(16);
    for (int i = 0; i < 8; ++i)
        d[i] = static_cast<std::uint8_t>(key >> (8 * i));
    return io(c, opcode, {.buf = &d, .cdw10 = rtype << 8 | action});
}

void cases(std::vector<Case>& out)
{
    out.push_back(make_case("reservations.unsupported",
        "Reservation commands are aborted with Invalid Command Opcode when ONCS bit 5 is 0", sec("7.2-7.5"), M,
        [](Context& c) {
            c.require(!bit(oncs(c), 5), "ONCS is " + hex(oncs(c)) + ": bit 5 (Reservations) is 1");
            Buffer d(4096);
            for (auto o : {iop::kReservationRegister, iop::kReservationReport, iop::kReservationAcquire,
                           iop::kReservationRelease})
                c.expect_status(io(c, o, {.buf = &d, .cdw10 = o == iop::kReservationReport ? 1023u : 0u}),
                                st::kInvalidOpcode, "I/O opcode " + hex(o));
        }));
    out.push_back(make_case("reservations.register", "Reservation Register of a key, then Unregister, succeed",
        sec("7.3"), O, [](Context& c) {
            require_resv(c);
            c.expect_success(resv_register(c, 0, 0, kKey), "Register key");
            c.expect_success(resv_register(c, 1, kKey, 0), "Unregister key");
        }));
    out.push_back(make_case("reservations.register-conflict",
        "Registering again with another key is aborted with Reservation Conflict", sec("7.3"), O, [](Context& c) {
            require_resv(c);
            c.expect_success(resv_register(c, 0, 0, kKey), "Register key");
            c.expect_status(resv_register(c, 0, 0, kKey + 1), st::kReservationConflict, "Register another key");
            resv_register(c, 1, kKey, 0);
        }));
    out.push_back(make_case("reservations.report", "Reservation Report lists the registrant with its key",
        sec("7.5"), O, [](Context& c) {
            require_resv(c);
            c.expect_success(resv_register(c, 0, 0, kKey), "Register key");
            Buffer r(4096);
            c.expect_success(io(c, iop::kReservationReport, {.buf = &r, .cdw10 = 1023}), "Reservation Report");
            c.expect_eq("REGCTL (bytes 6:5)", 1, r.data(6, 5));
            c.expect_eq("registrant key (bytes 24+16..24+23)", kKey, r.data(24 + 23, 24 + 16));
            resv_register(c, 1, kKey, 0);
        }));
    out.push_back(make_case("reservations.acquire-release",
        "Acquire a Write Exclusive reservation, Report shows it, Release frees it", sec("7.2, 7.4"), O,
        [](Context& c) {
            require_resv(c);
            c.expect_success(resv_register(c, 0, 0, kKey), "Register key");
            c.expect_success(resv_key_cmd(c, iop::kReservationAcquire, 0, 1, kKey), "Acquire, Write Exclusive");
            Buffer r(4096);
            c.expect_success(io(c, iop::kReservationReport, {.buf = &r, .cdw10 = 1023}), "Reservation Report");
            c.expect_eq("RTYPE (byte 4)", 1, r.data(4));
            c.expect_success(resv_key_cmd(c, iop::kReservationRelease, 0, 1, kKey), "Release");
            resv_register(c, 1, kKey, 0);
        }));
    out.push_back(make_case("reservations.acquire-wrong-key",
        "Acquire with a key that is not registered is aborted with Reservation Conflict", sec("7.2"), O,
        [](Context& c) {
            require_resv(c);
            c.expect_success(resv_register(c, 0, 0, kKey), "Register key");
            c.expect_status(resv_key_cmd(c, iop::kReservationAcquire, 0, 1, kKey + 7), st::kReservationConflict,
                            "Acquire with another key");
            resv_register(c, 1, kKey, 0);
        }));
    out.push_back(make_case("reservations.release-type-mismatch",
        "Release naming another reservation type than held is aborted with Invalid Field in Command", sec("7.4"), O,
        [](Context& c) {
            require_resv(c);
            c.expect_success(resv_register(c, 0, 0, kKey), "Register key");
            c.expect_success(resv_key_cmd(c, iop::kReservationAcquire, 0, 1, kKey), "Acquire, Write Exclusive");
            c.expect_status(resv_key_cmd(c, iop::kReservationRelease, 0, 2, kKey), st::kInvalidField,
                            "Release naming Exclusive Access");
            resv_key_cmd(c, iop::kReservationRelease, 0, 1, kKey);
            resv_register(c, 1, kKey, 0);
        }));
    out.push_back(make_case("reservations.rtype-reserved",
        "Acquire with a reserved reservation type (0) is aborted with Invalid Field in Command", sec("7.2"), O,
        [](Context& c) {
            require_resv(c);
            c.expect_success(resv_register(c, 0, 0, kKey), "Register key");
            c.expect_status(resv_key_cmd(c, iop::kReservationAcquire, 0, 0, kKey), st::kInvalidField, "Acquire RTYPE 0");
            resv_register(c, 1, kKey, 0);
        }));
}

}  // namespace

void add_reservations_cases(std::vector<Case>& out) { cases(out); }

}  // namespace nvmetest::conf
