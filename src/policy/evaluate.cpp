// policy::evaluate(): evidence + context -> Decision. Pure: no file, socket or clock. The order of
// the checks is documented in docs/policy.md ("Evaluation order"); keep the two in step.
#include "policy/evaluate.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "policy/change_control.hpp"
#include "policy/subject_pattern.hpp"

namespace signet::policy {
namespace {

void add_reason(std::vector<Reason>& reasons, const Reason& reason) {
  if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
    reasons.push_back(reason);
  }
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

struct Facts {
  std::string artifact_class;
  std::string target;
};

// Class and target come from the signed Statement when there is one (the caller's are then only
// compared with it), else from the caller.
std::optional<Facts> class_and_target(const formats::SignatureEvidence& evidence,
                                      const EvaluationContext& context, Decision& decision) {
  if (!evidence.statement) {
    if (!context.artifact_class) return std::nullopt;
    return Facts{*context.artifact_class, context.target.value_or("")};
  }
  const auto& predicate = evidence.statement->predicate;
  if (context.artifact_class && *context.artifact_class != predicate.artifact_class) {
    add_reason(decision.reasons,
               {ReasonCode::kWrongClass, "signed for class '" + predicate.artifact_class +
                                             "', but used as '" + *context.artifact_class + "'"});
  }
  if (context.target && !glob_match(*context.target, predicate.target)) {
    add_reason(decision.reasons,
               {ReasonCode::kWrongTarget, "signed for target '" + predicate.target +
                                              "', which does not match '" + *context.target + "'"});
  }
  return Facts{predicate.artifact_class, predicate.target};
}

const Rule* match_rule(const Policy& policy, const Facts& facts) {
  for (const auto& rule : policy.rules()) {
    if (glob_match(rule.artifact_class, facts.artifact_class) &&
        glob_match(rule.target, facts.target)) {
      return &rule;
    }
  }
  return nullptr;
}

std::string subject_sha256(const formats::Subject& subject) {
  const auto it = subject.digest.find("sha256");
  return it == subject.digest.end() ? std::string() : lower(it->second);
}

// Formats without a Statement: the artifact must be one the format unit read (same SHA-256), and
// the format's own content check (image digest, messageDigest, dm-verity root) must have held.
void check_covered(const formats::SignatureEvidence& evidence, const Artifact& artifact,
                   std::size_t context_artifacts, ArtifactOutcome& outcome, Decision& decision) {
  const auto& covered = evidence.covered;
  auto it = std::find_if(covered.begin(), covered.end(), [&](const auto& c) {
    return !outcome.sha256.empty() && lower(c.sha256) == outcome.sha256;
  });
  // Unnamed on both sides: the caller parsed these very bytes and reports no digest
  // (formats::ArtifactName::wanted = false), so the one artifact is the one covered.
  if (outcome.sha256.empty() && covered.size() == 1 && covered.front().sha256.empty() &&
      context_artifacts == 1) {
    it = covered.begin();
  }
  if (it == covered.end()) {
    add_reason(decision.reasons,
               {ReasonCode::kDigestMismatch, artifact.path + " (sha256 " + outcome.sha256 +
                                                 ") is not what the " + evidence.format +
                                                 " signature covers"});
    return;
  }
  outcome.covered = it->content_verified;
  if (!it->content_verified) {
    add_reason(decision.reasons, {ReasonCode::kDigestMismatch, artifact.path + ": " + it->detail});
  }
}

// Each artifact must be a subject of the signed Statement: by name when the Statement names the
// file (so that a signed file cannot be swapped for another signed file of the same release),
// else by digest.
void check_artifacts(const formats::SignatureEvidence& evidence, const EvaluationContext& context,
                     Decision& decision) {
  for (const auto& artifact : context.artifacts) {
    ArtifactOutcome outcome;
    outcome.path = artifact.path;
    outcome.sha256 = lower(artifact.sha256);
    if (!evidence.statement) {
      check_covered(evidence, artifact, context.artifacts.size(), outcome, decision);
      decision.artifacts.push_back(std::move(outcome));
      continue;
    }
    const auto& subjects = evidence.statement->subjects;
    const std::string name = std::filesystem::path(artifact.path).filename().string();
    const auto by_name = std::find_if(subjects.begin(), subjects.end(),
                                      [&](const formats::Subject& s) { return s.name == name; });
    if (by_name != subjects.end()) {
      const std::string expected = subject_sha256(*by_name);
      outcome.subject = by_name->name;
      outcome.covered = !expected.empty() && expected == outcome.sha256;
      if (!outcome.covered) {
        add_reason(decision.reasons,
                   {ReasonCode::kDigestMismatch, artifact.path + ": sha256 " + outcome.sha256 +
                                                     " but the signature says " + expected +
                                                     " for " + by_name->name});
      }
    } else {
      const auto by_digest =
          std::find_if(subjects.begin(), subjects.end(), [&](const formats::Subject& s) {
            return subject_sha256(s) == outcome.sha256 && !outcome.sha256.empty();
          });
      if (by_digest != subjects.end()) {
        outcome.subject = by_digest->name;
        outcome.covered = true;
      } else {
        add_reason(decision.reasons,
                   {ReasonCode::kDigestMismatch, artifact.path + " (sha256 " + outcome.sha256 +
                                                     ") is not covered by the signature"});
      }
    }
    decision.artifacts.push_back(std::move(outcome));
  }
}

// Reasons that deny even when another signer is trusted: a corrupted or unidentifiable signer, or
// a forged timestamp, is never fine.
bool always_denies(ReasonCode code) {
  return code == ReasonCode::kBadSignature || code == ReasonCode::kMalformed ||
         code == ReasonCode::kTimestampInvalid;
}

void judge_signers(const Policy& policy, const Rule* rule,
                   const formats::SignatureEvidence& evidence, const EvaluationContext& context,
                   Decision& decision) {
  if (evidence.signers.empty()) {
    add_reason(decision.reasons, {ReasonCode::kUnsigned, "the signature has no signers"});
    return;
  }
  for (const auto& signer : evidence.signers) {
    decision.signers.push_back(evaluate_signer(policy, rule, signer, evidence, context.now));
  }
  const std::size_t trusted = distinct_trusted_signers(decision);
  if (trusted == 0) {
    // Nobody vouches for the artifact: every signer's reasons explain why.
    for (const auto& signer : decision.signers) {
      for (const auto& reason : signer.reasons) add_reason(decision.reasons, reason);
    }
    if (decision.reasons.empty()) {  // fail closed, whatever the cause
      add_reason(decision.reasons, {ReasonCode::kUntrustedPublisher, "no trusted signer"});
    }
    return;
  }
  for (const auto& signer : decision.signers) {
    for (const auto& reason : signer.reasons) {
      if (always_denies(reason.code)) add_reason(decision.reasons, reason);
    }
  }
  if (rule != nullptr && trusted < required_signers(*rule)) {
    add_reason(decision.reasons,
               {ReasonCode::kTooFewSigners,
                std::to_string(trusted) + " distinct trusted signer(s), rule '" + rule->id +
                    "' requires " + std::to_string(required_signers(*rule))});
  }
}

}  // namespace

Decision evaluate(const Policy& policy, const formats::SignatureEvidence& evidence,
                  const EvaluationContext& context) {
  Decision decision;
  decision.format = evidence.format;
  decision.evaluated_at = context.now;
  decision.statement = evidence.statement;
  decision.mode = policy.mode();
  for (const auto& problem : evidence.problems) add_reason(decision.reasons, problem);

  const auto facts = class_and_target(evidence, context, decision);
  const Rule* rule = facts ? match_rule(policy, *facts) : nullptr;
  if (!facts) {
    add_reason(decision.reasons,
               {ReasonCode::kNoRule,
                "no class/target: the signature carries no Statement and none was given"});
  } else if (rule == nullptr) {
    add_reason(decision.reasons,
               {ReasonCode::kNoRule, "no rule matches class '" + facts->artifact_class +
                                         "' and target '" + facts->target + "'"});
    explain_no_rule(policy, facts->artifact_class, facts->target, decision);
  } else {
    decision.rule = rule->id;
    if (rule->mode) decision.mode = *rule->mode;
  }
  decision.enforced = decision.mode == Mode::kEnforce;

  check_artifacts(evidence, context, decision);
  judge_signers(policy, rule, evidence, context, decision);
  if (rule != nullptr) check_change_control(policy, *rule, evidence, context, decision);
  const bool only_alerts =
      std::all_of(decision.reasons.begin(), decision.reasons.end(), [&](const Reason& reason) {
        return std::find(decision.alerts.begin(), decision.alerts.end(), reason.code) !=
               decision.alerts.end();
      });
  decision.verdict = only_alerts ? Verdict::kAllow : Verdict::kDeny;
  return decision;
}

Decision deny_without_evidence(const Policy& policy, const EvaluationContext& context,
                               Reason reason) {
  Decision decision;
  decision.mode = policy.mode();
  // The rule that would have judged a signature of this class and target also governs its absence:
  // its own mode (audit) applies, so a rule observed in audit mode never blocks unsigned input.
  if (context.artifact_class) {
    if (const Rule* rule =
            match_rule(policy, Facts{*context.artifact_class, context.target.value_or("")})) {
      decision.rule = rule->id;
      if (rule->mode) decision.mode = *rule->mode;
    }
  }
  decision.enforced = decision.mode == Mode::kEnforce;
  decision.evaluated_at = context.now;
  for (const auto& artifact : context.artifacts) {
    ArtifactOutcome outcome;
    outcome.path = artifact.path;
    outcome.sha256 = lower(artifact.sha256);
    decision.artifacts.push_back(std::move(outcome));
  }
  decision.reasons.push_back(std::move(reason));
  decision.verdict = Verdict::kDeny;
  return decision;
}

}  // namespace signet::policy
