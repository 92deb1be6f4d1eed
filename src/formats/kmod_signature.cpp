#include "formats/kmod_signature.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "crypto/cms_signed_data.hpp"
#include "formats/third_party_profile.hpp"

namespace signet::formats {
namespace {

constexpr std::string_view kMarker = "~Module signature appended~\n";
constexpr std::size_t kHeaderSize = 12;  // struct module_signature
constexpr std::uint8_t kIdTypePkcs7 = 2;

}  // namespace

bool has_module_signature(std::span<const std::uint8_t> file) {
  return file.size() >= kMarker.size() &&
         std::equal(kMarker.begin(), kMarker.end(), file.end() - static_cast<long>(kMarker.size()));
}

Result<SignatureEvidence> parse_kmod_signature(std::span<const std::uint8_t> file,
                                               const ArtifactName& name) {
  SignatureEvidence evidence;
  evidence.format = "kmod";
  if (!has_module_signature(file)) {
    evidence.covered.push_back(CoveredArtifact{name.of(file), false, "module is not signed"});
    return evidence;
  }
  const std::size_t trailer = kMarker.size() + kHeaderSize;
  if (file.size() < trailer) {
    return fail(Errc::kMalformed, "module signature marker without room for its header");
  }
  const auto header = file.subspan(file.size() - trailer, kHeaderSize);
  // algo, hash, id_type, signer_len, key_id_len, pad[3], sig_len (big-endian)
  const std::size_t sig_len = (static_cast<std::size_t>(header[8]) << 24) |
                              (static_cast<std::size_t>(header[9]) << 16) |
                              (static_cast<std::size_t>(header[10]) << 8) | header[11];
  if (header[2] != kIdTypePkcs7) {
    return fail(Errc::kMalformed, "module signature id_type " + std::to_string(header[2]) +
                                      " (only PKCS#7, id_type 2, is used by Linux)");
  }
  if (header[0] != 0 || header[1] != 0 || header[3] != 0 || header[4] != 0) {
    return fail(Errc::kMalformed,
                "module signature header: algo, hash, signer_len and key_id_len "
                "must be 0 for PKCS#7");
  }
  if (sig_len == 0 || sig_len > file.size() - trailer) {
    return fail(Errc::kMalformed, "module signature claims " + std::to_string(sig_len) +
                                      " bytes, " + std::to_string(file.size() - trailer) +
                                      " precede the header");
  }
  const std::size_t content_size = file.size() - trailer - sig_len;
  const auto content = file.first(content_size);
  const auto signature = file.subspan(content_size, sig_len);
  auto cms = crypto::cms_parse(signature, content);
  if (!cms) return std::unexpected(cms.error());
  if (!cms->detached) return fail(Errc::kMalformed, "module SignedData is not detached");

  const bool needs_source = std::any_of(cms->signers.begin(), cms->signers.end(),
                                        [](const auto& s) { return !s.certificate; });
  CmsSource source;
  if (needs_source) {
    source.der = std::make_shared<const Bytes>(signature.begin(), signature.end());
    source.detached_content = std::make_shared<const Bytes>(content.begin(), content.end());
  }
  for (std::size_t i = 0; i < cms->signers.size(); ++i) {
    evidence.signers.push_back(third_party_cms_signer(cms->signers[i], i, source));
  }
  // The artifact is the whole .ko, signature included.
  CoveredArtifact covered = cms_covered_artifact(*cms, name.of(file));
  if (covered.content_verified) {
    covered.detail = "the PKCS#7 signature covers the first " + std::to_string(content_size) +
                     " bytes (everything before the signature)";
  }
  evidence.covered.push_back(std::move(covered));
  evidence.details.emplace_back("signed bytes", std::to_string(content_size));
  evidence.details.emplace_back("signature bytes", std::to_string(sig_len));
  evidence.certificates = std::move(cms->certificates);
  evidence.crls = std::move(cms->crls);
  return evidence;
}

}  // namespace signet::formats
