// PE32 / PE32+ (including EFI images) as far as Authenticode needs it: where the checksum field,
// the certificate-table directory entry and the certificate table are, and the image digest that
// excludes them. Bounded: every offset and size read from the file is checked against its length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hex.hpp"

namespace signet::formats {

struct WinCertificate {
  std::uint16_t revision = 0;
  std::uint16_t type = 0;                     // 0x0002 = WIN_CERT_TYPE_PKCS_SIGNED_DATA
  std::span<const std::uint8_t> certificate;  // bCertificate (may carry trailing zero padding)
};

struct PeImage {
  bool pe32_plus = false;
  std::uint16_t machine = 0;
  std::uint16_t subsystem = 0;  // 10..13: EFI application/driver/ROM
  std::size_t checksum_offset = 0;
  bool has_cert_dir = false;        // the optional header has an IMAGE_DIRECTORY_ENTRY_SECURITY
  std::size_t cert_dir_offset = 0;  // that 8-byte entry
  std::size_t cert_table_offset = 0;
  std::size_t cert_table_size = 0;  // 0: no certificate table (unsigned)
  std::vector<WinCertificate> certificates;
};

inline constexpr std::uint16_t kWinCertTypePkcsSignedData = 0x0002;

// True when the bytes start like a PE image ("MZ" and a "PE\0\0" header where e_lfanew points).
[[nodiscard]] bool looks_like_pe(std::span<const std::uint8_t> file);

// Errc::kMalformed with the reason for anything inconsistent: headers out of bounds, an unknown
// optional-header magic, a certificate table that is not inside the file, does not reach its end,
// or holds entries whose lengths overrun it.
[[nodiscard]] Result<PeImage> parse_pe_image(std::span<const std::uint8_t> file);

// The Authenticode image digest with `md_name` ("sha256", "sha1", ...): the file without the
// checksum field, the certificate-table entry and the certificate table, zero-padded to a multiple
// of 8 bytes as the signer saw it. Empty on an unknown digest.
[[nodiscard]] Bytes authenticode_image_digest(std::span<const std::uint8_t> file,
                                              const PeImage& image, const std::string& md_name);

}  // namespace signet::formats
