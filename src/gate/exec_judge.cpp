#include "gate/exec_judge.hpp"

#include <filesystem>
#include <system_error>
#include <utility>

#include "core/file_io.hpp"
#include "formats/detect.hpp"
#include "formats/native_signature.hpp"
#include "policy/evaluate.hpp"

namespace signet::gate {
namespace {

void apply_mode(policy::Decision& decision, policy::Mode mode) {
  decision.mode = mode;
  decision.enforced = mode == policy::Mode::kEnforce;
}

policy::EvaluationContext context_for(GateClass c, const std::string& path,
                                      const std::string& sha256, TimePoint now) {
  policy::EvaluationContext context;
  context.now = now;
  context.artifacts.push_back({path, sha256});
  context.artifact_class = std::string(gate_class_name(c));
  return context;
}

policy::Decision allowed_by_bundle(const ExecGateConfig& config, GateClass c,
                                   const std::string& path, const std::string& sha256,
                                   const BundleMatch& match, TimePoint now) {
  const auto& acceptance = match.bundle->classes.at(class_index(c));
  policy::Decision d;
  d.verdict = policy::Verdict::kAllow;
  d.format = "trust-bundle";
  d.evaluated_at = now;
  d.rule = acceptance.rule;
  d.signers = acceptance.signers;
  d.artifacts.push_back({path, sha256, match.subject, true});
  apply_mode(d, config.mode_for(acceptance.rule_mode));
  return d;
}

std::optional<policy::Mode> rule_mode_of(const policy::Policy& policy,
                                         const std::optional<std::string>& rule_id) {
  if (!rule_id) return std::nullopt;
  for (const auto& rule : policy.rules()) {
    if (rule.id == *rule_id) return rule.mode;
  }
  return std::nullopt;
}

}  // namespace

policy::Decision judge_code(const ExecGateConfig& config, GateClass c, const std::string& path,
                            const FileContent& content, TimePoint now) {
  const auto match = config.trust.find(content.sha256, c);
  if (match && match->allowed)
    return allowed_by_bundle(config, c, path, content.sha256, *match, now);

  const auto context = context_for(c, path, content.sha256, now);
  if (!content.bytes.empty()) {
    if (const auto format = formats::detect_embedded(content.bytes)) {
      auto evidence =
          formats::parse_format(*format, content.bytes, std::nullopt, {.sha256 = content.sha256});
      policy::Decision d =
          evidence ? policy::evaluate(*config.policy, *evidence, context)
                   : policy::deny_without_evidence(
                         *config.policy, context,
                         {ReasonCode::kMalformed, std::string(formats::format_name(*format)) +
                                                      " signature: " + evidence.error().message});
      apply_mode(d, config.mode_for(rule_mode_of(*config.policy, d.rule)));
      return d;
    }
  }
  Reason reason{ReasonCode::kUnsigned,
                "sha256 " + content.sha256 +
                    " is in no accepted trust bundle and the file carries no signature"};
  if (match && match->reason) reason = *match->reason;
  policy::Decision d = policy::deny_without_evidence(*config.policy, context, std::move(reason));
  // The bundle's rule for this class when a bundle lists the file (and refused it), else the
  // policy's rule for the class: either one's mode = "audit" releases the file.
  std::optional<policy::Mode> rule_mode = rule_mode_of(*config.policy, d.rule);
  if (match) {
    const auto ci = class_index(c);
    if (ci < kCodeClassCount && match->bundle->classes.at(ci).rule_mode)
      rule_mode = match->bundle->classes.at(ci).rule_mode;
  }
  apply_mode(d, config.mode_for(rule_mode));
  return d;
}

policy::Decision judge_project_file(const ExecGateConfig& config, const GuardRule& guard,
                                    const std::string& path, const std::string& sha256,
                                    TimePoint now) {
  const auto context = context_for(GateClass::kProjectFile, path, sha256, now);
  std::vector<std::filesystem::path> candidates{path + ".sig"};
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  while (!dir.empty() && path_is_under(dir.string(), guard.path)) {
    candidates.push_back(dir / "release.sig");
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  std::optional<policy::Decision> first;
  for (const auto& candidate : candidates) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(candidate, ec)) continue;
    auto bytes = read_file_bytes(candidate);
    policy::Decision d;
    if (!bytes) {
      d = policy::deny_without_evidence(*config.policy, context,
                                        {ReasonCode::kMalformed, bytes.error().message});
    } else if (auto evidence = formats::parse_native_signature(*bytes); !evidence) {
      d = policy::deny_without_evidence(
          *config.policy, context,
          {ReasonCode::kMalformed, candidate.string() + ": " + evidence.error().message});
    } else {
      d = policy::evaluate(*config.policy, *evidence, context);
    }
    apply_mode(d, config.mode_for(rule_mode_of(*config.policy, d.rule)));
    if (d.allowed()) return d;
    if (!first) first = std::move(d);
  }
  if (first) return std::move(*first);
  policy::Decision d = policy::deny_without_evidence(
      *config.policy, context,
      {ReasonCode::kUnsigned, "no " + path + ".sig and no release.sig in its folders"});
  apply_mode(d, config.mode_for(rule_mode_of(*config.policy, d.rule)));
  return d;
}

policy::Decision unreadable(const ExecGateConfig& config, GateClass c, const std::string& path,
                            const std::string& why, TimePoint now) {
  policy::Decision d = policy::deny_without_evidence(
      *config.policy, context_for(c, path, "", now),
      {ReasonCode::kMalformed, "the gate could not read " + path + ": " + why});
  apply_mode(d, config.mode_for(rule_mode_of(*config.policy, d.rule)));
  return d;
}

}  // namespace signet::gate
