#include "inventory/signature_check.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "formats/detect.hpp"
#include "policy/evaluate.hpp"
#include "policy/signer_keys.hpp"

namespace signet::inventory {
namespace {

using formats::Format;

void add_reason(std::vector<Reason>& reasons, Reason reason) {
  if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
    reasons.push_back(std::move(reason));
  }
}

std::string signer_text(const formats::SignerEvidence& signer) {
  if (signer.certificate) return signer.certificate->subject();
  if (signer.key_reference) return policy::signer_keys::reference_text(*signer.key_reference);
  return "(unidentified signer)";
}

SignatureStatus judged_by_policy(const policy::Decision& decision, SignatureStatus status) {
  status.by_policy = true;
  status.reasons = decision.reasons;
  const auto trusted = std::find_if(decision.signers.begin(), decision.signers.end(),
                                    [](const policy::SignerOutcome& s) { return s.trusted; });
  status.trusted = trusted != decision.signers.end();
  const policy::SignerOutcome* shown = status.trusted             ? &*trusted
                                       : decision.signers.empty() ? nullptr
                                                                  : &decision.signers.front();
  if (shown != nullptr) {
    status.signer = shown->subject;
    status.signer_fingerprint = shown->fingerprint_sha256;
  }
  if (decision.allowed()) {
    status.state = SignatureState::kValid;
    status.detail = "allowed by rule " + decision.rule.value_or("-");
  } else if (decision.has_reason(ReasonCode::kUnsigned)) {
    status.state = SignatureState::kUnsigned;
  } else {
    status.state = SignatureState::kInvalid;
    status.detail = "denied by the policy";
  }
  return status;
}

// Does the signature cover exactly these bytes? With a Statement: the subject of this file's name
// (else any subject) carries this SHA-256. Without: the format unit read these bytes and its own
// content check (image digest, messageDigest, ...) held.
void check_coverage(const formats::SignatureEvidence& evidence, const SignatureInput& input,
                    std::vector<Reason>& reasons) {
  if (evidence.statement) {
    const auto& subjects = evidence.statement->subjects;
    const auto sha256_of = [](const formats::Subject& s) {
      const auto d = s.digest.find("sha256");
      return d == s.digest.end() ? std::string() : d->second;
    };
    const auto by_name = std::find_if(subjects.begin(), subjects.end(),
                                      [&](const auto& s) { return s.name == input.file_name; });
    if (by_name != subjects.end()) {
      if (sha256_of(*by_name) != input.sha256) {
        add_reason(reasons, {ReasonCode::kDigestMismatch,
                             input.display_path + ": sha256 " + input.sha256 +
                                 " but the signature says " + sha256_of(*by_name)});
      }
      return;
    }
    const bool by_digest = std::any_of(subjects.begin(), subjects.end(),
                                       [&](const auto& s) { return sha256_of(s) == input.sha256; });
    if (!by_digest) {
      add_reason(reasons, {ReasonCode::kDigestMismatch,
                           input.display_path + " is not a subject of the signature"});
    }
    return;
  }
  const auto it = std::find_if(evidence.covered.begin(), evidence.covered.end(),
                               [&](const auto& c) { return c.sha256 == input.sha256; });
  if (it == evidence.covered.end()) {
    add_reason(reasons, {ReasonCode::kDigestMismatch, input.display_path + " is not what the " +
                                                          evidence.format + " signature covers"});
  } else if (!it->content_verified) {
    add_reason(reasons, {ReasonCode::kDigestMismatch, input.display_path + ": " + it->detail});
  }
}

SignatureStatus judged_by_cryptography(const formats::SignatureEvidence& evidence,
                                       const SignatureInput& input, SignatureStatus status) {
  std::vector<Reason> reasons = evidence.problems;
  check_coverage(evidence, input, reasons);
  bool by_reference = false;
  for (const auto& signer : evidence.signers) {
    for (const auto& problem : signer.problems) add_reason(reasons, problem);
    by_reference = by_reference || (!signer.certificate && signer.key_reference);
  }
  const auto& first = evidence.signers.front();
  status.signer = signer_text(first);
  if (first.certificate) status.signer_fingerprint = first.certificate->sha256_fingerprint();
  status.reasons = std::move(reasons);
  if (!status.reasons.empty()) {
    status.state = SignatureState::kInvalid;
    status.detail = "the signature does not verify or does not cover the file";
  } else if (by_reference) {
    status.state = SignatureState::kUnverified;
    status.detail =
        "the signer is named by reference and its key is not in the signature; "
        "--policy supplies it";
  } else {
    status.state = SignatureState::kValid;
    status.detail = "signature verifies and covers the file (chain not judged without --policy)";
  }
  return status;
}

SignatureStatus invalid(SignatureStatus status, ReasonCode code, std::string detail) {
  status.state = SignatureState::kInvalid;
  status.reasons.push_back({code, detail});
  status.detail = std::move(detail);
  return status;
}

}  // namespace

bool needs_content(const KindFacts& kind, bool has_sidecar) noexcept {
  return kind.may_embed_signature || has_sidecar;
}

SignatureStatus assess_signature(const SignatureInput& input, const SignatureJudge& judge) {
  SignatureStatus status;
  std::optional<Format> format;
  std::optional<std::span<const std::uint8_t>> signature;
  // A separate signature of a format signet knows wins; anything else named FILE.sig (an OpenPGP
  // signature, say) is not ours and leaves the embedded formats.
  if (input.sidecar) {
    format = formats::detect_signature_file(input.sidecar->bytes);
    if (format) {
      signature = std::span<const std::uint8_t>(input.sidecar->bytes);
      status.signature_path = input.sidecar->file_name;
    }
  }
  if (!format && input.kind != nullptr && input.kind->may_embed_signature) {
    if (!input.content_complete) {
      status.state = SignatureState::kUnverified;
      status.detail = "too large to verify during the scan: use signet verify";
      return status;
    }
    format = formats::detect_embedded(input.content);
  }
  if (!format) return status;  // unsigned
  status.format = std::string(formats::format_name(*format));
  if (*format != Format::kSignet && !input.content_complete) {
    status.state = SignatureState::kUnverified;
    status.detail = "too large to verify during the scan: use signet verify";
    return status;
  }
  // A native signature needs only its Statement and our digest; the others read the bytes.
  auto evidence = formats::parse_format(*format, input.content, signature,
                                        {.sha256 = std::string(input.sha256)});
  if (!evidence) return invalid(status, ReasonCode::kMalformed, evidence.error().message);
  if (evidence->signers.empty() && evidence->problems.empty()) {
    status.format.clear();
    return status;  // e.g. a PE image without a certificate table: unsigned
  }
  if (judge.policy == nullptr) {
    if (evidence->signers.empty()) {
      status.reasons = evidence->problems;
      status.state = SignatureState::kInvalid;
      status.detail = "the signature is not usable";
      return status;
    }
    return judged_by_cryptography(*evidence, input, std::move(status));
  }
  policy::EvaluationContext context;
  context.now = judge.now;
  context.host = judge.host;
  context.artifacts.push_back({input.display_path, input.sha256});
  if (!evidence->statement && input.kind != nullptr && !input.kind->policy_class.empty()) {
    context.artifact_class = input.kind->policy_class;
  }
  context.installed = policy::InstalledState{};  // the inventory keeps no rollback state
  return judged_by_policy(policy::evaluate(*judge.policy, *evidence, context), std::move(status));
}

}  // namespace signet::inventory
