#include "formats/pe_image.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>

#include "core/mapped_file.hpp"

namespace signet::formats {
namespace {

constexpr std::size_t kDosHeaderSize = 64;
constexpr std::size_t kCoffHeaderSize = 20;
constexpr std::uint16_t kMagicPe32 = 0x10b;
constexpr std::uint16_t kMagicPe32Plus = 0x20b;
constexpr std::size_t kSecurityDirectory = 4;
constexpr std::size_t kMaxCertificates = 64;

std::uint16_t u16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
std::uint32_t u32(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16) |
         (static_cast<std::uint32_t>(b[at + 3]) << 24);
}

// Offset of the "PE\0\0" signature, or 0 when there is none inside the file.
std::size_t pe_header_offset(std::span<const std::uint8_t> file) {
  if (file.size() < kDosHeaderSize || file[0] != 'M' || file[1] != 'Z') return 0;
  const std::size_t at = u32(file, 0x3c);
  if (at < kDosHeaderSize || at > file.size() || file.size() - at < 4 + kCoffHeaderSize) return 0;
  if (file[at] != 'P' || file[at + 1] != 'E' || file[at + 2] != 0 || file[at + 3] != 0) return 0;
  return at;
}

Result<void> read_certificates(std::span<const std::uint8_t> file, PeImage& image) {
  const std::span<const std::uint8_t> table =
      file.subspan(image.cert_table_offset, image.cert_table_size);
  std::size_t at = 0;
  while (at < table.size()) {
    if (image.certificates.size() == kMaxCertificates) {
      return fail(Errc::kMalformed, "more than 64 WIN_CERTIFICATE entries");
    }
    if (table.size() - at < 8) {
      return fail(Errc::kMalformed,
                  "WIN_CERTIFICATE header truncated at table offset " + std::to_string(at));
    }
    const std::size_t length = u32(table, at);
    if (length < 8 || length > table.size() - at) {
      return fail(Errc::kMalformed, "WIN_CERTIFICATE " +
                                        std::to_string(image.certificates.size() + 1) + " claims " +
                                        std::to_string(length) + " bytes, " +
                                        std::to_string(table.size() - at) + " remain in the table");
    }
    image.certificates.push_back(
        WinCertificate{u16(table, at + 4), u16(table, at + 6), table.subspan(at + 8, length - 8)});
    const std::size_t next = at + ((length + 7) & ~std::size_t{7});
    if (next > table.size()) break;  // the last entry's padding may be cut at the table's end
    at = next;
  }
  return {};
}

class DigestRanges {
 public:
  explicit DigestRanges(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    ok_ = ctx_ && md != nullptr && EVP_DigestInit_ex(ctx_.get(), md, nullptr) == 1;
  }
  void add(std::span<const std::uint8_t> data) {  // for_each_chunk: the image is usually mapped
    if (ok_ && !data.empty()) {
      ok_ = for_each_chunk(data, [this](std::span<const std::uint8_t> chunk) {
        return EVP_DigestUpdate(ctx_.get(), chunk.data(), chunk.size()) == 1;
      });
    }
  }
  Bytes finish() {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1) return {};
    out.resize(len);
    return out;
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
  bool ok_ = false;
};

}  // namespace

bool looks_like_pe(std::span<const std::uint8_t> file) { return pe_header_offset(file) != 0; }

Result<PeImage> parse_pe_image(std::span<const std::uint8_t> file) {
  const std::size_t pe = pe_header_offset(file);
  if (pe == 0) return fail(Errc::kMalformed, "not a PE image (no MZ/PE headers in bounds)");
  PeImage image;
  const std::size_t coff = pe + 4;
  image.machine = u16(file, coff);
  const std::size_t optional_size = u16(file, coff + 16);
  const std::size_t opt = coff + kCoffHeaderSize;
  if (optional_size > file.size() - opt) {
    return fail(Errc::kMalformed, "optional header (" + std::to_string(optional_size) +
                                      " bytes) runs past the end of the file");
  }
  if (optional_size < 2) return fail(Errc::kMalformed, "no optional header");
  const std::uint16_t magic = u16(file, opt);
  if (magic != kMagicPe32 && magic != kMagicPe32Plus) {
    return fail(Errc::kMalformed,
                "unknown optional header magic 0x" + to_hex(file.subspan(opt, 2)));
  }
  image.pe32_plus = magic == kMagicPe32Plus;
  const std::size_t count_at = opt + (image.pe32_plus ? 108 : 92);
  const std::size_t dirs_at = opt + (image.pe32_plus ? 112 : 96);
  if (optional_size < dirs_at - opt) {
    return fail(Errc::kMalformed, "optional header too short for its data directories");
  }
  image.subsystem = u16(file, opt + 68);
  image.checksum_offset = opt + 64;
  const std::size_t directories = u32(file, count_at);
  const std::size_t dirs_fit = (optional_size - (dirs_at - opt)) / 8;
  if (directories > dirs_fit) {
    return fail(Errc::kMalformed, "optional header claims " + std::to_string(directories) +
                                      " data directories, room for " + std::to_string(dirs_fit));
  }
  if (directories <= kSecurityDirectory) {
    return image;  // no certificate-table entry: only the checksum is excluded; unsigned
  }
  image.has_cert_dir = true;
  image.cert_dir_offset = dirs_at + kSecurityDirectory * 8;
  const std::size_t table_offset = u32(file, image.cert_dir_offset);
  const std::size_t table_size = u32(file, image.cert_dir_offset + 4);
  if (table_size == 0) return image;
  if (table_offset < opt + optional_size || table_offset > file.size() ||
      table_size > file.size() - table_offset) {
    return fail(Errc::kMalformed, "certificate table at " + std::to_string(table_offset) + " (" +
                                      std::to_string(table_size) + " bytes) is not inside the " +
                                      std::to_string(file.size()) + "-byte file");
  }
  if (table_offset + table_size != file.size()) {
    return fail(Errc::kMalformed,
                std::to_string(file.size() - table_offset - table_size) +
                    " bytes follow the certificate table: they would not be covered by the "
                    "signature");
  }
  image.cert_table_offset = table_offset;
  image.cert_table_size = table_size;
  if (auto read = read_certificates(file, image); !read) return std::unexpected(read.error());
  return image;
}

Bytes authenticode_image_digest(std::span<const std::uint8_t> file, const PeImage& image,
                                const std::string& md_name) {
  const EVP_MD* md = EVP_get_digestbyname(md_name.c_str());
  if (md == nullptr) return {};
  DigestRanges digest(md);
  const std::size_t end = image.cert_table_size != 0 ? image.cert_table_offset : file.size();
  const std::size_t after_checksum = image.checksum_offset + 4;
  digest.add(file.subspan(0, image.checksum_offset));
  if (image.has_cert_dir) {
    digest.add(file.subspan(after_checksum, image.cert_dir_offset - after_checksum));
    digest.add(file.subspan(image.cert_dir_offset + 8, end - image.cert_dir_offset - 8));
  } else {
    digest.add(file.subspan(after_checksum, end - after_checksum));
  }
  static constexpr std::array<std::uint8_t, 8> kZeros{};
  if (end % 8 != 0) digest.add(std::span<const std::uint8_t>(kZeros).first(8 - end % 8));
  return digest.finish();
}

}  // namespace signet::formats
