// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/identify_ns.h"

#include "nvmetest/errors.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace nvmetest::nvme {

IdentifyNamespace IdentifyNamespace::from_bytes(std::span<const std::uint8_t> data) {
    if (data.size() < sizeof(IdentifyNamespace))
        throw UsageError("identify namespace data needs 4096 bytes, got " +
                         std::to_string(data.size()) + ": pass the whole buffer");
    IdentifyNamespace id;
    std::memcpy(&id, data.data(), sizeof(id));
    return id;
}

std::optional<unsigned> IdentifyNamespace::find_lba_format(std::uint32_t data_size,
                                                           std::uint16_t meta_size) const noexcept {
    // NLBAF never exceeds 63, but a broken device could report more.
    const unsigned n = std::min<unsigned>(lba_format_count(), 64);
    for (unsigned i = 0; i < n; ++i)
        if (lbaf[i].data_size() == data_size && lbaf[i].ms == meta_size)
            return i;
    return std::nullopt;
}

} // namespace nvmetest::nvme
