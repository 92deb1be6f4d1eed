// The decision of the execution gate for one file: trust bundle, else embedded signature, else
// UNSIGNED; for project files, FILE.sig or a folder's release.sig. Returns a policy::Decision so
// that events, reasons and techniques are the same as at every other point. No clock: `now` comes
// in. Project-file judgments read signature files; code judgments read nothing.
#pragma once

#include <string>

#include "core/time.hpp"
#include "gate/exec_config.hpp"
#include "gate/exec_file_probe.hpp"
#include "policy/decision.hpp"

namespace signet::gate {

// Bytes worth keeping for embedded-signature formats (kernel modules, PE images).
inline constexpr std::uint64_t kMaxEmbeddedBytes = std::uint64_t{512} << 20;

[[nodiscard]] policy::Decision judge_code(const ExecGateConfig& config, GateClass c,
                                          const std::string& path, const FileContent& content,
                                          TimePoint now);

// A file under `guard`: allowed when FILE.sig, or release.sig in its folder or a parent folder up
// to the guard's path, is a native signature that policy allows for it as a project-file.
[[nodiscard]] policy::Decision judge_project_file(const ExecGateConfig& config,
                                                  const GuardRule& guard, const std::string& path,
                                                  const std::string& sha256, TimePoint now);

// A decision for a file that could not be read: deny, MALFORMED, in the gate's mode.
[[nodiscard]] policy::Decision unreadable(const ExecGateConfig& config, GateClass c,
                                          const std::string& path, const std::string& why,
                                          TimePoint now);

}  // namespace signet::gate
