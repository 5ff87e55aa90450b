// SPDX-License-Identifier: BSD-3-Clause
//
// Feature identifiers of Get/Set Features (NVMe Base Specification 2.0,
// figure 317) and the select values of Get Features.
#ifndef NVMETEST_NVME_FEATURES_H
#define NVMETEST_NVME_FEATURES_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <string_view>

namespace nvmetest::nvme {

namespace feature {
inline constexpr std::uint8_t kArbitration = 0x01;
inline constexpr std::uint8_t kPowerManagement = 0x02;
inline constexpr std::uint8_t kLbaRangeType = 0x03;
inline constexpr std::uint8_t kTemperatureThreshold = 0x04;
inline constexpr std::uint8_t kErrorRecovery = 0x05;
inline constexpr std::uint8_t kVolatileWriteCache = 0x06;
inline constexpr std::uint8_t kNumberOfQueues = 0x07;
inline constexpr std::uint8_t kInterruptCoalescing = 0x08;
inline constexpr std::uint8_t kInterruptVectorConfiguration = 0x09;
inline constexpr std::uint8_t kWriteAtomicityNormal = 0x0a;
inline constexpr std::uint8_t kAsyncEventConfiguration = 0x0b;
inline constexpr std::uint8_t kAutonomousPowerStateTransition = 0x0c;
inline constexpr std::uint8_t kHostMemoryBuffer = 0x0d;
inline constexpr std::uint8_t kTimestamp = 0x0e;
inline constexpr std::uint8_t kKeepAliveTimer = 0x0f;
inline constexpr std::uint8_t kHostControlledThermalManagement = 0x10;
inline constexpr std::uint8_t kNonOperationalPowerStateConfig = 0x11;
inline constexpr std::uint8_t kReadRecoveryLevelConfig = 0x12;
inline constexpr std::uint8_t kPredictableLatencyModeConfig = 0x13;
inline constexpr std::uint8_t kPredictableLatencyModeWindow = 0x14;
inline constexpr std::uint8_t kLbaStatusInformationAttributes = 0x15;
inline constexpr std::uint8_t kHostBehaviorSupport = 0x16;
inline constexpr std::uint8_t kSanitizeConfig = 0x17;
inline constexpr std::uint8_t kEnduranceGroupEventConfiguration = 0x18;
inline constexpr std::uint8_t kIoCommandSetProfile = 0x19;
inline constexpr std::uint8_t kSpinupControl = 0x1a;
inline constexpr std::uint8_t kEnhancedControllerMetadata = 0x7d;
inline constexpr std::uint8_t kControllerMetadata = 0x7e;
inline constexpr std::uint8_t kNamespaceMetadata = 0x7f;
inline constexpr std::uint8_t kSoftwareProgressMarker = 0x80;
inline constexpr std::uint8_t kHostIdentifier = 0x81;
inline constexpr std::uint8_t kReservationNotificationMask = 0x82;
inline constexpr std::uint8_t kReservationPersistence = 0x83;
inline constexpr std::uint8_t kNamespaceWriteProtectionConfig = 0x84;
} // namespace feature

// Get Features select (CDW10 bits 10:8).
namespace feature_select {
inline constexpr std::uint8_t kCurrent = 0;
inline constexpr std::uint8_t kDefault = 1;
inline constexpr std::uint8_t kSaved = 2;
inline constexpr std::uint8_t kSupportedCapabilities = 3;
} // namespace feature_select

// "Volatile Write Cache", ...; "Vendor Specific" for C0h-FFh, else "Reserved".
std::string_view feature_name(std::uint8_t fid) noexcept;

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_FEATURES_H
