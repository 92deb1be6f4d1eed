// Introduces one test item at one enforcement point, the way the point is used in the plant, and
// says whether the point blocked it: `signet verify` (exit 1), `signet gate download` (the stand-in
// controller was never run), an external command (its exit-status convention). A moment outside
// the maintenance window is given to signet verify as --at, and to a gate or a vendor tool through
// libfaketime (LD_PRELOAD), the real binary judging at that moment.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "validate/item_factory.hpp"
#include "validate/plan.hpp"

namespace signet::validate {

// A point with its paths resolved against the plan's directory.
struct ResolvedPoint {
  const PointSpec* spec = nullptr;
  std::filesystem::path policy;      // absolute ("" for command points without one)
  std::vector<std::string> command;  // controller (download) or enforcement command (command)
};

struct Introduction {
  bool blocked = false;
  std::optional<std::string> error;  // the point failed to decide (usage error, timeout, crash)
  std::string outcome;               // one line for the evidence
  std::string command;               // what was run, quoted for reading
  std::optional<int> exit_status;
  bool timed_out = false;
  std::string output;  // first lines of stderr and stdout
  long elapsed_ms = 0;
};

struct DriverEnvironment {
  std::filesystem::path signet;    // the signet binary that runs the points
  std::filesystem::path faketime;  // libfaketime, when found ("" otherwise)
  std::filesystem::path cwd;       // points run in the plan's directory
};

// Finds libfaketimeMT.so.1 (Debian package faketime); "" when absent.
[[nodiscard]] std::filesystem::path find_libfaketime();

[[nodiscard]] Introduction introduce(const ResolvedPoint& point, const Item& item,
                                     const DriverEnvironment& env,
                                     const std::filesystem::path& case_dir);

[[nodiscard]] std::string quote_command(const std::vector<std::string>& argv);

}  // namespace signet::validate
