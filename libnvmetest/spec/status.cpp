// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/status.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <utility>

namespace nvmetest::nvme {
namespace {

using Entry = std::pair<std::uint16_t, std::string_view>;
namespace s = status;

// Sorted by code so that a lookup is a binary search; the static_assert below
// keeps it sorted when someone adds a line.
constexpr std::array kNames = {
    Entry{s::kSuccess, "Successful Completion"},
    Entry{s::kInvalidOpcode, "Invalid Command Opcode"},
    Entry{s::kInvalidField, "Invalid Field in Command"},
    Entry{s::kCommandIdConflict, "Command ID Conflict"},
    Entry{s::kDataTransferError, "Data Transfer Error"},
    Entry{s::kAbortedPowerLoss, "Commands Aborted due to Power Loss Notification"},
    Entry{s::kInternalError, "Internal Error"},
    Entry{s::kAbortRequested, "Command Abort Requested"},
    Entry{s::kAbortedSqDeletion, "Command Aborted due to SQ Deletion"},
    Entry{s::kAbortedFailedFused, "Command Aborted due to Failed Fused Command"},
    Entry{s::kAbortedMissingFused, "Command Aborted due to Missing Fused Command"},
    Entry{s::kInvalidNamespaceOrFormat, "Invalid Namespace or Format"},
    Entry{s::kCommandSequenceError, "Command Sequence Error"},
    Entry{s::kInvalidSglSegmentDescriptor, "Invalid SGL Segment Descriptor"},
    Entry{s::kInvalidSglDescriptorCount, "Invalid Number of SGL Descriptors"},
    Entry{s::kDataSglLengthInvalid, "Data SGL Length Invalid"},
    Entry{s::kMetadataSglLengthInvalid, "Metadata SGL Length Invalid"},
    Entry{s::kSglDescriptorTypeInvalid, "SGL Descriptor Type Invalid"},
    Entry{s::kInvalidCmbUse, "Invalid Use of Controller Memory Buffer"},
    Entry{s::kPrpOffsetInvalid, "PRP Offset Invalid"},
    Entry{s::kAtomicWriteUnitExceeded, "Atomic Write Unit Exceeded"},
    Entry{s::kOperationDenied, "Operation Denied"},
    Entry{s::kSglOffsetInvalid, "SGL Offset Invalid"},
    Entry{s::kHostIdentifierInconsistentFormat, "Host Identifier Inconsistent Format"},
    Entry{s::kKeepAliveTimerExpired, "Keep Alive Timer Expired"},
    Entry{s::kKeepAliveTimeoutInvalid, "Keep Alive Timeout Invalid"},
    Entry{s::kAbortedPreemptAbort, "Command Aborted due to Preempt and Abort"},
    Entry{s::kSanitizeFailed, "Sanitize Failed"},
    Entry{s::kSanitizeInProgress, "Sanitize In Progress"},
    Entry{s::kSglDataBlockGranularityInvalid, "SGL Data Block Granularity Invalid"},
    Entry{s::kCommandNotSupportedForCmbQueue, "Command Not Supported for Queue in CMB"},
    Entry{s::kNamespaceWriteProtected, "Namespace is Write Protected"},
    Entry{s::kCommandInterrupted, "Command Interrupted"},
    Entry{s::kTransientTransportError, "Transient Transport Error"},
    Entry{s::kProhibitedByLockdown, "Command Prohibited by Command and Feature Lockdown"},
    Entry{s::kAdminCommandMediaNotReady, "Admin Command Media Not Ready"},
    Entry{s::kInvalidKeyTag, "Invalid Key Tag"},
    Entry{s::kHostDispersedNsNotEnabled, "Host Dispersed Namespace Support Not Enabled"},
    Entry{s::kHostIdentifierNotInitialized, "Host Identifier Not Initialized"},
    Entry{s::kIncorrectKey, "Incorrect Key"},
    Entry{s::kFdpDisabled, "FDP Disabled"},
    Entry{s::kInvalidPlacementHandleList, "Invalid Placement Handle List"},
    Entry{s::kLbaOutOfRange, "LBA Out of Range"},
    Entry{s::kCapacityExceeded, "Capacity Exceeded"},
    Entry{s::kNamespaceNotReady, "Namespace Not Ready"},
    Entry{s::kReservationConflict, "Reservation Conflict"},
    Entry{s::kFormatInProgress, "Format In Progress"},
    Entry{s::kInvalidValueSize, "Invalid Value Size"},
    Entry{s::kInvalidKeySize, "Invalid Key Size"},
    Entry{s::kKvKeyDoesNotExist, "KV Key Does Not Exist"},
    Entry{s::kUnrecoveredError, "Unrecovered Error"},
    Entry{s::kKeyExists, "Key Exists"},

    Entry{s::kCompletionQueueInvalid, "Completion Queue Invalid"},
    Entry{s::kInvalidQueueIdentifier, "Invalid Queue Identifier"},
    Entry{s::kInvalidQueueSize, "Invalid Queue Size"},
    Entry{s::kAbortCommandLimitExceeded, "Abort Command Limit Exceeded"},
    Entry{s::kAsyncEventRequestLimitExceeded, "Asynchronous Event Request Limit Exceeded"},
    Entry{s::kInvalidFirmwareSlot, "Invalid Firmware Slot"},
    Entry{s::kInvalidFirmwareImage, "Invalid Firmware Image"},
    Entry{s::kInvalidInterruptVector, "Invalid Interrupt Vector"},
    Entry{s::kInvalidLogPage, "Invalid Log Page"},
    Entry{s::kInvalidFormat, "Invalid Format"},
    Entry{s::kFwActivationRequiresConventionalReset,
          "Firmware Activation Requires Conventional Reset"},
    Entry{s::kInvalidQueueDeletion, "Invalid Queue Deletion"},
    Entry{s::kFeatureIdNotSaveable, "Feature Identifier Not Saveable"},
    Entry{s::kFeatureNotChangeable, "Feature Not Changeable"},
    Entry{s::kFeatureNotNamespaceSpecific, "Feature Not Namespace Specific"},
    Entry{s::kFwActivationRequiresSubsystemReset,
          "Firmware Activation Requires NVM Subsystem Reset"},
    Entry{s::kFwActivationRequiresControllerReset,
          "Firmware Activation Requires Controller Level Reset"},
    Entry{s::kFwActivationRequiresMaxTimeViolation,
          "Firmware Activation Requires Maximum Time Violation"},
    Entry{s::kFwActivationProhibited, "Firmware Activation Prohibited"},
    Entry{s::kOverlappingRange, "Overlapping Range"},
    Entry{s::kNamespaceInsufficientCapacity, "Namespace Insufficient Capacity"},
    Entry{s::kNamespaceIdentifierUnavailable, "Namespace Identifier Unavailable"},
    Entry{s::kNamespaceAlreadyAttached, "Namespace Already Attached"},
    Entry{s::kNamespaceIsPrivate, "Namespace Is Private"},
    Entry{s::kNamespaceNotAttached, "Namespace Not Attached"},
    Entry{s::kThinProvisioningNotSupported, "Thin Provisioning Not Supported"},
    Entry{s::kControllerListInvalid, "Controller List Invalid"},
    Entry{s::kSelfTestInProgress, "Device Self-test In Progress"},
    Entry{s::kBootPartitionWriteProhibited, "Boot Partition Write Prohibited"},
    Entry{s::kInvalidControllerIdentifier, "Invalid Controller Identifier"},
    Entry{s::kInvalidSecondaryControllerState, "Invalid Secondary Controller State"},
    Entry{s::kInvalidControllerResourceCount, "Invalid Number of Controller Resources"},
    Entry{s::kInvalidResourceIdentifier, "Invalid Resource Identifier"},
    Entry{s::kSanitizeProhibitedWithPmr,
          "Sanitize Prohibited While Persistent Memory Region is Enabled"},
    Entry{s::kAnaGroupIdentifierInvalid, "ANA Group Identifier Invalid"},
    Entry{s::kAnaAttachFailed, "ANA Attach Failed"},
    Entry{s::kInsufficientCapacity, "Insufficient Capacity"},
    Entry{s::kNamespaceAttachmentLimitExceeded, "Namespace Attachment Limit Exceeded"},
    Entry{s::kProhibitionNotSupported, "Prohibition of Command Execution Not Supported"},
    Entry{s::kIoCommandSetNotSupported, "I/O Command Set Not Supported"},
    Entry{s::kIoCommandSetNotEnabled, "I/O Command Set Not Enabled"},
    Entry{s::kIoCommandSetCombinationRejected, "I/O Command Set Combination Rejected"},
    Entry{s::kInvalidIoCommandSet, "Invalid I/O Command Set"},
    Entry{s::kIdentifierUnavailable, "Identifier Unavailable"},
    Entry{s::kConflictingAttributes, "Conflicting Attributes"},
    Entry{s::kInvalidProtectionInformation, "Invalid Protection Information"},
    Entry{s::kWriteToReadOnlyRange, "Attempted Write to Read Only Range"},
    Entry{s::kCommandSizeLimitExceeded, "Command Size Limit Exceeded"},
    Entry{s::kZoneBoundaryError, "Zone Boundary Error"},
    Entry{s::kZoneIsFull, "Zone Is Full"},
    Entry{s::kZoneIsReadOnly, "Zone Is Read Only"},
    Entry{s::kZoneIsOffline, "Zone Is Offline"},
    Entry{s::kZoneInvalidWrite, "Zone Invalid Write"},
    Entry{s::kTooManyActiveZones, "Too Many Active Zones"},
    Entry{s::kTooManyOpenZones, "Too Many Open Zones"},
    Entry{s::kInvalidZoneStateTransition, "Invalid Zone State Transition"},

    Entry{s::kWriteFault, "Write Fault"},
    Entry{s::kUnrecoveredReadError, "Unrecovered Read Error"},
    Entry{s::kEndToEndGuardCheckError, "End-to-end Guard Check Error"},
    Entry{s::kEndToEndApplicationTagCheckError, "End-to-end Application Tag Check Error"},
    Entry{s::kEndToEndReferenceTagCheckError, "End-to-end Reference Tag Check Error"},
    Entry{s::kCompareFailure, "Compare Failure"},
    Entry{s::kAccessDenied, "Access Denied"},
    Entry{s::kDeallocatedOrUnwrittenBlock, "Deallocated or Unwritten Logical Block"},
    Entry{s::kEndToEndStorageTagCheckError, "End-to-end Storage Tag Check Error"},

    Entry{s::kInternalPathError, "Internal Path Error"},
    Entry{s::kAsymmetricAccessPersistentLoss, "Asymmetric Access Persistent Loss"},
    Entry{s::kAsymmetricAccessInaccessible, "Asymmetric Access Inaccessible"},
    Entry{s::kAsymmetricAccessTransition, "Asymmetric Access Transition"},
    Entry{s::kControllerPathingError, "Controller Pathing Error"},
    Entry{s::kHostPathingError, "Host Pathing Error"},
    Entry{s::kCommandAbortedByHost, "Command Aborted By Host"},
};
static_assert(std::is_sorted(kNames.begin(), kNames.end(),
                             [](const Entry& a, const Entry& b) { return a.first < b.first; }));

} // namespace

std::string status_name(std::uint8_t sct, std::uint8_t sc) {
    const std::uint16_t code = static_cast<std::uint16_t>((sct & 7u) << 8 | sc);
    const auto it = std::lower_bound(kNames.begin(), kNames.end(), code,
                                     [](const Entry& e, std::uint16_t c) { return e.first < c; });
    if (it != kNames.end() && it->first == code)
        return std::string(it->second);
    // SCT 7 is vendor specific, and so are SC C0h-FFh of the generic, command
    // specific and media SCTs.
    if (sct == sct::kVendorSpecific || (sct <= sct::kMediaError && sc >= 0xc0))
        return "Vendor Specific";
    return "Reserved";
}

std::string sct_name(std::uint8_t sct) {
    switch (sct) {
    case sct::kGeneric:
        return "Generic Command Status";
    case sct::kCommandSpecific:
        return "Command Specific Status";
    case sct::kMediaError:
        return "Media and Data Integrity Errors";
    case sct::kPathRelated:
        return "Path Related Status";
    case sct::kVendorSpecific:
        return "Vendor Specific";
    default:
        return "Reserved";
    }
}

std::string status_string(std::uint16_t status_field) {
    const std::uint8_t sc = status_field & 0xff;
    const std::uint8_t sct = (status_field >> 8) & 7;
    const unsigned crd = (status_field >> 11) & 3;
    char head[40];
    std::snprintf(head, sizeof(head), "%s status: %02x/%02x ",
                  status_is_error(status_field) ? "ERROR" : "SUCCESS", sct, sc);
    std::string s = head + status_name(sct, sc);
    if (status_field & (1u << 14))
        s += ", DNR";
    if (status_field & (1u << 13))
        s += ", More";
    if (crd)
        s += ", CRD " + std::to_string(crd);
    return s;
}

} // namespace nvmetest::nvme
