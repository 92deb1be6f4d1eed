#include "gate/exec_config.hpp"

#include <system_error>
#include <utility>

#include "core/file_io.hpp"

namespace signet::gate {

policy::Mode ExecGateConfig::mode_for(const std::optional<policy::Mode>& rule_mode) const noexcept {
  if (mode_override) return *mode_override;
  if (rule_mode) return *rule_mode;
  return policy->mode();
}

std::string real_path(const std::filesystem::path& path) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(path, ec);
  if (!ec) return canonical.string();
  return std::filesystem::absolute(path, ec).lexically_normal().string();
}

std::shared_ptr<const ExecGateConfig> make_exec_config(std::shared_ptr<const policy::Policy> policy,
                                                       const std::vector<BundleInput>& bundles,
                                                       std::optional<policy::Mode> mode,
                                                       TimePoint now, std::uint64_t generation) {
  auto config = std::make_shared<ExecGateConfig>();
  config->trust = TrustIndex::build(*policy, bundles, now);
  if (const auto& gate = policy->gate()) {
    for (const auto& interpreter : gate->interpreters) {
      const auto resolved = real_path(interpreter);
      config->interpreters.push_back(resolved);
      if (resolved != interpreter) config->interpreters.push_back(interpreter);
    }
  }
  for (const auto& guard : policy->guards()) {
    const std::filesystem::path path(guard.path);
    GuardRule rule;
    rule.path = real_path(path.is_absolute() ? path : policy->base_dir() / path);
    for (const auto& tool : guard.tools) rule.tools.push_back(real_path(tool));
    config->guards.push_back(std::move(rule));
  }
  config->policy = std::move(policy);
  config->mode_override = mode;
  config->generation = generation;
  config->loaded_at = now;
  return config;
}

Result<std::shared_ptr<const ExecGateConfig>> load_exec_config(const ExecGateSettings& settings,
                                                               TimePoint now,
                                                               std::uint64_t generation) {
  auto loaded = policy::Policy::load(settings.policy_path);
  if (!loaded) return std::unexpected(loaded.error());
  auto policy = std::make_shared<const policy::Policy>(std::move(*loaded));
  std::vector<std::filesystem::path> paths;
  if (const auto& gate = policy->gate()) {
    for (const auto& file : gate->trust_bundles) {
      const std::filesystem::path path(file);
      paths.push_back(path.is_absolute() ? path : policy->base_dir() / path);
    }
  }
  for (const auto& file : settings.trust_bundles) paths.emplace_back(file);
  std::vector<BundleInput> bundles;
  for (const auto& path : paths) {
    auto bytes = read_file_bytes(path);
    if (!bytes) {
      return fail(Errc::kIo, "trust bundle " + path.string() + ": " + bytes.error().message);
    }
    bundles.push_back({path.string(), std::move(*bytes)});
  }
  return make_exec_config(std::move(policy), bundles, settings.mode, now, generation);
}

}  // namespace signet::gate
