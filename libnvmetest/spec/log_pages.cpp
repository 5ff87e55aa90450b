// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/log_pages.h"

#include "nvmetest/nvme/identify.h"

#include <algorithm>

namespace nvmetest::nvme {

std::string_view log_page_name(std::uint8_t lid) noexcept {
    switch (lid) {
    case log_id::kErrorInformation:
        return "Error Information";
    case log_id::kSmartHealth:
        return "SMART / Health Information";
    case log_id::kFirmwareSlot:
        return "Firmware Slot Information";
    case log_id::kChangedNamespaceList:
        return "Changed Namespace List";
    case log_id::kCommandsSupportedEffects:
        return "Commands Supported and Effects";
    case log_id::kDeviceSelfTest:
        return "Device Self-test";
    case log_id::kTelemetryHostInitiated:
        return "Telemetry Host-Initiated";
    case log_id::kTelemetryControllerInitiated:
        return "Telemetry Controller-Initiated";
    case log_id::kEnduranceGroupInformation:
        return "Endurance Group Information";
    case log_id::kPredictableLatencyPerNvmSet:
        return "Predictable Latency Per NVM Set";
    case log_id::kPredictableLatencyEventAggregate:
        return "Predictable Latency Event Aggregate";
    case log_id::kAsymmetricNamespaceAccess:
        return "Asymmetric Namespace Access";
    case log_id::kPersistentEventLog:
        return "Persistent Event Log";
    case log_id::kEnduranceGroupEventAggregate:
        return "Endurance Group Event Aggregate";
    case log_id::kMediaUnitStatus:
        return "Media Unit Status";
    case log_id::kSupportedCapacityConfigurationList:
        return "Supported Capacity Configuration List";
    case log_id::kFeatureIdentifiersSupportedEffects:
        return "Feature Identifiers Supported and Effects";
    case log_id::kNvmeMiCommandsSupportedEffects:
        return "NVMe-MI Commands Supported and Effects";
    case log_id::kCommandFeatureLockdown:
        return "Command and Feature Lockdown";
    case log_id::kBootPartition:
        return "Boot Partition";
    case log_id::kRotationalMediaInformation:
        return "Rotational Media Information";
    case log_id::kDiscovery:
        return "Discovery";
    case log_id::kReservationNotification:
        return "Reservation Notification";
    case log_id::kSanitizeStatus:
        return "Sanitize Status";
    case log_id::kChangedZoneList:
        return "Changed Zone List";
    default:
        break;
    }
    return lid >= 0xc0 ? "Vendor Specific" : "Reserved";
}

std::string U128::to_string() const {
    // Long division by 10 over the 16 little-endian bytes: exact for any value,
    // and no __int128, which -Wpedantic rejects.
    std::uint8_t n[16];
    std::copy(bytes, bytes + 16, n);
    std::string digits;
    bool nonzero = true;
    while (nonzero) {
        unsigned rem = 0;
        nonzero = false;
        for (int i = 15; i >= 0; --i) {
            const unsigned cur = rem << 8 | n[i];
            n[i] = static_cast<std::uint8_t>(cur / 10);
            rem = cur % 10;
            nonzero = nonzero || n[i];
        }
        digits.push_back(static_cast<char>('0' + rem));
    }
    std::reverse(digits.begin(), digits.end());
    return digits;
}

std::string FirmwareSlotLog::revision(unsigned slot) const {
    if (slot < 1 || slot > 7)
        return {};
    return trim_ascii({frs[slot - 1], sizeof(frs[0])});
}

} // namespace nvmetest::nvme
