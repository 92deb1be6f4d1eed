// The execution gate's status file (docs/exec-gate.md "signet gate status"): what the daemon
// rewrites every second (atomically: temporary file + rename) and what `signet gate status` reads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "gate/exec_config.hpp"
#include "gate/exec_gate.hpp"

namespace signet::gate {

inline constexpr std::string_view kDefaultExecStatusFile = "/run/signet/exec-gate.json";

struct ReloadOutcome {
  bool ok = true;
  TimePoint at{};
  std::string error;
};

struct ExecStatusFacts {
  std::int64_t pid = 0;
  TimePoint started_at{};
  TimePoint updated_at{};
  std::string policy_path;
  std::vector<std::string> watch;  // "PATH (mount)" / "PATH (inode)"
  std::optional<ReloadOutcome> reload;
  std::uint64_t events_dropped = 0;  // telemetry queue
  bool stopped = false;
};

[[nodiscard]] nlohmann::json exec_status_json(const ExecStatusFacts& facts,
                                              const ExecGateConfig& config,
                                              const ExecGateStats& stats);

// Writes `json` to `path` atomically (O_CLOEXEC temporary in the same folder, fsync-free rename).
[[nodiscard]] Result<void> write_json_atomic(const std::filesystem::path& path,
                                             const nlohmann::json& json);

// `signet gate status`: the human summary of a status document.
[[nodiscard]] std::string exec_status_text(const nlohmann::json& status);

}  // namespace signet::gate
