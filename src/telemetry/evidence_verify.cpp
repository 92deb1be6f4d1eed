// verify_evidence_bundle(): the manifest judged by policy like any signature, with an exact
// member-by-member comparison (a member added, removed, renamed or altered denies the bundle).
#include <map>

#include "crypto/digest.hpp"
#include "formats/native_signature.hpp"
#include "policy/evaluate.hpp"
#include "telemetry/audit_log.hpp"
#include "telemetry/evidence.hpp"

namespace signet::telemetry {
namespace {

void deny(policy::Decision& decision, ReasonCode code, std::string detail) {
  decision.verdict = policy::Verdict::kDeny;
  decision.reasons.push_back({code, std::move(detail)});
}

}  // namespace

std::optional<Result<BundleVerification>> verify_evidence_bundle(
    const policy::Policy& policy, std::span<const std::uint8_t> bytes, TimePoint now,
    const std::string& host) {
  if (!looks_like_ustar(bytes)) return std::nullopt;
  auto entries = read_ustar(bytes);
  if (!entries) return std::nullopt;
  const auto manifest = std::find_if(entries->begin(), entries->end(),
                                     [](const TarEntry& e) { return e.name == kManifestName; });
  if (manifest == entries->end()) return std::nullopt;  // a tar, but not an evidence bundle

  BundleVerification out;
  policy::EvaluationContext context;
  context.now = now;
  context.host = host;
  std::map<std::string, std::string> member_digests;
  for (const auto& e : *entries) {
    if (e.name == kManifestName) continue;
    const std::string digest =
        to_hex(crypto::digest_bytes(crypto::DigestAlgorithm::kSha256, e.data));
    member_digests[e.name] = digest;
    out.members.push_back(e.name);
    context.artifacts.push_back({e.name, digest});
    if (e.name == "audit.log") {
      const std::string_view text(reinterpret_cast<const char*>(e.data.data()), e.data.size());
      out.audit = verify_audit_log(text, make_cms_checkpoint_verifier({}));
    }
  }
  auto evidence = formats::parse_native_signature(manifest->data);
  if (!evidence) {
    if (evidence.error().code != Errc::kMalformed) return std::unexpected(evidence.error());
    out.decision = policy::deny_without_evidence(
        policy, context, {ReasonCode::kMalformed, "manifest.sig: " + evidence.error().message});
    return out;
  }
  out.decision = policy::evaluate(policy, *evidence, context);
  // Exact correspondence by full member name, in both directions.
  if (evidence->statement) {
    for (const auto& subject : evidence->statement->subjects) {
      const auto it = member_digests.find(subject.name);
      const auto want = subject.digest.find("sha256");
      if (it == member_digests.end()) {
        deny(out.decision, ReasonCode::kDigestMismatch,
             "bundle member " + subject.name + " listed in the manifest is missing");
      } else if (want == subject.digest.end() || want->second != it->second) {
        deny(out.decision, ReasonCode::kDigestMismatch,
             "bundle member " + subject.name + " (sha256 " + it->second +
                 ") differs from the manifest");
      }
    }
    for (const auto& [name, digest] : member_digests) {
      const bool listed =
          std::any_of(evidence->statement->subjects.begin(), evidence->statement->subjects.end(),
                      [&](const formats::Subject& s) { return s.name == name; });
      if (!listed) {
        deny(out.decision, ReasonCode::kDigestMismatch,
             "bundle member " + name + " is not listed in the manifest");
      }
    }
  }
  return out;
}

}  // namespace signet::telemetry
