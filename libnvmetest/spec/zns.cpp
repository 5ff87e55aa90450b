// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/zns.h"

namespace nvmetest::nvme {

std::string_view zone_state_name(std::uint8_t state) noexcept {
    switch (state) {
    case zone_state::kEmpty:
        return "Empty";
    case zone_state::kImplicitlyOpened:
        return "Implicitly Opened";
    case zone_state::kExplicitlyOpened:
        return "Explicitly Opened";
    case zone_state::kClosed:
        return "Closed";
    case zone_state::kReadOnly:
        return "Read Only";
    case zone_state::kFull:
        return "Full";
    case zone_state::kOffline:
        return "Offline";
    default:
        return "Reserved";
    }
}

} // namespace nvmetest::nvme
