// `signet validate`: the composition root of a validation run. Reads the plan, starts the SOC
// receiver, loads the signing identities, and for every point makes each case's item fresh,
// introduces it, then looks for its events; the verdicts, the coverage per technique and the
// compliance mapping go into a Report.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/time.hpp"
#include "policy/policy.hpp"
#include "validate/report.hpp"

namespace signet::validate {

struct ValidateOptions {
  std::filesystem::path plan;
  std::filesystem::path out;     // report.json, junit.xml, report.html, work/, soc-received.log
  std::filesystem::path signet;  // the signet binary that runs the points
  std::function<void(const std::string&)> progress;  // one line per point and per cell
};

// Errors are what prevents a run (plan invalid, receiver cannot listen, key missing); a point
// that misbehaves is a failed cell, not an error.
[[nodiscard]] Result<Report> run_validation(const ValidateOptions& options);

// Writes report.json, junit.xml and report.html into `dir`.
[[nodiscard]] Result<void> write_reports(const Report& report, const std::filesystem::path& dir);

// The first moment at or after `from` (within 14 days, in 5-minute steps) at which none of the
// windows of the first rule of `policy` for (class, target) is open, and stays so for 15 minutes;
// `from` + 1 h when that rule has no windows (any moment is inside); nullopt when the windows
// never close.
[[nodiscard]] std::optional<TimePoint> closed_window_moment(const policy::Policy& policy,
                                                            const std::string& artifact_class,
                                                            const std::string& target,
                                                            TimePoint from);

}  // namespace signet::validate
