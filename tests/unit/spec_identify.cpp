// SPDX-License-Identifier: BSD-3-Clause
// Identify, log page and ZNS structures parsed from raw bytes laid out by hand
// at the spec's offsets, so that a wrong offset or accessor shows here.
#include "nvmetest/errors.h"
#include "nvmetest/nvme/identify.h"
#include "nvmetest/nvme/identify_ns.h"
#include "nvmetest/nvme/log_pages.h"
#include "nvmetest/nvme/zns.h"

#include <cstring>
#include <gtest/gtest.h>
#include <vector>

using namespace nvmetest::nvme;

namespace {

template <typename T>
T from_raw(const std::vector<std::uint8_t>& raw) {
    T v;
    std::memcpy(&v, raw.data(), sizeof(T));
    return v;
}

void put16(std::vector<std::uint8_t>& b, std::size_t off, std::uint16_t v) {
    std::memcpy(b.data() + off, &v, 2);
}
void put32(std::vector<std::uint8_t>& b, std::size_t off, std::uint32_t v) {
    std::memcpy(b.data() + off, &v, 4);
}
void put64(std::vector<std::uint8_t>& b, std::size_t off, std::uint64_t v) {
    std::memcpy(b.data() + off, &v, 8);
}

// Two LBA formats: 512+0 and 4096+8; formatted with the second, extended LBA.
std::vector<std::uint8_t> namespace_bytes() {
    std::vector<std::uint8_t> b(4096);
    put64(b, 0, 0x100000);                        // NSZE
    put64(b, 8, 0xf0000);                         // NCAP
    put64(b, 16, 0x1234);                         // NUSE
    b[24] = 0x01;                                 // NSFEAT: thin provisioning
    b[25] = 1;                                    // NLBAF: two formats
    b[26] = 0x11;                                 // FLBAS: format 1, extended
    b[29] = 0x09;                                 // DPS: type 1, PI first
    put32(b, 128 + 0, 9u << 16);                  // LBAF0: 512 B, no metadata, RP 0
    put32(b, 128 + 4, 8u | 12u << 16 | 2u << 24); // LBAF1: 4096 B + 8 B, RP 2
    return b;
}

} // namespace

TEST(SpecIdentifyNs, FormattedLbaFormat) {
    const auto id = IdentifyNamespace::from_bytes(namespace_bytes());
    EXPECT_EQ(id.nsze, 0x100000u);
    EXPECT_EQ(id.ncap, 0xf0000u);
    EXPECT_EQ(id.nuse, 0x1234u);
    EXPECT_TRUE(id.thin_provisioning());
    EXPECT_EQ(id.lba_format_count(), 2u);
    EXPECT_EQ(id.lba_format_index(), 1u);
    EXPECT_EQ(id.lba_size(), 4096u);
    EXPECT_EQ(id.meta_size(), 8u);
    EXPECT_TRUE(id.extended_lba());
    EXPECT_EQ(id.lbaf[1].rp(), 2);
    EXPECT_EQ(id.lbaf[0].data_size(), 512u);
    EXPECT_EQ(id.pi_type(), 1u);
    EXPECT_TRUE(id.pi_first());
}

TEST(SpecIdentifyNs, FindLbaFormat) {
    const auto id = IdentifyNamespace::from_bytes(namespace_bytes());
    EXPECT_EQ(id.find_lba_format(512, 0), 0u);
    EXPECT_EQ(id.find_lba_format(4096, 8), 1u);
    EXPECT_FALSE(id.find_lba_format(4096, 0).has_value());
}

TEST(SpecIdentifyNs, HighFormatIndexBitsCountAboveSixteenFormats) {
    auto b = namespace_bytes();
    b[25] = 19;             // 20 formats
    b[26] = 0x02 | 1u << 5; // index 0x12
    put32(b, 128 + 4 * 18, 4u | 9u << 16);
    const auto id = IdentifyNamespace::from_bytes(b);
    EXPECT_EQ(id.lba_format_index(), 18u);
    EXPECT_EQ(id.lba_size(), 512u);
    EXPECT_EQ(id.meta_size(), 4u);
    b[25] = 3; // with 16 formats or fewer, bits 6:5 do not count
    EXPECT_EQ(IdentifyNamespace::from_bytes(b).lba_format_index(), 2u);
}

TEST(SpecIdentifyNs, ShortBufferRefused) {
    std::vector<std::uint8_t> b(512);
    EXPECT_THROW(IdentifyNamespace::from_bytes(b), nvmetest::UsageError);
}

TEST(SpecIdentifyCtrl, BitFieldAccessors) {
    std::vector<std::uint8_t> b(4096);
    b[76] = 0x02; // CMIC: multiple controllers
    put16(b, 256, oacs::kFormatNvm | oacs::kNamespaceManagement);
    b[260] = 0x17; // FRMW: slot1 RO, 3 slots, activate w/o reset
    b[261] = 0x02; // LPA: effects log
    b[512] = 0x66; // SQES 64 bytes
    b[513] = 0x44; // CQES 16 bytes
    put16(b, 520, oncs::kDatasetManagement | oncs::kWriteZeroes);
    b[525] = 0x01;              // VWC present
    put32(b, 536, 0x0001'0001); // SGLS: supported, bit bucket
    put16(b, 2048, 2500);       // PS0 MP: 25 W
    b[2048 + 3] = 0x02;         // PS0 NOPS
    const auto id = IdentifyController::from_bytes(b);
    EXPECT_TRUE(id.multi_controller());
    EXPECT_TRUE(id.supports_admin(oacs::kNamespaceManagement));
    EXPECT_FALSE(id.supports_admin(oacs::kFirmware));
    EXPECT_TRUE(id.fw_slot1_read_only());
    EXPECT_EQ(id.fw_slot_count(), 3u);
    EXPECT_TRUE(id.fw_activate_without_reset());
    EXPECT_TRUE(id.effects_log());
    EXPECT_FALSE(id.smart_per_namespace());
    EXPECT_EQ(id.sq_entry_min(), 64u);
    EXPECT_EQ(id.cq_entry_max(), 16u);
    EXPECT_TRUE(id.supports_nvm(oncs::kWriteZeroes));
    EXPECT_FALSE(id.supports_nvm(oncs::kCompare));
    EXPECT_TRUE(id.volatile_write_cache());
    EXPECT_EQ(id.sgl_support(), 1u);
    EXPECT_TRUE(id.sgl_bit_bucket());
    EXPECT_EQ(id.psd[0].max_power_uw(), 25'000'000u);
    EXPECT_TRUE(id.psd[0].nops());
    EXPECT_FALSE(id.psd[0].mxps());
}

TEST(SpecLogs, SmartLogFields) {
    std::vector<std::uint8_t> b(512);
    b[0] = critical_warning::kTemperature;
    b[1] = 0x2c; // 300 K, little-endian at the unaligned offset 1
    b[2] = 0x01;
    b[3] = 100;
    b[5] = 3;
    put64(b, 32, 0xffffffffffffffffull); // data units read: 2^64 + 2^64 - 1
    put64(b, 40, 1);
    put64(b, 112, 42); // power cycles
    put32(b, 192, 7);
    put16(b, 200, 310);
    const auto log = from_raw<SmartLog>(b);
    EXPECT_EQ(log.critical_warning, critical_warning::kTemperature);
    EXPECT_EQ(log.composite_temperature(), 300);
    EXPECT_EQ(log.avail_spare, 100);
    EXPECT_EQ(log.percent_used, 3);
    EXPECT_EQ(log.power_cycles.low(), 42u);
    EXPECT_EQ(log.power_cycles.to_string(), "42");
    EXPECT_EQ(log.data_units_read.high(), 1u);
    EXPECT_EQ(log.data_units_read.to_string(), "36893488147419103231"); // 2^65 - 1
    EXPECT_EQ(log.warning_temp_time, 7u);
    EXPECT_EQ(log.temp_sensor[0], 310);
    EXPECT_EQ(log.media_errors.to_string(), "0");
}

TEST(SpecLogs, FirmwareSlotLog) {
    std::vector<std::uint8_t> b(512);
    b[0] = 0x21; // active slot 1, slot 2 at next reset
    std::memcpy(b.data() + 8, "1.0     ", 8);
    std::memcpy(b.data() + 16, "2.0b", 4);
    const auto log = from_raw<FirmwareSlotLog>(b);
    EXPECT_EQ(log.active_slot(), 1u);
    EXPECT_EQ(log.next_slot(), 2u);
    EXPECT_EQ(log.revision(1), "1.0");
    EXPECT_EQ(log.revision(2), "2.0b");
    EXPECT_EQ(log.revision(3), "");
    EXPECT_EQ(log.revision(8), "");
}

TEST(SpecLogs, ErrorEntryAndEffects) {
    std::vector<std::uint8_t> e(64);
    put64(e, 0, 5);
    put16(e, 8, 1);
    put16(e, 10, 0x33);
    put16(e, 12, static_cast<std::uint16_t>(0x0002u << 1 | 1)); // Invalid Field, phase 1
    put16(e, 14, 0x0204);                                       // byte 4, bit 2
    put64(e, 16, 0x1000);
    put32(e, 24, 1);
    const auto entry = from_raw<ErrorInformationEntry>(e);
    EXPECT_EQ(entry.error_count, 5u);
    EXPECT_EQ(entry.cid, 0x33);
    EXPECT_EQ(entry.status(), 0x0002);
    EXPECT_EQ(entry.error_byte(), 4u);
    EXPECT_EQ(entry.error_bit(), 2u);
    EXPECT_EQ(entry.lba, 0x1000u);

    std::vector<std::uint8_t> b(4096);
    put32(b, 4 * 0x06, effects::kCsupp);                         // Identify
    put32(b, 1024 + 4 * 0x01, effects::kCsupp | effects::kLbcc); // Write
    put32(b, 1024 + 4 * 0x19, effects::kCsupp | 1u << 16);       // Copy, CSE 1
    const auto* fx = reinterpret_cast<const CommandsSupportedEffects*>(b.data());
    EXPECT_TRUE(fx->admin_supported(0x06));
    EXPECT_FALSE(fx->admin_supported(0x80));
    EXPECT_TRUE(fx->io_supported(0x01));
    EXPECT_FALSE(fx->io_supported(0x02));
    EXPECT_EQ(CommandsSupportedEffects::cse(fx->iocs[0x19]), 1u);
}

TEST(SpecZns, IdentifyAndZoneDescriptor) {
    std::vector<std::uint8_t> b(4096);
    put32(b, 4, 13);         // MAR: 14 active zones
    put32(b, 8, 0xffffffff); // MOR: no limit
    put64(b, 2816, 0x8000);  // LBAFE0 zone size
    b[2816 + 8] = 1;
    const auto id = from_raw<ZnsIdentifyNamespace>(b);
    EXPECT_EQ(id.max_active_zones(), 14u);
    EXPECT_EQ(id.max_open_zones(), 0u);
    EXPECT_EQ(id.lbafe[0].zsze, 0x8000u);
    EXPECT_EQ(id.lbafe[0].zdes, 1);

    std::vector<std::uint8_t> z(64);
    z[0] = zone_type::kSequentialWriteRequired;
    z[1] = zone_state::kImplicitlyOpened << 4;
    z[2] = 0x04;
    put64(z, 8, 0x7000);
    put64(z, 16, 0x8000);
    put64(z, 24, 0x8010);
    const auto zd = from_raw<ZoneDescriptor>(z);
    EXPECT_EQ(zd.type(), zone_type::kSequentialWriteRequired);
    EXPECT_EQ(zd.state(), zone_state::kImplicitlyOpened);
    EXPECT_TRUE(zd.reset_recommended());
    EXPECT_EQ(zd.zcap, 0x7000u);
    EXPECT_EQ(zd.zslba, 0x8000u);
    EXPECT_EQ(zd.wp, 0x8010u);
}
