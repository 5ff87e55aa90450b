// SPDX-License-Identifier: BSD-3-Clause
//
// Log page identifiers and the layouts tests read most (NVMe Base
// Specification 2.0, section 5.16.1): Error Information, SMART / Health
// Information, Firmware Slot Information, Changed Namespace List, Commands
// Supported and Effects.  Multi-byte fields that the spec places at odd
// offsets (the composite temperature) or makes 128 bits wide are byte arrays
// with accessors, so the layout never depends on the compiler's padding.
#ifndef NVMETEST_NVME_LOG_PAGES_H
#define NVMETEST_NVME_LOG_PAGES_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace nvmetest::nvme {

namespace log_id {
inline constexpr std::uint8_t kErrorInformation = 0x01;
inline constexpr std::uint8_t kSmartHealth = 0x02;
inline constexpr std::uint8_t kFirmwareSlot = 0x03;
inline constexpr std::uint8_t kChangedNamespaceList = 0x04;
inline constexpr std::uint8_t kCommandsSupportedEffects = 0x05;
inline constexpr std::uint8_t kDeviceSelfTest = 0x06;
inline constexpr std::uint8_t kTelemetryHostInitiated = 0x07;
inline constexpr std::uint8_t kTelemetryControllerInitiated = 0x08;
inline constexpr std::uint8_t kEnduranceGroupInformation = 0x09;
inline constexpr std::uint8_t kPredictableLatencyPerNvmSet = 0x0a;
inline constexpr std::uint8_t kPredictableLatencyEventAggregate = 0x0b;
inline constexpr std::uint8_t kAsymmetricNamespaceAccess = 0x0c;
inline constexpr std::uint8_t kPersistentEventLog = 0x0d;
inline constexpr std::uint8_t kEnduranceGroupEventAggregate = 0x0f;
inline constexpr std::uint8_t kMediaUnitStatus = 0x10;
inline constexpr std::uint8_t kSupportedCapacityConfigurationList = 0x11;
inline constexpr std::uint8_t kFeatureIdentifiersSupportedEffects = 0x12;
inline constexpr std::uint8_t kNvmeMiCommandsSupportedEffects = 0x13;
inline constexpr std::uint8_t kCommandFeatureLockdown = 0x14;
inline constexpr std::uint8_t kBootPartition = 0x15;
inline constexpr std::uint8_t kRotationalMediaInformation = 0x16;
inline constexpr std::uint8_t kDiscovery = 0x70;
inline constexpr std::uint8_t kReservationNotification = 0x80;
inline constexpr std::uint8_t kSanitizeStatus = 0x81;
inline constexpr std::uint8_t kChangedZoneList = 0xbf;
} // namespace log_id

// "SMART / Health Information", ...; "Vendor Specific" for C0h-FFh, else "Reserved".
std::string_view log_page_name(std::uint8_t lid) noexcept;

// Little-endian 128-bit counter of the SMART log; low() is exact below 2^64.
struct U128 {
    std::uint8_t bytes[16];
    std::uint64_t low() const noexcept {
        std::uint64_t v;
        std::memcpy(&v, bytes, sizeof(v));
        return v;
    }
    std::uint64_t high() const noexcept {
        std::uint64_t v;
        std::memcpy(&v, bytes + 8, sizeof(v));
        return v;
    }
    // Decimal string of the full 128-bit value.
    std::string to_string() const;
};
static_assert(sizeof(U128) == 16);

// Error Information log entry (64 bytes).
struct ErrorInformationEntry {
    std::uint64_t error_count;          // 0: 0 means the entry is unused
    std::uint16_t sqid;                 // 8
    std::uint16_t cid;                  // 10
    std::uint16_t status_field;         // 12: bit 0 phase, bits 15:1 status
    std::uint16_t param_error_location; // 14: byte in 7:0, bit in 10:8
    std::uint64_t lba;                  // 16
    std::uint32_t nsid;                 // 24
    std::uint8_t vs;                    // 28: vendor specific information available
    std::uint8_t trtype;                // 29: transport type
    std::uint8_t rsvd30[2];
    std::uint64_t csi;  // 32: command specific information
    std::uint16_t ttsi; // 40: transport type specific information
    std::uint8_t rsvd42[22];

    // The status as Cqe::status() gives it (phase bit dropped).
    std::uint16_t status() const noexcept { return status_field >> 1; }
    unsigned error_byte() const noexcept { return param_error_location & 0xff; }
    unsigned error_bit() const noexcept { return (param_error_location >> 8) & 7; }
};
static_assert(sizeof(ErrorInformationEntry) == 64);
static_assert(offsetof(ErrorInformationEntry, error_count) == 0);
static_assert(offsetof(ErrorInformationEntry, sqid) == 8);
static_assert(offsetof(ErrorInformationEntry, cid) == 10);
static_assert(offsetof(ErrorInformationEntry, status_field) == 12);
static_assert(offsetof(ErrorInformationEntry, param_error_location) == 14);
static_assert(offsetof(ErrorInformationEntry, lba) == 16);
static_assert(offsetof(ErrorInformationEntry, nsid) == 24);
static_assert(offsetof(ErrorInformationEntry, vs) == 28);
static_assert(offsetof(ErrorInformationEntry, trtype) == 29);
static_assert(offsetof(ErrorInformationEntry, csi) == 32);
static_assert(offsetof(ErrorInformationEntry, ttsi) == 40);

// Critical Warning bits of the SMART log.
namespace critical_warning {
inline constexpr std::uint8_t kSpareBelowThreshold = 1u << 0;
inline constexpr std::uint8_t kTemperature = 1u << 1;
inline constexpr std::uint8_t kReliabilityDegraded = 1u << 2;
inline constexpr std::uint8_t kReadOnly = 1u << 3;
inline constexpr std::uint8_t kVolatileBackupFailed = 1u << 4;
inline constexpr std::uint8_t kPmrReadOnly = 1u << 5;
} // namespace critical_warning

// SMART / Health Information log (512 bytes).
struct SmartLog {
    std::uint8_t critical_warning;         // 0
    std::uint8_t temperature[2];           // 1: composite temperature, kelvin (unaligned)
    std::uint8_t avail_spare;              // 3: percent
    std::uint8_t spare_thresh;             // 4: percent
    std::uint8_t percent_used;             // 5
    std::uint8_t endu_grp_crit_warn_sumry; // 6
    std::uint8_t rsvd7[25];
    U128 data_units_read;                // 32: thousands of 512-byte units
    U128 data_units_written;             // 48
    U128 host_reads;                     // 64: read commands
    U128 host_writes;                    // 80
    U128 ctrl_busy_time;                 // 96: minutes
    U128 power_cycles;                   // 112
    U128 power_on_hours;                 // 128
    U128 unsafe_shutdowns;               // 144
    U128 media_errors;                   // 160
    U128 num_err_log_entries;            // 176
    std::uint32_t warning_temp_time;     // 192: minutes
    std::uint32_t critical_comp_time;    // 196: minutes
    std::uint16_t temp_sensor[8];        // 200: kelvin, 0 when not implemented
    std::uint32_t thm_temp1_trans_count; // 216
    std::uint32_t thm_temp2_trans_count; // 220
    std::uint32_t thm_temp1_total_time;  // 224
    std::uint32_t thm_temp2_total_time;  // 228
    std::uint8_t rsvd232[280];

    std::uint16_t composite_temperature() const noexcept {
        return static_cast<std::uint16_t>(temperature[0] | temperature[1] << 8);
    }
};
static_assert(sizeof(SmartLog) == 512);
static_assert(offsetof(SmartLog, critical_warning) == 0);
static_assert(offsetof(SmartLog, temperature) == 1);
static_assert(offsetof(SmartLog, avail_spare) == 3);
static_assert(offsetof(SmartLog, spare_thresh) == 4);
static_assert(offsetof(SmartLog, percent_used) == 5);
static_assert(offsetof(SmartLog, endu_grp_crit_warn_sumry) == 6);
static_assert(offsetof(SmartLog, data_units_read) == 32);
static_assert(offsetof(SmartLog, data_units_written) == 48);
static_assert(offsetof(SmartLog, host_reads) == 64);
static_assert(offsetof(SmartLog, host_writes) == 80);
static_assert(offsetof(SmartLog, ctrl_busy_time) == 96);
static_assert(offsetof(SmartLog, power_cycles) == 112);
static_assert(offsetof(SmartLog, power_on_hours) == 128);
static_assert(offsetof(SmartLog, unsafe_shutdowns) == 144);
static_assert(offsetof(SmartLog, media_errors) == 160);
static_assert(offsetof(SmartLog, num_err_log_entries) == 176);
static_assert(offsetof(SmartLog, warning_temp_time) == 192);
static_assert(offsetof(SmartLog, critical_comp_time) == 196);
static_assert(offsetof(SmartLog, temp_sensor) == 200);
static_assert(offsetof(SmartLog, thm_temp1_trans_count) == 216);
static_assert(offsetof(SmartLog, thm_temp2_trans_count) == 220);
static_assert(offsetof(SmartLog, thm_temp1_total_time) == 224);
static_assert(offsetof(SmartLog, thm_temp2_total_time) == 228);

// Firmware Slot Information log (512 bytes).
struct FirmwareSlotLog {
    std::uint8_t afi; // 0: active slot in 2:0, next-reset slot in 6:4
    std::uint8_t rsvd1[7];
    char frs[7][8]; // 8: revision of slots 1..7
    std::uint8_t rsvd64[448];

    unsigned active_slot() const noexcept { return afi & 7; }
    // Slot activated at the next reset; 0 when none is pending.
    unsigned next_slot() const noexcept { return (afi >> 4) & 7; }
    // Revision in slot 1..7 without padding; empty when the slot is empty or out of range.
    std::string revision(unsigned slot) const;
};
static_assert(sizeof(FirmwareSlotLog) == 512);
static_assert(offsetof(FirmwareSlotLog, afi) == 0);
static_assert(offsetof(FirmwareSlotLog, frs) == 8);

// Changed Namespace List log (4096 bytes): up to 1024 NSIDs, zero terminated;
// FFFFFFFFh in the first entry means more than 1024 changed.
struct ChangedNamespaceList {
    std::uint32_t nsid[1024];
};
static_assert(sizeof(ChangedNamespaceList) == 4096);

// Commands Supported and Effects log (4096 bytes).
namespace effects {
inline constexpr std::uint32_t kCsupp = 1u << 0; // command supported
inline constexpr std::uint32_t kLbcc = 1u << 1;  // logical block content change
inline constexpr std::uint32_t kNcc = 1u << 2;   // namespace capability change
inline constexpr std::uint32_t kNic = 1u << 3;   // namespace inventory change
inline constexpr std::uint32_t kCcc = 1u << 4;   // controller capability change
inline constexpr std::uint32_t kUuidSelection = 1u << 19;
} // namespace effects

struct CommandsSupportedEffects {
    std::uint32_t acs[256];  // 0: admin commands, by opcode
    std::uint32_t iocs[256]; // 1024: I/O commands, by opcode
    std::uint8_t rsvd2048[2048];

    bool admin_supported(std::uint8_t op) const noexcept { return acs[op] & effects::kCsupp; }
    bool io_supported(std::uint8_t op) const noexcept { return iocs[op] & effects::kCsupp; }
    // Command Submission and Execution (bits 18:16): 0 no restriction, 1 one per
    // namespace, 2 one per controller.
    static unsigned cse(std::uint32_t entry) noexcept { return (entry >> 16) & 7; }
};
static_assert(sizeof(CommandsSupportedEffects) == 4096);
static_assert(offsetof(CommandsSupportedEffects, acs) == 0);
static_assert(offsetof(CommandsSupportedEffects, iocs) == 1024);

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_LOG_PAGES_H
