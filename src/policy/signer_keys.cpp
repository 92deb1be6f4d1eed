#include "policy/signer_keys.hpp"

#include <openssl/x509v3.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "core/raw_public_key.hpp"
#include "crypto/asn1_util.hpp"
#include "crypto/digest.hpp"
#include "crypto/x509_verify.hpp"

namespace signet::policy::signer_keys {
namespace {

constexpr std::string_view kTimeStampingOid = "1.3.6.1.5.5.7.3.8";

std::string kind_name(formats::KeyReference::Kind kind) {
  return kind == formats::KeyReference::Kind::kMinisign ? "minisign" : "signify";
}

bool names(const formats::KeyReference& ref, const crypto::Certificate& cert) {
  if (!ref.subject_key_id.empty()) {
    const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert.get());
    return ski != nullptr && crypto::asn1_string_bytes(ski) == ref.subject_key_id;
  }
  return !ref.serial_hex.empty() && cert.serial_hex() == ref.serial_hex &&
         cert.issuer() == ref.issuer;
}

bool weak_digest(const std::string& digest) {
  return digest != "sha256" && digest != "sha384" && digest != "sha512";
}

}  // namespace

std::string reference_text(const formats::KeyReference& ref) {
  if (ref.kind != formats::KeyReference::Kind::kX509) {
    return kind_name(ref.kind) + " key " + key_id_text(ref.key_id);
  }
  if (!ref.subject_key_id.empty()) return "subject key identifier " + to_hex(ref.subject_key_id);
  return "issuer '" + ref.issuer + "' serial " + ref.serial_hex;
}

std::expected<crypto::Certificate, Reason> resolve_certificate(
    const TrustStore& store, const formats::KeyReference& ref,
    const formats::SignatureEvidence& evidence) {
  std::vector<const crypto::Certificate*> candidates;
  for (const auto& cert : evidence.certificates) {
    if (names(ref, cert)) candidates.push_back(&cert);
  }
  for (const auto& cert : store.anchors.anchors()) {
    if (names(ref, cert)) candidates.push_back(&cert);
  }
  const std::string who = "signer " + reference_text(ref);
  if (candidates.empty()) {
    return std::unexpected(Reason{
        ReasonCode::kUntrustedChain,
        who + ": no such certificate in the signature or in trust_store '" + store.name + "'"});
  }
  std::string why;
  for (const auto* cert : candidates) {
    if (!ref.check_certificate) break;
    auto checked = ref.check_certificate(*cert);
    if (checked) return *cert;
    why = checked.error().message;
  }
  return std::unexpected(
      Reason{ReasonCode::kBadSignature, who + ": the signature does not verify with certificate '" +
                                            candidates.front()->subject() + "': " + why});
}

std::expected<std::optional<TimePoint>, Reason> countersignature_time(
    const formats::Countersignature& countersignature, const TrustStore& store,
    const formats::SignatureEvidence& evidence, const std::string& which) {
  if (weak_digest(countersignature.digest_algorithm)) return std::nullopt;
  auto invalid = [&](const std::string& why) {
    return std::unexpected(Reason{ReasonCode::kTimestampInvalid, which + ": " + why});
  };
  if (!countersignature.valid) return invalid(countersignature.error);
  if (!countersignature.signer || !countersignature.signing_time) {
    return invalid("countersigner or signingTime missing");
  }
  const auto& cert = *countersignature.signer;
  crypto::ChainOptions options;
  options.at = *countersignature.signing_time;
  options.strict = evidence.strict_chain;
  const auto chain =
      crypto::verify_chain(cert, evidence.certificates, store.tsa_anchors, evidence.crls, options);
  if (!chain.ok) {
    return invalid("countersigner '" + cert.subject() +
                   "' does not chain to the TSA anchors of "
                   "trust_store '" +
                   store.name + "': " + chain.detail);
  }
  const auto ekus = cert.extended_key_usages();
  if (!ekus || std::find(ekus->begin(), ekus->end(), kTimeStampingOid) == ekus->end()) {
    return invalid("countersigner '" + cert.subject() + "' lacks the timeStamping EKU");
  }
  return countersignature.signing_time;
}

void judge_key_signer(const Policy& policy, const Rule& rule, const formats::SignerEvidence& signer,
                      SignerOutcome& out) {
  const auto& ref = *signer.key_reference;
  const bool minisign = ref.kind == formats::KeyReference::Kind::kMinisign;
  const auto kind = minisign ? PublisherKey::Kind::kMinisign : PublisherKey::Kind::kSignify;
  std::optional<Reason> first_failure;
  for (const auto& name : rule.publishers) {
    const Publisher* publisher = policy.find_publisher(name);
    if (publisher == nullptr || !publisher->key || publisher->key->kind != kind) continue;
    if (publisher->key->key_id != ref.key_id) {
      if (!first_failure) {
        first_failure = Reason{ReasonCode::kUntrustedPublisher,
                               "signed by " + reference_text(ref) + ", publisher '" + name +
                                   "' has key " + key_id_text(publisher->key->key_id)};
      }
      continue;
    }
    auto checked = ref.check_raw_key ? ref.check_raw_key(publisher->key->public_key)
                                     : Result<void>(fail(Errc::kInternal, "nothing to check"));
    if (!checked) {
      out.reasons.push_back(
          Reason{ReasonCode::kBadSignature,
                 reference_text(ref) + " (publisher '" + name + "'): " + checked.error().message});
      return;
    }
    if (rule.require_timestamp) {
      out.reasons.push_back(Reason{ReasonCode::kTimestampRequired,
                                   reference_text(ref) + " is trusted as publisher '" + name +
                                       "', but " + kind_name(ref.kind) +
                                       " signatures carry no timestamp, which the rule requires"});
      return;
    }
    out.trusted = true;
    out.publisher = name;
    out.fingerprint_sha256 =
        to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, publisher->key->public_key));
    return;
  }
  out.reasons.push_back(first_failure.value_or(
      Reason{ReasonCode::kUntrustedPublisher, "signed by " + reference_text(ref) + ", and rule '" +
                                                  rule.id + "' names no publisher with a " +
                                                  kind_name(ref.kind) + " key"}));
}

}  // namespace signet::policy::signer_keys
