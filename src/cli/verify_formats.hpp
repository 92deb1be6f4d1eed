// `signet verify --format`: finds and runs the format unit for artifacts that are not verified by
// a native signet signature (Authenticode, kernel modules, RAUC, detached CMS, minisign, signify).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "policy/decision.hpp"
#include "policy/evaluate.hpp"

namespace signet::cli {

struct FormatRequest {
  const std::vector<std::string>& files;
  const std::string& sig;     // --sig, may be empty
  const std::string& format;  // --format: "auto" or a format name
  // Whether the decision will be reported (--json, an event sink): only then is the artifact
  // named by its whole-file SHA-256, which for most formats is a second pass over the bytes.
  bool name_artifact = true;
};

struct FormatOutcome {
  policy::Decision decision;
  std::string signature_path;  // the file the signature came from (the artifact when embedded)
};

// nullopt when the native path applies: --format signet, or auto-detection finding a native
// signature, several files, or no signature of another format at all (the native path then
// reports UNSIGNED as before). `context` carries time, host, class and target; artifacts are
// filled in here.
[[nodiscard]] Result<std::optional<FormatOutcome>> verify_other_format(
    const FormatRequest& request, const policy::Policy& policy, policy::EvaluationContext context);

}  // namespace signet::cli
