// SPDX-License-Identifier: BSD-3-Clause
//
// Command opcodes and their names: the admin command set (NVMe Base
// Specification 2.0, figure 28), the NVM command set (NVM Command Set
// Specification 1.0, figure 18) and the Zoned Namespace command set (ZNS
// Command Set Specification 1.1, figure 27), plus the Identify CNS values.
#ifndef NVMETEST_NVME_OPCODES_H
#define NVMETEST_NVME_OPCODES_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <string_view>

namespace nvmetest::nvme {

namespace admin {
inline constexpr std::uint8_t kDeleteIoSq = 0x00;
inline constexpr std::uint8_t kCreateIoSq = 0x01;
inline constexpr std::uint8_t kGetLogPage = 0x02;
inline constexpr std::uint8_t kDeleteIoCq = 0x04;
inline constexpr std::uint8_t kCreateIoCq = 0x05;
inline constexpr std::uint8_t kIdentify = 0x06;
inline constexpr std::uint8_t kAbort = 0x08;
inline constexpr std::uint8_t kSetFeatures = 0x09;
inline constexpr std::uint8_t kGetFeatures = 0x0a;
inline constexpr std::uint8_t kAsyncEventRequest = 0x0c;
inline constexpr std::uint8_t kNamespaceManagement = 0x0d;
inline constexpr std::uint8_t kFirmwareCommit = 0x10;
inline constexpr std::uint8_t kFirmwareImageDownload = 0x11;
inline constexpr std::uint8_t kDeviceSelfTest = 0x14;
inline constexpr std::uint8_t kNamespaceAttachment = 0x15;
inline constexpr std::uint8_t kKeepAlive = 0x18;
inline constexpr std::uint8_t kDirectiveSend = 0x19;
inline constexpr std::uint8_t kDirectiveReceive = 0x1a;
inline constexpr std::uint8_t kVirtualizationManagement = 0x1c;
inline constexpr std::uint8_t kNvmeMiSend = 0x1d;
inline constexpr std::uint8_t kNvmeMiReceive = 0x1e;
inline constexpr std::uint8_t kCapacityManagement = 0x20;
inline constexpr std::uint8_t kLockdown = 0x24;
inline constexpr std::uint8_t kDoorbellBufferConfig = 0x7c;
inline constexpr std::uint8_t kFabrics = 0x7f;
inline constexpr std::uint8_t kFormatNvm = 0x80;
inline constexpr std::uint8_t kSecuritySend = 0x81;
inline constexpr std::uint8_t kSecurityReceive = 0x82;
inline constexpr std::uint8_t kSanitize = 0x84;
inline constexpr std::uint8_t kGetLbaStatus = 0x86;
} // namespace admin

// I/O opcodes of the NVM and Zoned Namespace command sets.
namespace io {
inline constexpr std::uint8_t kFlush = 0x00;
inline constexpr std::uint8_t kWrite = 0x01;
inline constexpr std::uint8_t kRead = 0x02;
inline constexpr std::uint8_t kWriteUncorrectable = 0x04;
inline constexpr std::uint8_t kCompare = 0x05;
inline constexpr std::uint8_t kWriteZeroes = 0x08;
inline constexpr std::uint8_t kDatasetManagement = 0x09;
inline constexpr std::uint8_t kVerify = 0x0c;
inline constexpr std::uint8_t kReservationRegister = 0x0d;
inline constexpr std::uint8_t kReservationReport = 0x0e;
inline constexpr std::uint8_t kReservationAcquire = 0x11;
inline constexpr std::uint8_t kReservationRelease = 0x15;
inline constexpr std::uint8_t kCopy = 0x19;
inline constexpr std::uint8_t kZoneManagementSend = 0x79;
inline constexpr std::uint8_t kZoneManagementReceive = 0x7a;
inline constexpr std::uint8_t kZoneAppend = 0x7d;
} // namespace io

// Identify Controller or Namespace Structure (CNS, CDW10 bits 7:0).
namespace cns {
inline constexpr std::uint8_t kNamespace = 0x00;
inline constexpr std::uint8_t kController = 0x01;
inline constexpr std::uint8_t kActiveNsList = 0x02;
inline constexpr std::uint8_t kNsDescriptorList = 0x03;
inline constexpr std::uint8_t kNvmSetList = 0x04;
inline constexpr std::uint8_t kCsNamespace = 0x05;  // I/O command set specific namespace
inline constexpr std::uint8_t kCsController = 0x06; // I/O command set specific controller
inline constexpr std::uint8_t kCsActiveNsList = 0x07;
inline constexpr std::uint8_t kCsIndependentNamespace = 0x08;
inline constexpr std::uint8_t kAllocatedNsList = 0x10;
inline constexpr std::uint8_t kAllocatedNamespace = 0x11;
inline constexpr std::uint8_t kNsAttachedControllers = 0x12;
inline constexpr std::uint8_t kControllerList = 0x13;
inline constexpr std::uint8_t kPrimaryControllerCaps = 0x14;
inline constexpr std::uint8_t kSecondaryControllerList = 0x15;
inline constexpr std::uint8_t kNsGranularityList = 0x16;
inline constexpr std::uint8_t kUuidList = 0x17;
inline constexpr std::uint8_t kDomainList = 0x18;
inline constexpr std::uint8_t kEnduranceGroupList = 0x19;
inline constexpr std::uint8_t kCsAllocatedNsList = 0x1a;
inline constexpr std::uint8_t kCsAllocatedNamespace = 0x1b;
inline constexpr std::uint8_t kIoCommandSetList = 0x1c;
} // namespace cns

// Command Set Identifier (CSI, Identify CDW11 bits 31:24 and others).
namespace csi {
inline constexpr std::uint8_t kNvm = 0x00;
inline constexpr std::uint8_t kKeyValue = 0x01;
inline constexpr std::uint8_t kZoned = 0x02;
} // namespace csi

// Spec name of an opcode ("Identify", "Read"); "Vendor Specific" in the vendor
// range and "Reserved" elsewhere, so every byte decodes to something printable.
std::string_view admin_opcode_name(std::uint8_t op);
std::string_view io_opcode_name(std::uint8_t op);
inline std::string_view opcode_name(std::uint8_t op, bool admin) {
    return admin ? admin_opcode_name(op) : io_opcode_name(op);
}

// Data transfer direction encoded in opcode bits 1:0 (every command set).
enum class DataDirection : std::uint8_t {
    None = 0,
    HostToController = 1,
    ControllerToHost = 2,
    Bidirectional = 3,
};
constexpr DataDirection data_direction(std::uint8_t op) noexcept {
    return static_cast<DataDirection>(op & 3);
}

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_OPCODES_H
