// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/opcodes.h"

namespace nvmetest::nvme {

std::string_view admin_opcode_name(std::uint8_t op) {
    switch (op) {
    case admin::kDeleteIoSq:
        return "Delete I/O Submission Queue";
    case admin::kCreateIoSq:
        return "Create I/O Submission Queue";
    case admin::kGetLogPage:
        return "Get Log Page";
    case admin::kDeleteIoCq:
        return "Delete I/O Completion Queue";
    case admin::kCreateIoCq:
        return "Create I/O Completion Queue";
    case admin::kIdentify:
        return "Identify";
    case admin::kAbort:
        return "Abort";
    case admin::kSetFeatures:
        return "Set Features";
    case admin::kGetFeatures:
        return "Get Features";
    case admin::kAsyncEventRequest:
        return "Asynchronous Event Request";
    case admin::kNamespaceManagement:
        return "Namespace Management";
    case admin::kFirmwareCommit:
        return "Firmware Commit";
    case admin::kFirmwareImageDownload:
        return "Firmware Image Download";
    case admin::kDeviceSelfTest:
        return "Device Self-test";
    case admin::kNamespaceAttachment:
        return "Namespace Attachment";
    case admin::kKeepAlive:
        return "Keep Alive";
    case admin::kDirectiveSend:
        return "Directive Send";
    case admin::kDirectiveReceive:
        return "Directive Receive";
    case admin::kVirtualizationManagement:
        return "Virtualization Management";
    case admin::kNvmeMiSend:
        return "NVMe-MI Send";
    case admin::kNvmeMiReceive:
        return "NVMe-MI Receive";
    case admin::kCapacityManagement:
        return "Capacity Management";
    case admin::kLockdown:
        return "Lockdown";
    case admin::kDoorbellBufferConfig:
        return "Doorbell Buffer Config";
    case admin::kFabrics:
        return "Fabrics Commands";
    case admin::kFormatNvm:
        return "Format NVM";
    case admin::kSecuritySend:
        return "Security Send";
    case admin::kSecurityReceive:
        return "Security Receive";
    case admin::kSanitize:
        return "Sanitize";
    case admin::kGetLbaStatus:
        return "Get LBA Status";
    default:
        break;
    }
    // Admin opcodes C0h-FFh are vendor specific.
    return op >= 0xc0 ? "Vendor Specific" : "Reserved";
}

std::string_view io_opcode_name(std::uint8_t op) {
    switch (op) {
    case io::kFlush:
        return "Flush";
    case io::kWrite:
        return "Write";
    case io::kRead:
        return "Read";
    case io::kWriteUncorrectable:
        return "Write Uncorrectable";
    case io::kCompare:
        return "Compare";
    case io::kWriteZeroes:
        return "Write Zeroes";
    case io::kDatasetManagement:
        return "Dataset Management";
    case io::kVerify:
        return "Verify";
    case io::kReservationRegister:
        return "Reservation Register";
    case io::kReservationReport:
        return "Reservation Report";
    case io::kReservationAcquire:
        return "Reservation Acquire";
    case io::kReservationRelease:
        return "Reservation Release";
    case io::kCopy:
        return "Copy";
    case io::kZoneManagementSend:
        return "Zone Management Send";
    case io::kZoneManagementReceive:
        return "Zone Management Receive";
    case io::kZoneAppend:
        return "Zone Append";
    default:
        break;
    }
    // I/O opcodes 80h-FFh are vendor specific.
    return op >= 0x80 ? "Vendor Specific" : "Reserved";
}

} // namespace nvmetest::nvme
