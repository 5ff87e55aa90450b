// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/features.h"

namespace nvmetest::nvme {

std::string_view feature_name(std::uint8_t fid) noexcept {
    namespace f = feature;
    switch (fid) {
    case f::kArbitration:
        return "Arbitration";
    case f::kPowerManagement:
        return "Power Management";
    case f::kLbaRangeType:
        return "LBA Range Type";
    case f::kTemperatureThreshold:
        return "Temperature Threshold";
    case f::kErrorRecovery:
        return "Error Recovery";
    case f::kVolatileWriteCache:
        return "Volatile Write Cache";
    case f::kNumberOfQueues:
        return "Number of Queues";
    case f::kInterruptCoalescing:
        return "Interrupt Coalescing";
    case f::kInterruptVectorConfiguration:
        return "Interrupt Vector Configuration";
    case f::kWriteAtomicityNormal:
        return "Write Atomicity Normal";
    case f::kAsyncEventConfiguration:
        return "Asynchronous Event Configuration";
    case f::kAutonomousPowerStateTransition:
        return "Autonomous Power State Transition";
    case f::kHostMemoryBuffer:
        return "Host Memory Buffer";
    case f::kTimestamp:
        return "Timestamp";
    case f::kKeepAliveTimer:
        return "Keep Alive Timer";
    case f::kHostControlledThermalManagement:
        return "Host Controlled Thermal Management";
    case f::kNonOperationalPowerStateConfig:
        return "Non-Operational Power State Config";
    case f::kReadRecoveryLevelConfig:
        return "Read Recovery Level Config";
    case f::kPredictableLatencyModeConfig:
        return "Predictable Latency Mode Config";
    case f::kPredictableLatencyModeWindow:
        return "Predictable Latency Mode Window";
    case f::kLbaStatusInformationAttributes:
        return "LBA Status Information Attributes";
    case f::kHostBehaviorSupport:
        return "Host Behavior Support";
    case f::kSanitizeConfig:
        return "Sanitize Config";
    case f::kEnduranceGroupEventConfiguration:
        return "Endurance Group Event Configuration";
    case f::kIoCommandSetProfile:
        return "I/O Command Set Profile";
    case f::kSpinupControl:
        return "Spinup Control";
    case f::kEnhancedControllerMetadata:
        return "Enhanced Controller Metadata";
    case f::kControllerMetadata:
        return "Controller Metadata";
    case f::kNamespaceMetadata:
        return "Namespace Metadata";
    case f::kSoftwareProgressMarker:
        return "Software Progress Marker";
    case f::kHostIdentifier:
        return "Host Identifier";
    case f::kReservationNotificationMask:
        return "Reservation Notification Mask";
    case f::kReservationPersistence:
        return "Reservation Persistence";
    case f::kNamespaceWriteProtectionConfig:
        return "Namespace Write Protection Config";
    default:
        break;
    }
    return fid >= 0xc0 ? "Vendor Specific" : "Reserved";
}

} // namespace nvmetest::nvme
