// SPDX-License-Identifier: BSD-3-Clause
//
// save_crc / load_crc: the check-value map in a file, refused by any other
// namespace.  Layout (little-endian), format version 2:
//
//   0   char[8]  magic "NVMTCRC\n"
//   8   u32      format version (2)
//   12  u32      header bytes (160)
//   16  u32      check value width (1, 2, 4)
//   20  u32      nsid
//   24  u32      LBA data bytes
//   28  u32      metadata bytes
//   32  u64      namespace size (LBAs)
//   40  u64      count of values (the coverage)
//   48  u8[20]   serial number   68 u8[40] model number
//   108 u8[16]   NGUID           124 u8[8] EUI64
//   132 u32      checksum of values and bits (chunk CRC-32Cs chained)
//   136 u8       check algorithm (1 mulfold64x4, 2 crc32c)
//   137 u8[23]   reserved, zero
//   160          count * width bytes of values, then (count + 63) / 64 u64
//                words of "foreign header" bits (copy destinations, appends)
#include "nvmetest/errors.h"
#include "nvmetest/verify.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nvmetest::verify {
namespace {

constexpr char kMagic[8] = {'N', 'V', 'M', 'T', 'C', 'R', 'C', '\n'};
// 2: bit 0 of a check value became the data's bit parity (verify_checksum.h);
// version 1 values would all mismatch, so such files are refused.
constexpr std::uint32_t kVersion = 2;

struct FileHeader {
    char magic[8];
    std::uint32_t version;
    std::uint32_t header_bytes;
    std::uint32_t width;
    std::uint32_t nsid;
    std::uint32_t lba_bytes;
    std::uint32_t meta_bytes;
    std::uint64_t nsze;
    std::uint64_t count;
    std::uint8_t serial[20];
    std::uint8_t model[40];
    std::uint8_t nguid[16];
    std::uint8_t eui64[8];
    std::uint32_t values_crc;
    std::uint8_t algorithm;
    std::uint8_t reserved[23];
};
static_assert(sizeof(FileHeader) == 160);
static_assert(offsetof(FileHeader, nsze) == 32);
static_assert(offsetof(FileHeader, serial) == 48);
static_assert(offsetof(FileHeader, values_crc) == 132);
static_assert(offsetof(FileHeader, algorithm) == 136);

constexpr std::size_t kChunk = 1 << 20;

// The file checksum: CRC-32C per chunk, chained so that order matters.
std::uint32_t chain_crc(std::uint32_t crc, const std::uint8_t* p, std::size_t n) {
    return crc32c({p, n}) ^ (crc * 0x9e3779b1u + (crc >> 7));
}

std::uint32_t chain_crc(std::uint32_t crc, std::span<const std::uint8_t> data) {
    for (std::size_t off = 0; off < data.size(); off += kChunk)
        crc = chain_crc(crc, data.data() + off, std::min(kChunk, data.size() - off));
    return crc;
}

std::string text(const std::uint8_t* p, std::size_t n) {
    std::string s(reinterpret_cast<const char*>(p), n);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
        s.pop_back();
    return s;
}

std::string hexbytes(const std::uint8_t* p, std::size_t n) {
    std::string s;
    char b[4];
    for (std::size_t i = 0; i < n; i++) {
        std::snprintf(b, sizeof(b), "%02x", p[i]);
        s += b;
    }
    return s;
}

NamespaceIdentity identity_of(const FileHeader& h) {
    NamespaceIdentity id;
    id.nsid = h.nsid;
    id.nsze = h.nsze;
    id.lba_bytes = h.lba_bytes;
    id.meta_bytes = h.meta_bytes;
    std::memcpy(id.serial.data(), h.serial, 20);
    std::memcpy(id.model.data(), h.model, 40);
    std::memcpy(id.nguid.data(), h.nguid, 16);
    std::memcpy(id.eui64.data(), h.eui64, 8);
    return id;
}

} // namespace

std::string NamespaceIdentity::differences(const NamespaceIdentity& o) const {
    std::string d;
    auto add = [&](const std::string& what, const std::string& a, const std::string& b) {
        if (a == b)
            return;
        d += (d.empty() ? "" : ", ") + what + " " + a + " (file) vs " + b + " (namespace)";
    };
    add("nsid", std::to_string(nsid), std::to_string(o.nsid));
    add("size", std::to_string(nsze) + " LBAs", std::to_string(o.nsze) + " LBAs");
    add("LBA size", std::to_string(lba_bytes), std::to_string(o.lba_bytes));
    add("metadata size", std::to_string(meta_bytes), std::to_string(o.meta_bytes));
    add("serial", "\"" + text(serial.data(), 20) + "\"", "\"" + text(o.serial.data(), 20) + "\"");
    add("model", "\"" + text(model.data(), 40) + "\"", "\"" + text(o.model.data(), 40) + "\"");
    add("NGUID", hexbytes(nguid.data(), 16), hexbytes(o.nguid.data(), 16));
    add("EUI64", hexbytes(eui64.data(), 8), hexbytes(o.eui64.data(), 8));
    return d;
}

void Verifier::save(const std::string& path) const {
    FileHeader h{};
    std::memcpy(h.magic, kMagic, 8);
    h.version = kVersion;
    h.header_bytes = sizeof(FileHeader);
    h.width = map_.width();
    h.nsid = id_.nsid;
    h.lba_bytes = id_.lba_bytes;
    h.meta_bytes = id_.meta_bytes;
    h.nsze = id_.nsze;
    h.count = map_.count();
    h.algorithm = static_cast<std::uint8_t>(algo_);
    std::memcpy(h.serial, id_.serial.data(), 20);
    std::memcpy(h.model, id_.model.data(), 40);
    std::memcpy(h.nguid, id_.nguid.data(), 16);
    std::memcpy(h.eui64, id_.eui64.data(), 8);
    const auto values = map_.bytes();
    const std::span<const std::uint8_t> bits{foreign_.data(), foreign_.size()};
    h.values_crc = chain_crc(chain_crc(0, values), bits);

    // Written beside the target and renamed over it: a failed save leaves
    // an older file intact.
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f)
            throw UsageError("save_crc: cannot create \"" + tmp + "\": " + std::strerror(errno));
        f.write(reinterpret_cast<const char*>(&h), sizeof(h));
        f.write(reinterpret_cast<const char*>(values.data()),
                static_cast<std::streamsize>(values.size()));
        f.write(reinterpret_cast<const char*>(bits.data()),
                static_cast<std::streamsize>(bits.size()));
        f.flush();
        if (!f) {
            std::remove(tmp.c_str());
            throw UsageError("save_crc: writing \"" + tmp + "\" failed (disk full?)");
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(tmp.c_str());
        throw UsageError("save_crc: cannot rename \"" + tmp + "\" to \"" + path + "\": " + why);
    }
}

void Verifier::load(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw UsageError("load_crc: cannot open \"" + path + "\": " + std::strerror(errno));
    FileHeader h{};
    f.read(reinterpret_cast<char*>(&h), sizeof(h));
    const std::string what = "load_crc(\"" + path + "\"): ";
    if (f.gcount() != sizeof(h) || std::memcmp(h.magic, kMagic, 8) != 0)
        throw UsageError(what + "not a file written by save_crc");
    if (h.version != kVersion || h.header_bytes != sizeof(FileHeader))
        throw UsageError(what + "format version " + std::to_string(h.version) +
                         ", this library reads version " + std::to_string(kVersion));
    if (h.algorithm != static_cast<std::uint8_t>(CheckAlgorithm::MulFold) &&
        h.algorithm != static_cast<std::uint8_t>(CheckAlgorithm::Crc32c))
        throw UsageError(what + "unknown check algorithm " + std::to_string(h.algorithm));
    const std::string diff = identity_of(h).differences(id_);
    if (!diff.empty())
        throw UsageError(what + "the file belongs to another namespace: " + diff +
                         "; nothing was loaded");
    if (h.width != map_.width() || h.count != map_.count())
        throw UsageError(what + "the file holds " + std::to_string(h.count) + " values of " +
                         std::to_string(h.width) + " byte(s), this namespace verifies " +
                         std::to_string(map_.count()) + " LBAs with " +
                         std::to_string(map_.width()) +
                         " byte(s) each (same nlba_verify and width needed); nothing was loaded");
    // Two passes, so that a damaged file changes nothing: check, then copy.
    // The checksum chains chunks of the values, then of the bits, as save().
    std::vector<std::uint8_t> chunk(kChunk);
    std::uint32_t crc = 0;
    for (const std::uint64_t bytes : {h.count * h.width, std::uint64_t{foreign_.size()}})
        for (std::uint64_t off = 0; off < bytes; off += kChunk) {
            const std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, bytes - off));
            f.read(reinterpret_cast<char*>(chunk.data()), static_cast<std::streamsize>(n));
            if (static_cast<std::size_t>(f.gcount()) != n)
                throw UsageError(what + "the file is truncated; nothing was loaded");
            crc = chain_crc(crc, chunk.data(), n);
        }
    if (f.peek() != std::ifstream::traits_type::eof())
        throw UsageError(what + "the file is longer than its header says; nothing was loaded");
    if (crc != h.values_crc)
        throw UsageError(what + "the values are damaged (checksum mismatch); nothing was loaded");
    f.clear();
    f.seekg(sizeof(FileHeader));
    const auto values = map_.bytes();
    f.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size()));
    f.read(reinterpret_cast<char*>(foreign_.data()), static_cast<std::streamsize>(foreign_.size()));
    if (!f)
        throw UsageError(what + "the file changed while it was loaded; the map is undefined: "
                                "load again");
    // Any foreign bit set?  Then the header check consults them.
    bool any = false;
    for (std::size_t i = 0; i < foreign_.size() && !any; i++)
        any = foreign_.data()[i] != 0;
    any_foreign_.store(any, std::memory_order_relaxed);
    algo_ = static_cast<CheckAlgorithm>(h.algorithm);
}

} // namespace nvmetest::verify
