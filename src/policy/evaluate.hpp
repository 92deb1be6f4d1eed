// policy::evaluate(): a pure function. Everything it needs comes in as arguments, the time too; it
// reads no file, opens no socket and never looks at a clock. X.509 path validation runs in memory
// against the anchors the Policy already holds.
#pragma once

#include <cstddef>
#include <cstdint>
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
  // Lower-case hex, computed by the caller. Empty only for a third-party format whose bytes the
  // caller parsed itself without naming them (formats::ArtifactName::wanted = false): it then
  // matches the evidence's one unnamed covered artifact.
  std::string sha256;
};

// What was last installed on a target (for one artifact class): the rollback state an enforcement
// point keeps (src/gate/state_db.hpp). Each value is the highest ever installed.
struct InstalledState {
  std::optional<std::uint64_t> counter;
  std::optional<std::string> version;  // a semantic version
  std::optional<TimePoint> updated_at;
};

struct EvaluationContext {
  TimePoint now;                    // the verification time (`--at` or the clock)
  std::vector<Artifact> artifacts;  // what is being verified
  std::string host;
  // For formats without a signed Statement: class and target given by the caller. With a
  // Statement: what the caller expects (WRONG_CLASS / WRONG_TARGET when it differs).
  std::optional<std::string> artifact_class;
  std::optional<std::string> target;
  // The change ticket given at the point (`--ticket`); rules with require_ticket compare it.
  std::optional<std::string> ticket;
  // Rollback state of the signed target and class. nullopt: the caller consulted none, and a rule
  // with `rollback` then denies (fail closed); an empty InstalledState: nothing installed yet.
  std::optional<InstalledState> installed;
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

// How many distinct trusted signers (distinct_trusted_signers()) a rule needs: its min_signers.
[[nodiscard]] std::size_t required_signers(const Rule& rule) noexcept;

// A decision for input that never became evidence (no signature: UNSIGNED; unparsable: MALFORMED).
// Mode comes from the rule that matches the context's class and target (and names it), else from
// the policy; artifacts are listed.
[[nodiscard]] Decision deny_without_evidence(const Policy& policy, const EvaluationContext& context,
                                             Reason reason);

}  // namespace signet::policy
