#include "formats/native_signature.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "crypto/timestamp.hpp"

namespace signet::formats {
namespace {

using crypto::CmsSignerInfo;

constexpr std::array<std::pair<const char*, std::string_view>, 4> kMandatorySignedAttributes{{
    {crypto::kOidContentType, "contentType"},
    {crypto::kOidMessageDigest, "messageDigest"},
    {crypto::kOidSigningTime, "signingTime"},
    {crypto::kOidSigningCertificateV2, "signingCertificateV2"},
}};

crypto::CmsSignOptions cms_options(const NativeSignOptions& options) {
  crypto::CmsSignOptions cms;
  cms.signing_time = options.signing_time;
  cms.crls = options.crls;
  return cms;
}

// Gives every SignerInfo that `wants_token` selects and that has no token yet an RFC 3161 token
// over its signature value. N.B. re-encoding sorts the SignerInfos (DER SET OF), so signers are
// found again by content after each change, never by a remembered index.
template <class Selector>
Result<Bytes> add_timestamps(Bytes der, const NativeSignOptions& options, Selector wants_token) {
  if (options.tsa_key == nullptr) return der;
  for (std::size_t round = 0;; ++round) {
    auto parsed = crypto::cms_parse(der);
    if (!parsed) return std::unexpected(parsed.error());
    const auto& signers = parsed->signers;
    const auto it = std::find_if(signers.begin(), signers.end(), [&](const CmsSignerInfo& s) {
      return s.timestamp_tokens.empty() && wants_token(s);
    });
    if (it == signers.end()) return der;
    if (round > signers.size()) return fail(Errc::kInternal, "timestamp token did not stick");
    crypto::TimestampRequest request;
    request.data = it->signature_value;
    request.gen_time = options.signing_time;
    auto token = crypto::create_timestamp_token(request, *options.tsa_key);
    if (!token) return std::unexpected(token.error());
    const auto index = static_cast<std::size_t>(it - signers.begin());
    auto stamped = crypto::cms_add_timestamp(der, index, *token);
    if (!stamped) return std::unexpected(stamped.error());
    der = std::move(*stamped);
  }
}

// The native profile: ECDSA P-256/P-384 or RSA-PSS >= 3072 bits, SHA-256 or stronger.
std::optional<Reason> algorithm_problem(const CmsSignerInfo& signer) {
  const auto& digest = signer.digest_algorithm;
  if (digest != "sha256" && digest != "sha384" && digest != "sha512") {
    return Reason{
        ReasonCode::kWeakAlgorithm,
        "digest algorithm " + digest + " (the signet profile requires SHA-256 or stronger)"};
  }
  if (signer.signature_algorithm == "ecdsa") {
    if (signer.curve == "prime256v1" || signer.curve == "secp384r1") return std::nullopt;
    return Reason{ReasonCode::kWeakAlgorithm, "ECDSA on curve " +
                                                  (signer.curve.empty() ? "?" : signer.curve) +
                                                  " (the signet profile requires P-256 or P-384)"};
  }
  if (signer.signature_algorithm == "rsa-pss") {
    if (signer.key_bits >= 3072) return std::nullopt;
    return Reason{ReasonCode::kWeakAlgorithm,
                  "RSA-PSS with a " + std::to_string(signer.key_bits) +
                      "-bit key (the signet profile requires 3072 bits or more)"};
  }
  return Reason{ReasonCode::kWeakAlgorithm,
                "signature algorithm " + signer.signature_algorithm +
                    (signer.key_bits > 0 ? " with a " + std::to_string(signer.key_bits) + "-bit key"
                                         : std::string()) +
                    " (the signet profile requires ECDSA P-256/P-384 or RSA-PSS >= 3072)"};
}

SignerEvidence to_evidence(const CmsSignerInfo& signer) {
  SignerEvidence evidence;
  evidence.certificate = signer.certificate;
  evidence.digest_algorithm = signer.digest_algorithm;
  evidence.signature_algorithm = signer.signature_algorithm;
  evidence.key_bits = signer.key_bits;
  evidence.curve = signer.curve;
  evidence.signing_time = signer.signing_time;
  for (const auto& token : signer.timestamp_tokens) {
    evidence.timestamps.push_back(TimestampEvidence{
        .token = token, .covered_data = signer.signature_value, .countersignature = {}});
  }
  if (!signer.signature_valid) {
    evidence.problems.push_back(Reason{ReasonCode::kBadSignature, signer.signature_error});
  }
  if (signer.signed_attribute_oids.empty()) {
    evidence.problems.push_back(
        Reason{ReasonCode::kMissingSignedAttributes, "signer has no signed attributes"});
  } else {
    std::string missing;
    for (const auto& [oid, name] : kMandatorySignedAttributes) {
      const auto& oids = signer.signed_attribute_oids;
      if (std::find(oids.begin(), oids.end(), oid) == oids.end()) {
        missing += missing.empty() ? "" : ", ";
        missing += name;
      }
    }
    if (!missing.empty()) {
      evidence.problems.push_back(
          Reason{ReasonCode::kMissingSignedAttributes, "missing signed attributes: " + missing});
    }
  }
  if (auto problem = algorithm_problem(signer)) evidence.problems.push_back(std::move(*problem));
  return evidence;
}

}  // namespace

Result<Bytes> sign_statement(const Statement& statement,
                             std::span<const crypto::SigningKey* const> keys,
                             const NativeSignOptions& options) {
  if (keys.empty()) return fail(Errc::kUsage, "at least one signing key is needed");
  const std::string content = serialize_statement(statement);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(content.data());
  auto der = crypto::cms_sign({bytes, content.size()}, keys, cms_options(options));
  if (!der) return std::unexpected(der.error());
  return add_timestamps(std::move(*der), options, [](const CmsSignerInfo&) { return true; });
}

Result<Bytes> cosign(std::span<const std::uint8_t> signature_der, const crypto::SigningKey& key,
                     const NativeSignOptions& options) {
  // Refuse to extend something that is not a well-formed native signature.
  auto existing = parse_native_signature(signature_der);
  if (!existing) return std::unexpected(existing.error());
  auto der = crypto::cms_add_signer(signature_der, key, cms_options(options));
  if (!der) return std::unexpected(der.error());
  return add_timestamps(std::move(*der), options, [&key](const CmsSignerInfo& s) {
    return s.certificate && *s.certificate == key.certificate();
  });
}

Result<SignatureEvidence> parse_native_signature(std::span<const std::uint8_t> der) {
  auto cms = crypto::cms_parse(der);
  if (!cms) return std::unexpected(cms.error());
  if (cms->detached || cms->content.empty()) {
    return fail(Errc::kMalformed, "signature carries no Statement (detached CMS)");
  }
  if (cms->content_type_oid != crypto::kOidData) {
    return fail(Errc::kMalformed,
                "eContentType is " + cms->content_type_oid + ", expected id-data");
  }
  const std::string_view text(reinterpret_cast<const char*>(cms->content.data()),
                              cms->content.size());
  auto statement = parse_statement(text);
  if (!statement) return std::unexpected(statement.error());

  SignatureEvidence evidence;
  evidence.format = "signet";
  evidence.statement = std::move(*statement);
  evidence.certificates = std::move(cms->certificates);
  evidence.crls = std::move(cms->crls);
  for (const auto& signer : cms->signers) evidence.signers.push_back(to_evidence(signer));
  return evidence;
}

}  // namespace signet::formats
