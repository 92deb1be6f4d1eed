// The outcome of one evaluation: what the enforcement point acts on and what events record.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/reason_code.hpp"
#include "core/time.hpp"
#include "formats/statement.hpp"
#include "policy/policy.hpp"

namespace signet::policy {

enum class Verdict { kAllow, kDeny };

struct SignerOutcome {
  std::string subject;
  std::string issuer;
  std::string serial_hex;
  std::string fingerprint_sha256;
  bool trusted = false;
  std::optional<std::string> publisher;   // the publisher it was trusted as
  std::optional<TimePoint> timestamp;     // genTime of a valid RFC 3161 token
  std::optional<TimePoint> validated_at;  // the time the chain was validated at
  std::vector<Reason> reasons;            // why it is not trusted
};

struct ArtifactOutcome {
  std::string path;
  std::string sha256;
  std::optional<std::string> subject;  // the Statement subject it matched
  bool covered = false;                // digest equals a subject's digest
};

struct Decision {
  Verdict verdict = Verdict::kDeny;
  // false in audit mode: a deny verdict is recorded but not acted upon.
  bool enforced = true;
  Mode mode = Mode::kEnforce;
  std::vector<Reason> reasons;      // empty for a clean allow
  std::optional<std::string> rule;  // id of the matching rule
  std::vector<ArtifactOutcome> artifacts;
  std::vector<SignerOutcome> signers;
  std::optional<formats::Statement> statement;
  std::string format;  // signature format evaluated ("signet", ...)
  TimePoint evaluated_at{};
  std::optional<std::string> window;  // the rule's maintenance window that was open
  // Reasons that flag the decision without denying it (OUTSIDE_WINDOW under
  // outside_window = "alert"). They are listed in `reasons` too; the verdict is allow exactly when
  // every reason is one of these.
  std::vector<ReasonCode> alerts;

  [[nodiscard]] bool allowed() const noexcept { return verdict == Verdict::kAllow; }
  // Allowed, but with reasons: the event is an alert ("signed is not benign").
  [[nodiscard]] bool flagged() const noexcept { return allowed() && !reasons.empty(); }
  // The exit-status meaning: a deny in audit mode does not block.
  [[nodiscard]] bool blocks() const noexcept { return verdict == Verdict::kDeny && enforced; }
  [[nodiscard]] bool has_reason(ReasonCode code) const noexcept;
};

// Trusted signers counted once per person: two SignerOutcomes with the same certificate
// fingerprint or the same subject are one signer (a key re-issued to the same subject does not make
// a second person). What min_signers is compared against.
[[nodiscard]] std::size_t distinct_trusted_signers(const Decision& decision);

}  // namespace signet::policy
