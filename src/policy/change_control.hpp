// The change-control half of evaluate(): what a rule asks beyond trusted signatures — a change
// ticket, a maintenance window, no rollback. Pure like evaluate(); internal to src/policy.
#pragma once

#include "formats/evidence.hpp"
#include "policy/decision.hpp"
#include "policy/evaluate.hpp"
#include "policy/policy.hpp"

namespace signet::policy {

// Adds NO_TICKET, ROLLBACK and OUTSIDE_WINDOW reasons (the last possibly as an alert only) and
// the open window to `decision`.
void check_change_control(const Policy& policy, const Rule& rule,
                          const formats::SignatureEvidence& evidence,
                          const EvaluationContext& context, Decision& decision);

// When no rule matched: WRONG_TARGET when rules exist for the class but none covers the target,
// WRONG_CLASS when rules cover the target but none is for the class. Explains NO_RULE.
void explain_no_rule(const Policy& policy, const std::string& artifact_class,
                     const std::string& target, Decision& decision);

}  // namespace signet::policy
