// policy::evaluate(): a pure function. Everything it needs comes in as arguments, the time too; it
// reads no file, opens no socket and never looks at a clock. X.509 path validation runs in memory
// against the anchors the Policy already holds.
#pragma once

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
  TimePoint now;                         // the verification time (`--at` or the clock)
  std::vector<Artifact> artifacts;       // what is being verified
  std::string host;
  // For formats without a signed Statement: class and target given by the caller.
  std::optional<std::string> artifact_class;
  std::optional<std::string> target;
};

[[nodiscard]] Decision evaluate(const Policy& policy, const formats::SignatureEvidence& evidence,
                                const EvaluationContext& context);

// A decision for input that never became evidence (no signature: UNSIGNED; unparsable: MALFORMED).
// Mode comes from the policy; artifacts are listed.
[[nodiscard]] Decision deny_without_evidence(const Policy& policy, const EvaluationContext& context,
                                             Reason reason);

}  // namespace signet::policy
