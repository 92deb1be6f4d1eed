// Change control: ticket, maintenance windows, rollback (docs/policy.md "Evaluation order").
#include "policy/change_control.hpp"

#include <algorithm>
#include <string>

#include "policy/semver.hpp"
#include "policy/subject_pattern.hpp"

namespace signet::policy {
namespace {

void add_reason(Decision& decision, Reason reason) {
  if (std::find(decision.reasons.begin(), decision.reasons.end(), reason) ==
      decision.reasons.end()) {
    decision.reasons.push_back(std::move(reason));
  }
}

void check_ticket(const formats::SignatureEvidence& evidence, const EvaluationContext& context,
                  Decision& decision) {
  const std::string signed_ticket =
      evidence.statement ? evidence.statement->predicate.ticket : std::string();
  if (signed_ticket.empty()) {
    add_reason(decision, {ReasonCode::kNoTicket,
                          "the rule requires a change ticket, but the "
                          "signature carries none"});
  } else if (!context.ticket || context.ticket->empty()) {
    add_reason(decision,
               {ReasonCode::kNoTicket, "signed for ticket " + single_quoted(signed_ticket) +
                                           ", but no ticket was given (--ticket)"});
  } else if (*context.ticket != signed_ticket) {
    add_reason(decision, {ReasonCode::kNoTicket, "ticket " + single_quoted(*context.ticket) +
                                                     " was given, but the signature is for " +
                                                     single_quoted(signed_ticket)});
  }
}

std::string installed_suffix(const InstalledState& installed) {
  return installed.updated_at ? " (installed " + format_rfc3339(*installed.updated_at) + ")" : "";
}

void check_counter(const formats::SignatureEvidence& evidence, const InstalledState& installed,
                   Decision& decision) {
  const auto counter =
      evidence.statement ? evidence.statement->predicate.counter : std::optional<std::uint64_t>();
  if (!counter) {
    add_reason(decision, {ReasonCode::kRollback,
                          "rollback = \"counter\", but the signature "
                          "carries no security counter"});
  } else if (installed.counter && *counter < *installed.counter) {
    add_reason(decision, {ReasonCode::kRollback,
                          "security counter " + std::to_string(*counter) + " is older than " +
                              std::to_string(*installed.counter) + ", installed on the target" +
                              installed_suffix(installed)});
  }
}

void check_version(const formats::SignatureEvidence& evidence, const InstalledState& installed,
                   Decision& decision) {
  const std::string text = evidence.statement ? evidence.statement->predicate.version : "";
  const auto version = SemVer::parse(text);
  if (!version) {
    add_reason(decision, {ReasonCode::kRollback,
                          text.empty() ? "rollback = \"version\", but the signature carries no "
                                         "version"
                                       : "version " + single_quoted(text) +
                                             " is not a semantic version (MAJOR.MINOR.PATCH)"});
    return;
  }
  if (!installed.version) return;
  const auto current = SemVer::parse(*installed.version);
  if (!current) {  // the state holds only versions that parsed; fail closed all the same
    add_reason(decision,
               {ReasonCode::kRollback,
                "installed version " + single_quoted(*installed.version) + " cannot be compared"});
  } else if (*version < *current) {
    add_reason(decision, {ReasonCode::kRollback,
                          "version " + text + " is older than " + *installed.version +
                              ", installed on the target" + installed_suffix(installed)});
  }
}

void check_rollback(const Rule& rule, const formats::SignatureEvidence& evidence,
                    const EvaluationContext& context, Decision& decision) {
  if (!context.installed) {
    add_reason(decision, {ReasonCode::kRollback,
                          "rule " + single_quoted(rule.id) +
                              " has rollback protection, but no rollback state was consulted"});
    return;
  }
  if (*rule.rollback == Rollback::kCounter) {
    check_counter(evidence, *context.installed, decision);
  } else {
    check_version(evidence, *context.installed, decision);
  }
}

void check_windows(const Policy& policy, const Rule& rule, const EvaluationContext& context,
                   Decision& decision) {
  std::string closed;
  std::string local;
  for (const auto& name : rule.windows) {
    const Window* window = policy.find_window(name);
    if (window == nullptr) continue;  // unreachable: a Policy resolves every name
    if (window_open(*window, context.now)) {
      decision.window = window->name;
      return;
    }
    closed +=
        (closed.empty() ? "" : ", ") + single_quoted(window->name) + " (" + window->text + ")";
    if (local.empty() && !window->one_off()) local = local_time_text(*window, context.now);
  }
  const std::string when = format_rfc3339(context.now) + (local.empty() ? "" : " (" + local + ")");
  add_reason(decision,
             {ReasonCode::kOutsideWindow, when + " is outside the maintenance window" +
                                              (rule.windows.size() > 1 ? "s " : " ") + closed});
  if (rule.outside_window == OutsideWindow::kAlert) {
    decision.alerts.push_back(ReasonCode::kOutsideWindow);
  }
}

}  // namespace

void check_change_control(const Policy& policy, const Rule& rule,
                          const formats::SignatureEvidence& evidence,
                          const EvaluationContext& context, Decision& decision) {
  if (rule.require_ticket) check_ticket(evidence, context, decision);
  if (rule.rollback) check_rollback(rule, evidence, context, decision);
  if (!rule.windows.empty()) check_windows(policy, rule, context, decision);
}

void explain_no_rule(const Policy& policy, const std::string& artifact_class,
                     const std::string& target, Decision& decision) {
  std::string targets;
  std::string classes;
  for (const auto& rule : policy.rules()) {
    if (glob_match(rule.artifact_class, artifact_class)) {
      targets += (targets.empty() ? "" : ", ") + single_quoted(rule.target);
    }
    if (glob_match(rule.target, target)) {
      classes += (classes.empty() ? "" : ", ") + single_quoted(rule.artifact_class);
    }
  }
  if (!targets.empty()) {
    add_reason(decision, {ReasonCode::kWrongTarget,
                          "signed for target " + single_quoted(target) + "; the rules for class " +
                              single_quoted(artifact_class) + " cover " + targets});
  }
  if (!classes.empty()) {
    add_reason(decision,
               {ReasonCode::kWrongClass, "signed as class " + single_quoted(artifact_class) +
                                             "; the rules for this target accept " + classes});
  }
}

}  // namespace signet::policy
