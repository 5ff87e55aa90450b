// SPDX-License-Identifier: BSD-3-Clause
//
// Completion status codes and their names (NVMe Base Specification 2.0,
// section 4.2.3; NVM, ZNS and Key Value command set specifications).  A status
// is data for the test, so decoding it never throws: unknown values decode to
// "Reserved" or "Vendor Specific".
#ifndef NVMETEST_NVME_STATUS_H
#define NVMETEST_NVME_STATUS_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <string>

namespace nvmetest::nvme {

// Status Code Type.
namespace sct {
inline constexpr std::uint8_t kGeneric = 0;
inline constexpr std::uint8_t kCommandSpecific = 1;
inline constexpr std::uint8_t kMediaError = 2;
inline constexpr std::uint8_t kPathRelated = 3;
inline constexpr std::uint8_t kVendorSpecific = 7;
} // namespace sct

// Every status as (SCT << 8) | SC, the low 11 bits of Cqe::status(), so that a
// test compares one number: EXPECT_EQ(cqe.status() & 0x7ff, status::kLbaOutOfRange).
namespace status {
// Generic command status (SCT 0).
inline constexpr std::uint16_t kSuccess = 0x000;
inline constexpr std::uint16_t kInvalidOpcode = 0x001;
inline constexpr std::uint16_t kInvalidField = 0x002;
inline constexpr std::uint16_t kCommandIdConflict = 0x003;
inline constexpr std::uint16_t kDataTransferError = 0x004;
inline constexpr std::uint16_t kAbortedPowerLoss = 0x005;
inline constexpr std::uint16_t kInternalError = 0x006;
inline constexpr std::uint16_t kAbortRequested = 0x007;
inline constexpr std::uint16_t kAbortedSqDeletion = 0x008;
inline constexpr std::uint16_t kAbortedFailedFused = 0x009;
inline constexpr std::uint16_t kAbortedMissingFused = 0x00a;
inline constexpr std::uint16_t kInvalidNamespaceOrFormat = 0x00b;
inline constexpr std::uint16_t kCommandSequenceError = 0x00c;
inline constexpr std::uint16_t kInvalidSglSegmentDescriptor = 0x00d;
inline constexpr std::uint16_t kInvalidSglDescriptorCount = 0x00e;
inline constexpr std::uint16_t kDataSglLengthInvalid = 0x00f;
inline constexpr std::uint16_t kMetadataSglLengthInvalid = 0x010;
inline constexpr std::uint16_t kSglDescriptorTypeInvalid = 0x011;
inline constexpr std::uint16_t kInvalidCmbUse = 0x012;
inline constexpr std::uint16_t kPrpOffsetInvalid = 0x013;
inline constexpr std::uint16_t kAtomicWriteUnitExceeded = 0x014;
inline constexpr std::uint16_t kOperationDenied = 0x015;
inline constexpr std::uint16_t kSglOffsetInvalid = 0x016;
inline constexpr std::uint16_t kHostIdentifierInconsistentFormat = 0x018;
inline constexpr std::uint16_t kKeepAliveTimerExpired = 0x019;
inline constexpr std::uint16_t kKeepAliveTimeoutInvalid = 0x01a;
inline constexpr std::uint16_t kAbortedPreemptAbort = 0x01b;
inline constexpr std::uint16_t kSanitizeFailed = 0x01c;
inline constexpr std::uint16_t kSanitizeInProgress = 0x01d;
inline constexpr std::uint16_t kSglDataBlockGranularityInvalid = 0x01e;
inline constexpr std::uint16_t kCommandNotSupportedForCmbQueue = 0x01f;
inline constexpr std::uint16_t kNamespaceWriteProtected = 0x020;
inline constexpr std::uint16_t kCommandInterrupted = 0x021;
inline constexpr std::uint16_t kTransientTransportError = 0x022;
inline constexpr std::uint16_t kProhibitedByLockdown = 0x023;
inline constexpr std::uint16_t kAdminCommandMediaNotReady = 0x024;
inline constexpr std::uint16_t kInvalidKeyTag = 0x025;
inline constexpr std::uint16_t kHostDispersedNsNotEnabled = 0x026;
inline constexpr std::uint16_t kHostIdentifierNotInitialized = 0x027;
inline constexpr std::uint16_t kIncorrectKey = 0x028;
inline constexpr std::uint16_t kFdpDisabled = 0x029;
inline constexpr std::uint16_t kInvalidPlacementHandleList = 0x02a;
// Generic, I/O command set specific (NVM, Key Value).
inline constexpr std::uint16_t kLbaOutOfRange = 0x080;
inline constexpr std::uint16_t kCapacityExceeded = 0x081;
inline constexpr std::uint16_t kNamespaceNotReady = 0x082;
inline constexpr std::uint16_t kReservationConflict = 0x083;
inline constexpr std::uint16_t kFormatInProgress = 0x084;
inline constexpr std::uint16_t kInvalidValueSize = 0x085;
inline constexpr std::uint16_t kInvalidKeySize = 0x086;
inline constexpr std::uint16_t kKvKeyDoesNotExist = 0x087;
inline constexpr std::uint16_t kUnrecoveredError = 0x088;
inline constexpr std::uint16_t kKeyExists = 0x089;

// Command specific status (SCT 1).
inline constexpr std::uint16_t kCompletionQueueInvalid = 0x100;
inline constexpr std::uint16_t kInvalidQueueIdentifier = 0x101;
inline constexpr std::uint16_t kInvalidQueueSize = 0x102;
inline constexpr std::uint16_t kAbortCommandLimitExceeded = 0x103;
inline constexpr std::uint16_t kAsyncEventRequestLimitExceeded = 0x105;
inline constexpr std::uint16_t kInvalidFirmwareSlot = 0x106;
inline constexpr std::uint16_t kInvalidFirmwareImage = 0x107;
inline constexpr std::uint16_t kInvalidInterruptVector = 0x108;
inline constexpr std::uint16_t kInvalidLogPage = 0x109;
inline constexpr std::uint16_t kInvalidFormat = 0x10a;
inline constexpr std::uint16_t kFwActivationRequiresConventionalReset = 0x10b;
inline constexpr std::uint16_t kInvalidQueueDeletion = 0x10c;
inline constexpr std::uint16_t kFeatureIdNotSaveable = 0x10d;
inline constexpr std::uint16_t kFeatureNotChangeable = 0x10e;
inline constexpr std::uint16_t kFeatureNotNamespaceSpecific = 0x10f;
inline constexpr std::uint16_t kFwActivationRequiresSubsystemReset = 0x110;
inline constexpr std::uint16_t kFwActivationRequiresControllerReset = 0x111;
inline constexpr std::uint16_t kFwActivationRequiresMaxTimeViolation = 0x112;
inline constexpr std::uint16_t kFwActivationProhibited = 0x113;
inline constexpr std::uint16_t kOverlappingRange = 0x114;
inline constexpr std::uint16_t kNamespaceInsufficientCapacity = 0x115;
inline constexpr std::uint16_t kNamespaceIdentifierUnavailable = 0x116;
inline constexpr std::uint16_t kNamespaceAlreadyAttached = 0x118;
inline constexpr std::uint16_t kNamespaceIsPrivate = 0x119;
inline constexpr std::uint16_t kNamespaceNotAttached = 0x11a;
inline constexpr std::uint16_t kThinProvisioningNotSupported = 0x11b;
inline constexpr std::uint16_t kControllerListInvalid = 0x11c;
inline constexpr std::uint16_t kSelfTestInProgress = 0x11d;
inline constexpr std::uint16_t kBootPartitionWriteProhibited = 0x11e;
inline constexpr std::uint16_t kInvalidControllerIdentifier = 0x11f;
inline constexpr std::uint16_t kInvalidSecondaryControllerState = 0x120;
inline constexpr std::uint16_t kInvalidControllerResourceCount = 0x121;
inline constexpr std::uint16_t kInvalidResourceIdentifier = 0x122;
inline constexpr std::uint16_t kSanitizeProhibitedWithPmr = 0x123;
inline constexpr std::uint16_t kAnaGroupIdentifierInvalid = 0x124;
inline constexpr std::uint16_t kAnaAttachFailed = 0x125;
inline constexpr std::uint16_t kInsufficientCapacity = 0x126;
inline constexpr std::uint16_t kNamespaceAttachmentLimitExceeded = 0x127;
inline constexpr std::uint16_t kProhibitionNotSupported = 0x128;
inline constexpr std::uint16_t kIoCommandSetNotSupported = 0x129;
inline constexpr std::uint16_t kIoCommandSetNotEnabled = 0x12a;
inline constexpr std::uint16_t kIoCommandSetCombinationRejected = 0x12b;
inline constexpr std::uint16_t kInvalidIoCommandSet = 0x12c;
inline constexpr std::uint16_t kIdentifierUnavailable = 0x12d;
// Command specific, NVM command set.
inline constexpr std::uint16_t kConflictingAttributes = 0x180;
inline constexpr std::uint16_t kInvalidProtectionInformation = 0x181;
inline constexpr std::uint16_t kWriteToReadOnlyRange = 0x182;
inline constexpr std::uint16_t kCommandSizeLimitExceeded = 0x183;
// Command specific, Zoned Namespace command set.
inline constexpr std::uint16_t kZoneBoundaryError = 0x1b8;
inline constexpr std::uint16_t kZoneIsFull = 0x1b9;
inline constexpr std::uint16_t kZoneIsReadOnly = 0x1ba;
inline constexpr std::uint16_t kZoneIsOffline = 0x1bb;
inline constexpr std::uint16_t kZoneInvalidWrite = 0x1bc;
inline constexpr std::uint16_t kTooManyActiveZones = 0x1bd;
inline constexpr std::uint16_t kTooManyOpenZones = 0x1be;
inline constexpr std::uint16_t kInvalidZoneStateTransition = 0x1bf;

// Media and data integrity errors (SCT 2).
inline constexpr std::uint16_t kWriteFault = 0x280;
inline constexpr std::uint16_t kUnrecoveredReadError = 0x281;
inline constexpr std::uint16_t kEndToEndGuardCheckError = 0x282;
inline constexpr std::uint16_t kEndToEndApplicationTagCheckError = 0x283;
inline constexpr std::uint16_t kEndToEndReferenceTagCheckError = 0x284;
inline constexpr std::uint16_t kCompareFailure = 0x285;
inline constexpr std::uint16_t kAccessDenied = 0x286;
inline constexpr std::uint16_t kDeallocatedOrUnwrittenBlock = 0x287;
inline constexpr std::uint16_t kEndToEndStorageTagCheckError = 0x288;

// Path related status (SCT 3).
inline constexpr std::uint16_t kInternalPathError = 0x300;
inline constexpr std::uint16_t kAsymmetricAccessPersistentLoss = 0x301;
inline constexpr std::uint16_t kAsymmetricAccessInaccessible = 0x302;
inline constexpr std::uint16_t kAsymmetricAccessTransition = 0x303;
inline constexpr std::uint16_t kControllerPathingError = 0x360;
inline constexpr std::uint16_t kHostPathingError = 0x370;
inline constexpr std::uint16_t kCommandAbortedByHost = 0x371;
} // namespace status

// Spec name of a status: status_name(0, 1) == "Invalid Command Opcode".
std::string status_name(std::uint8_t sct, std::uint8_t sc);
// Name of a status code type: "Generic Command Status", ...
std::string sct_name(std::uint8_t sct);

// One line for warnings and logs, from a status field as Cqe::status() returns it
// (DW3 bits 31:17, phase excluded).  Errors read "ERROR status: 00/01 Invalid Command
// Opcode" (the prefix PyNVMe3 warns with), followed by ", DNR", ", More" and
// ", CRD n" when set; success reads "SUCCESS status: 00/00 Successful Completion".
std::string status_string(std::uint16_t status_field);

// True unless SCT and SC are both zero.
constexpr bool status_is_error(std::uint16_t status_field) noexcept {
    return (status_field & 0x7ff) != 0;
}

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_STATUS_H
