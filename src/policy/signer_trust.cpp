// One signer against the publishers of a rule: timestamps, chain at the right time, EKU, subject.
// Pure: the chain is validated in memory against the anchors the Policy holds, at a time that
// comes from a verified timestamp or from the caller, never from the clock.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"
#include "crypto/timestamp.hpp"
#include "crypto/x509_verify.hpp"
#include "policy/evaluate.hpp"
#include "policy/signer_keys.hpp"

namespace signet::policy {
namespace {

// A TSA clock may run slightly ahead of the verifying host's.
constexpr std::chrono::seconds kClockSkew{300};

// How far a publisher got with a signer; when none accepts it, the furthest failure is reported.
enum class Stage { kChain = 0, kEku = 1, kSubject = 2, kTimestampRequired = 3, kTrusted = 4 };

struct PublisherVerdict {
  Stage stage = Stage::kChain;
  std::optional<Reason> reason;  // empty when trusted
  std::optional<TimePoint> timestamp;
  std::optional<TimePoint> validated_at;
};

// What a trust store says about the signer's timestamps and chain; shared by every publisher of
// the same store, so it is computed once per store.
struct StoreVerdict {
  const TrustStore* store = nullptr;
  std::optional<crypto::Certificate> certificate;  // embedded, or found in the store by reference
  std::optional<Reason> failure;  // TIMESTAMP_INVALID, CERT_EXPIRED or the chain's reason
  std::optional<TimePoint> timestamp;
  TimePoint validated_at{};
};

std::string eku_list(const std::vector<std::string>& oids) {
  std::string out = "[";
  for (std::size_t i = 0; i < oids.size(); ++i) {
    out += (i == 0 ? "" : ", ") + crypto::eku_display_name(oids[i]);
  }
  return out + "]";
}

StoreVerdict judge_in_store(const TrustStore& store, const formats::SignerEvidence& signer,
                            const formats::SignatureEvidence& evidence, TimePoint now) {
  StoreVerdict out;
  out.store = &store;
  out.validated_at = now;
  if (signer.certificate) {
    out.certificate = signer.certificate;
  } else {
    auto found = signer_keys::resolve_certificate(store, *signer.key_reference, evidence);
    if (!found) {
      out.failure = std::move(found.error());
      return out;
    }
    out.certificate = std::move(*found);
  }
  const crypto::Certificate& cert = *out.certificate;
  const std::string who = "signer " + single_quoted(cert.subject());
  const bool check_validity = store.verify_time != VerifyTime::kIgnoreExpiry;
  for (std::size_t i = 0; i < signer.timestamps.size(); ++i) {
    const auto& ts = signer.timestamps[i];
    const std::string which = who + ": timestamp " + std::to_string(i + 1);
    TimePoint gen_time{};
    if (ts.countersignature) {
      auto time = signer_keys::countersignature_time(*ts.countersignature, store, evidence, which);
      if (!time) {
        out.failure = std::move(time.error());
        return out;
      }
      if (!*time) continue;  // too weak to vouch for a time; not a forgery either
      gen_time = **time;
    } else {
      auto info = crypto::verify_timestamp_token(ts.token, ts.covered_data, store.tsa_anchors);
      if (!info) {
        out.failure = Reason{ReasonCode::kTimestampInvalid,
                             which + " does not verify against trust_store " +
                                 single_quoted(store.name) + ": " + info.error().message};
        return out;
      }
      gen_time = info->gen_time;
    }
    if (gen_time > now + kClockSkew) {  // signed after the verification time: not believable
      out.failure = Reason{ReasonCode::kTimestampInvalid,
                           which + " is dated " + format_rfc3339(gen_time) +
                               ", after the verification time " + format_rfc3339(now)};
      return out;
    }
    if (check_validity && (gen_time < cert.not_before() || gen_time > cert.not_after())) {
      out.failure = Reason{
          ReasonCode::kCertExpired,
          which + " (" + format_rfc3339(gen_time) + ") lies outside the certificate's validity " +
              format_rfc3339(cert.not_before()) + " .. " + format_rfc3339(cert.not_after())};
      return out;
    }
    if (!out.timestamp) out.timestamp = gen_time;
  }

  crypto::ChainOptions options;
  options.at = now;
  if (store.verify_time == VerifyTime::kTimestamp && out.timestamp) options.at = *out.timestamp;
  options.allow_partial_chain = store.allow_partial_chain;
  options.require_crls = store.require_crls;
  options.ignore_expiry = store.verify_time == VerifyTime::kIgnoreExpiry;
  options.strict = evidence.strict_chain;
  out.validated_at = options.at;
  const auto chain =
      crypto::verify_chain(cert, evidence.certificates, store.anchors, evidence.crls, options);
  if (!chain.ok) {
    out.failure = Reason{chain.code, who + " in trust_store " + single_quoted(store.name) + " at " +
                                         format_rfc3339(options.at) + ": " + chain.detail};
  }
  return out;
}

PublisherVerdict judge_as_publisher(const Publisher& publisher, const StoreVerdict& in_store,
                                    const crypto::Certificate& cert, bool require_timestamp) {
  PublisherVerdict out;
  out.timestamp = in_store.timestamp;
  out.validated_at = in_store.validated_at;
  if (in_store.failure) {
    out.reason = in_store.failure;
    return out;
  }
  const std::string who = "signer " + single_quoted(cert.subject());
  const auto ekus = cert.extended_key_usages();
  if (publisher.eku_oids.empty()) {
    if (ekus) {
      out.stage = Stage::kEku;
      out.reason =
          Reason{ReasonCode::kWrongEku, who + " has EKU " + eku_list(*ekus) + ", publisher " +
                                            single_quoted(publisher.name) +
                                            " requires a certificate without EKU"};
      return out;
    }
  } else {
    const bool has_one = ekus && std::any_of(ekus->begin(), ekus->end(), [&](const auto& oid) {
                           return std::find(publisher.eku_oids.begin(), publisher.eku_oids.end(),
                                            oid) != publisher.eku_oids.end();
                         });
    if (!has_one) {
      out.stage = Stage::kEku;
      out.reason = Reason{ReasonCode::kWrongEku,
                          who + (ekus ? " has EKU " + eku_list(*ekus) : " has no EKU extension") +
                              ", publisher " + single_quoted(publisher.name) + " requires " +
                              eku_list(publisher.eku_oids)};
      return out;
    }
  }
  if (!publisher.subject || !publisher.subject->matches(cert.subject_attributes())) {
    out.stage = Stage::kSubject;
    out.reason = Reason{
        ReasonCode::kUntrustedPublisher,
        "subject " + single_quoted(cert.subject()) + " does not match publisher " +
            single_quoted(publisher.name) + " (pattern " +
            single_quoted(publisher.subject ? publisher.subject->text() : std::string()) + ")"};
    return out;
  }
  if (require_timestamp && !in_store.timestamp) {
    out.stage = Stage::kTimestampRequired;
    out.reason = Reason{ReasonCode::kTimestampRequired,
                        who + " is trusted as publisher " + single_quoted(publisher.name) +
                            " but carries no valid timestamp, which the rule requires"};
    return out;
  }
  out.stage = Stage::kTrusted;
  return out;
}

SignerOutcome identity(const formats::SignerEvidence& signer) {
  SignerOutcome out;
  if (!signer.certificate && signer.key_reference) {
    out.subject = signer_keys::reference_text(*signer.key_reference);
  }
  if (signer.certificate) {
    out.subject = signer.certificate->subject();
    out.issuer = signer.certificate->issuer();
    out.serial_hex = signer.certificate->serial_hex();
    out.fingerprint_sha256 = signer.certificate->sha256_fingerprint();
  }
  return out;
}

}  // namespace

std::size_t required_signers(const Rule& rule) noexcept { return rule.min_signers; }

SignerOutcome evaluate_signer(const Policy& policy, const Rule* rule,
                              const formats::SignerEvidence& signer,
                              const formats::SignatureEvidence& evidence, TimePoint now) {
  SignerOutcome out = identity(signer);
  if (!signer.certificate && !signer.key_reference) {
    out.reasons.push_back(Reason{ReasonCode::kMalformed, "signer certificate not found"});
  }
  // Format-level findings (bad signature, weak algorithm, missing attributes) deny the signer
  // whatever the policy says.
  out.reasons.insert(out.reasons.end(), signer.problems.begin(), signer.problems.end());
  if (!out.reasons.empty() || rule == nullptr) return out;
  if (signer.key_reference && signer.key_reference->kind != formats::KeyReference::Kind::kX509) {
    signer_keys::judge_key_signer(policy, *rule, signer, out);
    return out;
  }

  std::vector<StoreVerdict> stores;  // one per store the rule's publishers use
  std::optional<PublisherVerdict> best;
  for (const auto& name : rule->publishers) {
    const Publisher* publisher = policy.find_publisher(name);
    if (publisher != nullptr && publisher->key) {
      if (!best) {
        best = PublisherVerdict{Stage::kChain,
                                Reason{ReasonCode::kUntrustedPublisher,
                                       "publisher " + single_quoted(name) +
                                           " is a minisign/signify key; the signer has an X.509 "
                                           "certificate"},
                                std::nullopt, std::nullopt};
      }
      continue;
    }
    const TrustStore* store = publisher ? policy.find_store(publisher->store) : nullptr;
    if (store == nullptr) continue;  // unreachable: a Policy resolves every name
    auto known = std::find_if(stores.begin(), stores.end(),
                              [&](const StoreVerdict& v) { return v.store == store; });
    if (known == stores.end()) {
      stores.push_back(judge_in_store(*store, signer, evidence, now));
      known = std::prev(stores.end());
    }
    PublisherVerdict verdict;
    if (known->certificate) {
      verdict =
          judge_as_publisher(*publisher, *known, *known->certificate, rule->require_timestamp);
    } else {
      verdict.reason = known->failure;
    }
    if (verdict.stage == Stage::kTrusted) {
      if (!signer.certificate) {  // found by reference: the identity is now known
        formats::SignerEvidence named;
        named.certificate = known->certificate;
        SignerOutcome found = identity(named);
        out.subject = std::move(found.subject);
        out.issuer = std::move(found.issuer);
        out.serial_hex = std::move(found.serial_hex);
        out.fingerprint_sha256 = std::move(found.fingerprint_sha256);
      }
      out.trusted = true;
      out.publisher = name;
      out.timestamp = verdict.timestamp;
      out.validated_at = verdict.validated_at;
      return out;
    }
    // Ties keep the first publisher: "every publisher failed at the chain" reports the first.
    if (!best || verdict.stage > best->stage) best = std::move(verdict);
  }
  if (!best) {
    out.reasons.push_back(Reason{ReasonCode::kUntrustedPublisher, "the rule names no publisher"});
    return out;
  }
  out.timestamp = best->timestamp;
  out.validated_at = best->validated_at;
  out.reasons.push_back(*best->reason);
  return out;
}

}  // namespace signet::policy
