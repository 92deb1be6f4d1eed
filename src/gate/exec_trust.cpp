#include "gate/exec_trust.hpp"

#include <algorithm>
#include <cctype>

#include "formats/native_signature.hpp"
#include "policy/evaluate.hpp"
#include "policy/subject_pattern.hpp"

namespace signet::gate {
namespace {

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    out.push_back(trim(text.substr(start, end - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string lower_hex(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

const policy::Rule* rule_for_class(const policy::Policy& policy, GateClass c) {
  const auto name = gate_class_name(c);
  for (const auto& rule : policy.rules()) {
    if (policy::glob_match(rule.artifact_class, name) && policy::glob_match(rule.target, "")) {
      return &rule;
    }
  }
  return nullptr;
}

ClassAcceptance accept_for_class(const policy::Policy& policy, GateClass c,
                                 const formats::SignatureEvidence& evidence, TimePoint now) {
  ClassAcceptance out;
  const auto* rule = rule_for_class(policy, c);
  if (rule == nullptr) {
    out.reason =
        Reason{ReasonCode::kNoRule, "no rule for class '" + std::string(gate_class_name(c)) +
                                        "' accepts the trust bundle's signers"};
    return out;
  }
  out.rule = rule->id;
  out.rule_mode = rule->mode;
  policy::Decision tally;
  for (const auto& signer : evidence.signers) {
    tally.signers.push_back(policy::evaluate_signer(policy, rule, signer, evidence, now));
  }
  out.signers = tally.signers;
  const std::size_t trusted = policy::distinct_trusted_signers(tally);
  if (trusted == 0) {
    std::string detail = "rule '" + rule->id + "' for class '" + std::string(gate_class_name(c)) +
                         "' trusts none of the trust bundle's signers";
    for (const auto& signer : tally.signers) {
      for (const auto& reason : signer.reasons) detail += "; " + reason.detail;
    }
    out.reason = Reason{ReasonCode::kUntrustedPublisher, detail};
    return out;
  }
  if (trusted < policy::required_signers(*rule)) {
    out.reason =
        Reason{ReasonCode::kTooFewSigners,
               std::to_string(trusted) + " distinct trusted signer(s) of the trust bundle, rule '" +
                   rule->id + "' requires " + std::to_string(policy::required_signers(*rule))};
    return out;
  }
  out.accepted = true;
  return out;
}

}  // namespace

std::size_t class_index(GateClass c) noexcept {
  switch (c) {
    case GateClass::kExecutable:
      return 0;
    case GateClass::kLibrary:
      return 1;
    case GateClass::kScript:
      return 2;
    case GateClass::kKernelModule:
      return 3;
    case GateClass::kProjectFile:
      break;
  }
  return kCodeClassCount;
}

std::array<bool, kCodeClassCount> bundle_scope(std::string_view target) {
  std::array<bool, kCodeClassCount> scope{};
  const auto names = split_commas(target);
  bool all_known = !target.empty();
  for (const auto& name : names) {
    const auto c = gate_class_from_name(name);
    if (!c || class_index(*c) >= kCodeClassCount) {
      all_known = false;
      break;
    }
    scope.at(class_index(*c)) = true;
  }
  if (!all_known) scope.fill(true);
  return scope;
}

Result<std::string> scope_target(std::string_view classes) {
  if (trim(classes).empty()) return std::string();
  std::string out;
  for (const auto& name : split_commas(classes)) {
    const auto c = gate_class_from_name(name);
    if (!c || class_index(*c) >= kCodeClassCount) {
      return fail(Errc::kUsage, "--class '" + name +
                                    "': a trust bundle allows executable, library, script or "
                                    "kernel-module");
    }
    if (out.find(name) == std::string::npos) out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

TrustIndex TrustIndex::build(const policy::Policy& policy, const std::vector<BundleInput>& inputs,
                             TimePoint now) {
  TrustIndex index;
  for (const auto& input : inputs) {
    TrustBundle bundle;
    bundle.path = input.path;
    auto evidence = formats::parse_native_signature(input.bytes);
    if (!evidence) {
      bundle.reasons.push_back({ReasonCode::kMalformed, evidence.error().message});
      index.bundles_.push_back(std::move(bundle));
      continue;
    }
    policy::EvaluationContext context;
    context.now = now;
    context.artifact_class = "trust-bundle";
    const auto decision = policy::evaluate(policy, *evidence, context);
    bundle.rule = decision.rule;
    if (evidence->statement) {
      bundle.target = evidence->statement->predicate.target;
      bundle.subjects = evidence->statement->subjects.size();
    }
    bundle.scope = bundle_scope(bundle.target);
    // An audit-mode rule records a deny without blocking; a bundle still counts only when allowed.
    if (!decision.allowed() || !evidence->statement) {
      bundle.reasons = decision.reasons;
      if (bundle.reasons.empty()) {
        bundle.reasons.push_back(
            {ReasonCode::kMalformed, "not a native signature with a Statement"});
      }
      index.bundles_.push_back(std::move(bundle));
      continue;
    }
    bundle.accepted = true;
    for (const auto c : kCodeClasses) {
      bundle.classes.at(class_index(c)) = accept_for_class(policy, c, *evidence, now);
    }
    const std::size_t at = index.bundles_.size();
    for (const auto& subject : evidence->statement->subjects) {
      const auto digest = subject.digest.find("sha256");
      if (digest == subject.digest.end()) continue;
      index.index_[lower_hex(digest->second)].push_back(Entry{at, subject.name});
    }
    index.bundles_.push_back(std::move(bundle));
  }
  return index;
}

std::optional<BundleMatch> TrustIndex::find(std::string_view sha256, GateClass c) const {
  const auto it = index_.find(std::string(sha256));
  if (it == index_.end()) return std::nullopt;
  const std::size_t ci = class_index(c);
  std::optional<BundleMatch> first;
  for (const auto& entry : it->second) {
    const auto& bundle = bundles_.at(entry.bundle);
    BundleMatch match{&bundle, entry.subject, false, std::nullopt};
    if (ci >= kCodeClassCount || !bundle.scope.at(ci)) {
      match.reason = Reason{ReasonCode::kWrongClass,
                            "trust bundle " + bundle.path + " lists the file for '" +
                                bundle.target + "', not as " + std::string(gate_class_name(c))};
    } else if (!bundle.classes.at(ci).accepted) {
      match.reason = bundle.classes.at(ci).reason;
    } else {
      match.allowed = true;
      return match;
    }
    if (!first) first = std::move(match);
  }
  return first;
}

}  // namespace signet::gate
