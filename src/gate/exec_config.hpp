// The execution gate's configuration: the policy, the judged trust bundles, the interpreters and
// the project-file guards, built in one piece and swapped as a whole on SIGHUP (the decision loop
// holds a shared_ptr to the one it started a decision with).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "gate/exec_class.hpp"
#include "gate/exec_trust.hpp"
#include "policy/policy.hpp"

namespace signet::gate {

// From the command line; fixed for the daemon's life.
struct ExecGateSettings {
  std::filesystem::path policy_path;
  std::vector<std::string> trust_bundles;  // --trust, besides [gate] trust_bundles
  std::optional<policy::Mode> mode;        // --mode
};

struct ExecGateConfig {
  std::shared_ptr<const policy::Policy> policy;
  TrustIndex trust;
  std::vector<std::string> interpreters;  // real paths
  std::vector<GuardRule> guards;
  std::optional<policy::Mode> mode_override;
  std::uint64_t generation = 0;
  TimePoint loaded_at{};

  // The mode a decision is taken in: --mode, else the rule's, else the policy's.
  [[nodiscard]] policy::Mode mode_for(const std::optional<policy::Mode>& rule_mode) const noexcept;
};

// Reads the policy and every bundle (paths in the policy are relative to it, --trust paths to the
// working directory) and judges the bundles at `now`. An unreadable policy or bundle file, or an
// invalid policy, is an error; a bundle that policy does not accept is not (it is listed, unused).
[[nodiscard]] Result<std::shared_ptr<const ExecGateConfig>> load_exec_config(
    const ExecGateSettings& settings, TimePoint now, std::uint64_t generation);

// The same from a policy already loaded and bundle bytes already read (unit tests).
[[nodiscard]] std::shared_ptr<const ExecGateConfig> make_exec_config(
    std::shared_ptr<const policy::Policy> policy, const std::vector<BundleInput>& bundles,
    std::optional<policy::Mode> mode, TimePoint now, std::uint64_t generation);

// A path as the kernel reports it: symlinks resolved when the file exists, else made absolute and
// lexically normal.
[[nodiscard]] std::string real_path(const std::filesystem::path& path);

}  // namespace signet::gate
