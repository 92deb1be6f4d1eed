// How signet commands use telemetry: one Emitter per command from the policy's [telemetry], and
// a bounded wait at exit whose problems go to stderr (they never change the exit status: the
// decision was already made and acted on).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/evaluate.hpp"
#include "policy/policy.hpp"
#include "telemetry/emitter.hpp"
#include "telemetry/event.hpp"

namespace signet::cli {

// An Emitter for the policy (one without sinks when the policy has no [telemetry]); a sink that
// cannot be set up is reported on stderr and yields an Emitter without sinks rather than a
// failed verification.
[[nodiscard]] std::unique_ptr<telemetry::Emitter> open_emitter(const policy::Policy& policy);

// close() with the configured bounded wait; prints what could not be delivered. Returns the report.
telemetry::EmitterReport close_emitter(telemetry::Emitter& emitter);

// The facts a CLI point knows about itself: this process, its parent, the user.
[[nodiscard]] telemetry::PointContext cli_point_context(std::string point, std::string operation);

struct BundleDecision {
  policy::Decision decision;
  std::vector<std::string> notes;  // members, the bundled audit log's state
};
// `signet verify BUNDLE.tar`: nullopt when PATH is not an evidence bundle.
[[nodiscard]] std::optional<Result<BundleDecision>> verify_bundle_file(
    const policy::Policy& policy, const std::string& path,
    const policy::EvaluationContext& context);

}  // namespace signet::cli
