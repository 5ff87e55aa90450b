// SPDX-License-Identifier: BSD-3-Clause
// Group "features": Get Features and Set Features (NVMe Base Specification
// 2.0, sections 5.15 and 5.27): the Select values, reserved identifiers and
// values, and each mandatory feature written and read back.
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;

std::string sec(const char* s) { return std::string(kBase) + s; }

// Sets a feature, reads it back (current), checks the value, restores the old one.
void round_trip(Context& c, std::uint8_t f, std::uint32_t value, std::uint32_t mask, const std::string& name)
{
    const auto old = getfeatures(c, f);
    c.expect_success(old, "Get Features " + name + " (current)");
    c.expect_success(setfeatures(c, f, {.cdw11 = value}), "Set Features " + name + " = " + hex(value));
    const auto now = getfeatures(c, f);
    c.expect_success(now, "Get Features " + name + " after Set");
    c.expect_eq(name + " read back", value & mask, now.dw[0] & mask);
    setfeatures(c, f, {.cdw11 = old.dw[0]});
}

void require_select(Context& c)
{
    c.require(bit(oncs(c), 4), field_says("ONCS", oncs(c), 4, "Save and Select in Get/Set Features"));
}

void select_cases(std::vector<Case>& out)
{
    out.push_back(make_case("features.sel.current",
        "Get Features SEL 000b (current) of every mandatory feature succeeds", sec("5.15"), M, [](Context& c) {
            for (auto f : {fid::kArbitration, fid::kPowerManagement, fid::kTemperatureThreshold, fid::kNumberOfQueues,
                           fid::kInterruptCoalescing, fid::kWriteAtomicityNormal, fid::kAsyncEventConfiguration})
                c.expect_success(getfeatures(c, f), "Get Features FID " + hex(f) + " SEL 0");
            c.expect_success(getfeatures(c, fid::kInterruptVectorConfiguration, {.cdw11 = 0}),
                             "Get Features FID 09h SEL 0, vector 0");
        }));
    out.push_back(make_case("features.sel.default",
        "Get Features SEL 001b (default) succeeds; the default of Power Management is a valid power state",
        sec("5.15"), O, [](Context& c) {
            require_select(c);
            for (auto f : {fid::kArbitration, fid::kPowerManagement, fid::kTemperatureThreshold,
                           fid::kInterruptCoalescing, fid::kWriteAtomicityNormal, fid::kAsyncEventConfiguration})
                c.expect_success(getfeatures(c, f, {.sel = 1}), "Get Features FID " + hex(f) + " SEL 1");
            const auto ps = getfeatures(c, fid::kPowerManagement, {.sel = 1}).dw[0] & 0x1f;
            c.expect_true("default PS <= NPSS", ps <= idctrl(c, 263), "<= " + hex(idctrl(c, 263)), hex(ps));
        }));
    out.push_back(make_case("features.sel.saved",
        "Get Features SEL 010b (saved) succeeds", sec("5.15"), O, [](Context& c) {
            require_select(c);
            for (auto f : {fid::kArbitration, fid::kTemperatureThreshold, fid::kAsyncEventConfiguration})
                c.expect_success(getfeatures(c, f, {.sel = 2}), "Get Features FID " + hex(f) + " SEL 2");
        }));
    out.push_back(make_case("features.sel.supported-capabilities",
        "Get Features SEL 011b reports capabilities in bits 2:0 only; Temperature Threshold is changeable",
        sec("5.15"), O, [](Context& c) {
            require_select(c);
            for (auto f : {fid::kArbitration, fid::kPowerManagement, fid::kTemperatureThreshold,
                           fid::kAsyncEventConfiguration}) {
                const auto cqe = getfeatures(c, f, {.sel = 3});
                c.expect_success(cqe, "Get Features FID " + hex(f) + " SEL 3");
                c.expect_eq("FID " + hex(f) + " capabilities bits 31:3", 0, cqe.dw[0] >> 3);
            }
            const auto tt = getfeatures(c, fid::kTemperatureThreshold, {.sel = 3});
            c.expect_eq("Temperature Threshold changeable (bit 2)", 1, (tt.dw[0] >> 2) & 1);
        }));
    out.push_back(make_case("features.sel.reserved",
        "Get Features with a reserved SEL (100b) is aborted with Invalid Field in Command", sec("5.15"), O,
        [](Context& c) {
            require_select(c);
            c.expect_status(getfeatures(c, fid::kArbitration, {.sel = 4}), st::kInvalidField, "Get Features SEL 100b");
        }));
    out.push_back(make_case("features.save.not-saveable",
        "Set Features with SV of a feature that is not saveable is aborted with Feature Identifier Not Saveable",
        sec("5.27"), O, [](Context& c) {
            require_select(c);
            const auto caps = getfeatures(c, fid::kTemperatureThreshold, {.sel = 3}).dw[0];
            c.require(!(caps & 1), "Temperature Threshold is saveable (SEL 011b bit 0)");
            const auto now = getfeatures(c, fid::kTemperatureThreshold).dw[0];
            c.expect_status(setfeatures(c, fid::kTemperatureThreshold, {.sv = true, .cdw11 = now & 0xffff}),
                            st::kFeatureIdNotSaveable, "Set Features Temperature Threshold, SV 1");
        }));
    out.push_back(make_case("features.fid.reserved-get",
        "Get Features of reserved Feature Identifiers (00h, 60h) is aborted with Invalid Field in Command",
        sec("5.15"), M, [](Context& c) {
            for (std::uint8_t f : {0x00, 0x60})
                c.expect_status(getfeatures(c, f), st::kInvalidField, "Get Features FID " + hex(f));
        }));
    out.push_back(make_case("features.fid.reserved-set",
        "Set Features of reserved Feature Identifiers (00h, 60h) is aborted with Invalid Field in Command",
        sec("5.27"), M, [](Context& c) {
            for (std::uint8_t f : {0x00, 0x60})
                c.expect_status(setfeatures(c, f), st::kInvalidField, "Set Features FID " + hex(f));
        }));
}

void mandatory_feature_cases(std::vector<Case>& out)
{
    out.push_back(make_case("features.arbitration.round-trip",
        "Arbitration: Arbitration Burst written is read back", sec("5.27.1"), M, [](Context& c) {
            round_trip(c, fid::kArbitration, 0x03, 0x7, "Arbitration (AB)");
        }));
    out.push_back(make_case("features.temperature-threshold.round-trip",
        "Temperature Threshold: an over-temperature threshold written is read back", sec("5.27.1"), M,
        [](Context& c) {
            const auto old = getfeatures(c, fid::kTemperatureThreshold).dw[0];
            c.expect_success(setfeatures(c, fid::kTemperatureThreshold, {.cdw11 = 350}), "Set TMPTH 350 K, sensor 0, over");
            const auto now = getfeatures(c, fid::kTemperatureThreshold, {.cdw11 = 0});
            c.expect_eq("TMPTH read back", 350, now.dw[0] & 0xffff);
            setfeatures(c, fid::kTemperatureThreshold, {.cdw11 = old & 0xffff});
        }));
    out.push_back(make_case("features.temperature-threshold.thsel-reserved",
        "Temperature Threshold with the reserved THSEL 11b is aborted with Invalid Field in Command",
        sec("5.27.1"), M, [](Context& c) {
            c.expect_status(setfeatures(c, fid::kTemperatureThreshold, {.cdw11 = 3u << 20 | 350}), st::kInvalidField,
                            "Set Temperature Threshold THSEL 11b");
        }));
    out.push_back(make_case("features.temperature-threshold.sensor-absent",
        "Temperature Threshold of a sensor the SMART log reports absent is aborted with Invalid Field in Command",
        sec("5.27.1"), M, [](Context& c) {
            Buffer smart(512);
            c.expect_success(getlogpage(c, 0x02, smart, 512), "SMART log");
            unsigned absent = 0;
            for (unsigned s = 1; s <= 8 && !absent; ++s)
                if (smart.data(200 + 2 * (s - 1) + 1, 200 + 2 * (s - 1)) == 0)
                    absent = s;
            c.require(absent != 0, "the SMART log reports all 8 temperature sensors");
            c.expect_status(setfeatures(c, fid::kTemperatureThreshold, {.cdw11 = absent << 16 | 350}), st::kInvalidField,
                            "Set Temperature Threshold TMPSEL " + std::to_string(absent));
        }));
    out.push_back(make_case("features.temperature-threshold.tmpsel-reserved",
        "Temperature Threshold with a reserved TMPSEL (1001b) is aborted with Invalid Field in Command",
        sec("5.27.1"), M, [](Context& c) {
            c.expect_status(setfeatures(c, fid::kTemperatureThreshold, {.cdw11 = 9u << 16 | 350}), st::kInvalidField,
                            "Set Temperature Threshold TMPSEL 1001b");
        }));
    out.push_back(make_case("features.number-of-queues.get",
        "Number of Queues: granted counts are between 1 and 65535 and no more than asked at initialization",
        sec("5.27.1"), M, [](Context& c) {
            const auto cqe = getfeatures(c, fid::kNumberOfQueues);
            c.expect_success(cqe, "Get Features Number of Queues");
            c.expect_true("NSQA + 1 in 1..65535", (cqe.dw[0] & 0xffff) != 0xffff, "< FFFFh (0-based)", hex(cqe.dw[0] & 0xffff));
            c.expect_true("NCQA + 1 in 1..65535", (cqe.dw[0] >> 16) != 0xffff, "< FFFFh (0-based)", hex(cqe.dw[0] >> 16));
        }));
    out.push_back(make_case("features.number-of-queues.65536",
        "Set Number of Queues requesting 65536 queues (FFFFh) is aborted with Invalid Field in Command",
        sec("5.27.1"), M, [](Context& c) {
            c.expect_status(setfeatures(c, fid::kNumberOfQueues, {.cdw11 = 0x0000ffff}), st::kInvalidField, "NSQR FFFFh");
            c.expect_status(setfeatures(c, fid::kNumberOfQueues, {.cdw11 = 0xffff0000}), st::kInvalidField, "NCQR FFFFh");
        }));
    out.push_back(make_case("features.number-of-queues.after-create",
        "Set Number of Queues after an I/O queue exists is aborted with Command Sequence Error", sec("5.27.1"), M,
        [](Context& c) {
            c.qpair();
            c.expect_status(setfeatures(c, fid::kNumberOfQueues, {.cdw11 = 0x00010001}), st::kCommandSequenceError,
                            "Set Number of Queues with an I/O queue pair created");
        }));
    out.push_back(make_case("features.interrupt-coalescing.round-trip",
        "Interrupt Coalescing: THR and TIME written are read back", sec("5.27.1"), M, [](Context& c) {
            round_trip(c, fid::kInterruptCoalescing, 0x0a05, 0xffff, "Interrupt Coalescing");
        }));
    out.push_back(make_case("features.interrupt-vector.round-trip",
        "Interrupt Vector Configuration: Coalescing Disable of vector 1 written is read back", sec("5.27.1"), M,
        [](Context& c) {
            const auto v = 1u;
            const auto old = getfeatures(c, fid::kInterruptVectorConfiguration, {.cdw11 = v});
            c.expect_success(old, "Get Features IV 1");
            c.expect_eq("IV echoed (bits 15:0)", v, old.dw[0] & 0xffff);
            c.expect_success(setfeatures(c, fid::kInterruptVectorConfiguration, {.cdw11 = 1u << 16 | v}), "Set CD, IV 1");
            c.expect_eq("CD read back", 1, (getfeatures(c, fid::kInterruptVectorConfiguration, {.cdw11 = v}).dw[0] >> 16) & 1);
            setfeatures(c, fid::kInterruptVectorConfiguration, {.cdw11 = old.dw[0]});
        }));
    out.push_back(make_case("features.interrupt-vector.invalid",
        "Interrupt Vector Configuration of a vector beyond the MSI-X table is aborted with Invalid Field in Command",
        sec("5.27.1"), M, [](Context& c) {
            const auto msix = c.pcie().cap_offset(0x11);
            c.require(msix.has_value(), "the function has no MSI-X capability");
            const unsigned vectors = (c.pcie().cfg_word_read(*msix + 2) & 0x7ff) + 1;
            c.expect_status(getfeatures(c, fid::kInterruptVectorConfiguration, {.cdw11 = vectors}), st::kInvalidField,
                            "Get Features IV " + std::to_string(vectors));
        }));
    out.push_back(make_case("features.write-atomicity.round-trip",
        "Write Atomicity Normal: Disable Normal written is read back", sec("5.27.1"), M, [](Context& c) {
            round_trip(c, fid::kWriteAtomicityNormal, 1, 1, "Write Atomicity Normal (DN)");
        }));
    out.push_back(make_case("features.async-event.round-trip",
        "Asynchronous Event Configuration: the SMART critical warning bits written are read back", sec("5.27.1"), M,
        [](Context& c) { round_trip(c, fid::kAsyncEventConfiguration, 0x1f, 0xff, "Asynchronous Event Configuration"); }));
    out.push_back(make_case("features.error-recovery.get",
        "Error Recovery of namespace 1 can be read", sec("5.27.1"), M, [](Context& c) {
            c.expect_success(getfeatures(c, fid::kErrorRecovery, {.nsid = 1}), "Get Features Error Recovery NSID 1");
        }));
}

// An optional feature the controller says it lacks: Get Features is Invalid Field.
struct Absent {
    const char* id;
    const char* name;
    const char* section;
    std::uint8_t f;
};

void optional_feature_cases(std::vector<Case>& out)
{
    out.push_back(make_case("features.vwc.round-trip",
        "Volatile Write Cache: WCE written is read back", sec("5.27.1"), O, [](Context& c) {
            const auto vwc = idctrl(c, 525);
            c.require(bit(vwc, 0), field_says("VWC", vwc, 0, "volatile write cache present"));
            round_trip(c, fid::kVolatileWriteCache, 0, 1, "VWC (WCE 0)");
            round_trip(c, fid::kVolatileWriteCache, 1, 1, "VWC (WCE 1)");
        }));
    out.push_back(make_case("features.vwc.absent",
        "Set Features Volatile Write Cache without a volatile write cache is aborted with Invalid Field in Command",
        sec("5.27.1"), M, [](Context& c) {
            const auto vwc = idctrl(c, 525);
            c.require(!bit(vwc, 0), "VWC is " + hex(vwc) + ": a volatile write cache is present");
            c.expect_status(setfeatures(c, fid::kVolatileWriteCache, {.cdw11 = 1}), st::kInvalidField, "Set VWC WCE 1");
        }));
    out.push_back(make_case("features.timestamp.round-trip",
        "Timestamp: a value set is read back no smaller, with Timestamp Origin 01b", sec("5.27.1"), O,
        [](Context& c) {
            c.require(bit(oncs(c), 6), field_says("ONCS", oncs(c), 6, "Timestamp"));
            Buffer b(4096);
            const std::uint64_t ms = 1700000000000ull;
            for (int i = 0; i < 6; ++i)
                b[i] = static_cast<std::uint8_t>(ms >> (8 * i));
            c.expect_success(setfeatures(c, fid::kTimestamp, {.buf = &b}), "Set Features Timestamp");
            Buffer r(4096);
            c.expect_success(getfeatures(c, fid::kTimestamp, {.buf = &r}), "Get Features Timestamp");
            c.expect_true("Timestamp >= the value set", r.data(5, 0) >= ms, ">= " + hex(ms), hex(r.data(5, 0)));
            c.expect_eq("Timestamp Origin (byte 6 bits 3:1)", 1, (r.data(6) >> 1) & 7);
        }));
    out.push_back(make_case("features.hmb.absent",
        "Get Features Host Memory Buffer with HMPRE 0 is aborted with Invalid Field in Command", sec("5.27.1"), M,
        [](Context& c) {
            const auto hmpre = idctrl(c, 275, 272);
            c.require(hmpre == 0, "HMPRE is " + hex(hmpre) + ": a host memory buffer is supported");
            c.expect_status(getfeatures(c, fid::kHostMemoryBuffer), st::kInvalidField, "Get Features HMB");
        }));
    out.push_back(make_case("features.apst.absent",
        "Get Features Autonomous Power State Transition with APSTA 0 is aborted with Invalid Field in Command",
        sec("5.27.1"), M, [](Context& c) {
            const auto apsta = idctrl(c, 265);
            c.require(!bit(apsta, 0), "APSTA is " + hex(apsta) + ": APST is supported");
            c.expect_status(getfeatures(c, fid::kAutonomousPowerStateTransition), st::kInvalidField, "Get Features APST");
        }));
    out.push_back(make_case("features.keep-alive.absent",
        "Get Features Keep Alive Timer with KAS 0 is aborted with Invalid Field in Command", sec("5.27.1"), M,
        [](Context& c) {
            const auto kas = idctrl(c, 321, 320);
            c.require(kas == 0, "KAS is " + hex(kas) + ": Keep Alive is supported");
            c.expect_status(getfeatures(c, fid::kKeepAliveTimer), st::kInvalidField, "Get Features Keep Alive Timer");
        }));
    out.push_back(make_case("features.hctm.absent",
        "Get Features Host Controlled Thermal Management with HCTMA 0 is aborted with Invalid Field in Command",
        sec("5.27.1"), M, [](Context& c) {
            const auto hctma = idctrl(c, 323, 322);
            c.require(!bit(hctma, 0), "HCTMA is " + hex(hctma) + ": HCTM is supported");
            c.expect_status(getfeatures(c, fid::kHostControlledThermalManagement), st::kInvalidField, "Get Features HCTM");
        }));
    out.push_back(make_case("features.timestamp.absent",
        "Get Features Timestamp with ONCS bit 6 clear is aborted with Invalid Field in Command", sec("5.27.1"), M,
        [](Context& c) {
            c.require(!bit(oncs(c), 6), "ONCS is " + hex(oncs(c)) + ": bit 6 (Timestamp) is 1");
            Buffer b(4096);
            c.expect_status(getfeatures(c, fid::kTimestamp, {.buf = &b}), st::kInvalidField, "Get Features Timestamp");
        }));
    out.push_back(make_case("features.reservation.absent",
        "Get Features Reservation Persistence with ONCS bit 5 clear is aborted with Invalid Field in Command",
        sec("5.27.1"), M, [](Context& c) {
            c.require(!bit(oncs(c), 5), "ONCS is " + hex(oncs(c)) + ": bit 5 (Reservations) is 1");
            c.expect_status(getfeatures(c, fid::kReservationPersistence, {.nsid = 1}), st::kInvalidField,
                            "Get Features Reservation Persistence NSID 1");
        }));
}

}  // namespace

void add_features_cases(std::vector<Case>& out)
{
    select_cases(out);
    mandatory_feature_cases(out);
    optional_feature_cases(out);
}

}  // namespace nvmetest::conf
