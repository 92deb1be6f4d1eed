// policy::evaluate(): a pure function. Everything it needs comes in as arguments, the time too; it
// reads no file, opens no socket and never looks at a clock. X.509 path validation runs in memory
// against the anchors the Policy already holds.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "formats/evidence.hpp"
#include "policy/decision.hpp"
#include "policy/policy.hpp"

namespace signet::policy {

struct Artifact {
  std::string path;
  std::string sha256;  // lower-case hex, computed by the caller
};

struct EvaluationContext {
  TimePoint now;                    // the verification time (`--at` or the clock)
  std::vector<Artifact> artifacts;  // what is being verified
  std::string host;
  // For formats without a signed Statement: class and target given by the caller.
  std::optional<std::string> artifact_class;
  std::optional<std::string> target;
};

[[nodiscard]] Decision evaluate(const Policy& policy, const formats::SignatureEvidence& evidence,
                                const EvaluationContext& context);

// One signer judged against the publishers `rule` names, in order; the first that accepts it wins.
// With rule == nullptr only its identity and format-level problems are filled in (untrusted).
// Pure like evaluate(): the time is `now`.
[[nodiscard]] SignerOutcome evaluate_signer(const Policy& policy, const Rule* rule,
                                            const formats::SignerEvidence& signer,
                                            const formats::SignatureEvidence& evidence,
                                            TimePoint now);

// How many distinct trusted signers (distinct_trusted_signers()) a rule needs: 1 until rules get
// min_signers.
[[nodiscard]] std::size_t required_signers(const Rule& rule) noexcept;

// A decision for input that never became evidence (no signature: UNSIGNED; unparsable: MALFORMED).
// Mode comes from the policy; artifacts are listed.
[[nodiscard]] Decision deny_without_evidence(const Policy& policy, const EvaluationContext& context,
                                             Reason reason);

}  // namespace signet::policy
