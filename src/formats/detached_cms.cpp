#include "formats/detached_cms.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/base64.hpp"
#include "crypto/cms_signed_data.hpp"
#include "formats/third_party_profile.hpp"

namespace signet::formats {
namespace {

constexpr std::array<std::string_view, 3> kPemLabels{"PKCS7", "CMS", "PKCS #7 SIGNED DATA"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<Bytes> cms_der_from_der_or_pem(std::span<const std::uint8_t> signature) {
  const std::string_view text(reinterpret_cast<const char*>(signature.data()), signature.size());
  const std::string_view body = trim(text);
  if (!body.starts_with("-----BEGIN ")) return Bytes(signature.begin(), signature.end());
  for (const auto label : kPemLabels) {
    const std::string begin = "-----BEGIN " + std::string(label) + "-----";
    const std::string end = "-----END " + std::string(label) + "-----";
    if (!body.starts_with(begin) || !body.ends_with(end) ||
        body.size() < begin.size() + end.size()) {
      continue;
    }
    const auto inner = body.substr(begin.size(), body.size() - begin.size() - end.size());
    if (inner.find('-') != std::string_view::npos) {
      return fail(Errc::kMalformed, "PEM signature holds more than one block");
    }
    auto der = base64_decode_lines(inner);
    if (!der || der->empty()) return fail(Errc::kMalformed, "PEM signature: invalid base64");
    return std::move(*der);
  }
  return fail(Errc::kMalformed, "PEM signature is not a PKCS7 or CMS block");
}

Result<SignatureEvidence> parse_detached_cms(std::span<const std::uint8_t> signature,
                                             std::span<const std::uint8_t> content,
                                             const ArtifactName& name) {
  auto der = cms_der_from_der_or_pem(signature);
  if (!der) return std::unexpected(der.error());
  auto cms = crypto::cms_parse(*der, content);
  if (!cms) return std::unexpected(cms.error());
  if (!cms->detached) {
    return fail(Errc::kMalformed,
                "the SignedData carries its own content: not a detached signature");
  }
  SignatureEvidence evidence;
  evidence.format = "cms-detached";
  CmsSource source;
  if (std::any_of(cms->signers.begin(), cms->signers.end(),
                  [](const auto& s) { return !s.certificate; })) {
    source.der = std::make_shared<const Bytes>(std::move(*der));
    source.detached_content = std::make_shared<const Bytes>(content.begin(), content.end());
  }
  for (std::size_t i = 0; i < cms->signers.size(); ++i) {
    evidence.signers.push_back(third_party_cms_signer(cms->signers[i], i, source));
  }
  evidence.covered.push_back(cms_covered_artifact(*cms, name.of(content)));
  evidence.details.emplace_back("content type", cms->content_type_oid);
  evidence.certificates = std::move(cms->certificates);
  evidence.crls = std::move(cms->crls);
  return evidence;
}

}  // namespace signet::formats
