#include "validate/point_driver.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/time.hpp"
#include "validate/child_process.hpp"

namespace signet::validate {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kOutputLines = 40;

std::string first_lines(const fs::path& path, std::size_t max_lines) {
  std::ifstream in(path);
  std::string out;
  std::string line;
  std::size_t n = 0;
  while (n < max_lines && std::getline(in, line)) {
    if (line.size() > 400) line = line.substr(0, 400) + "...";
    out += line + "\n";
    ++n;
  }
  if (n == max_lines && std::getline(in, line)) out += "...\n";
  return out;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// "YYYY-MM-DD HH:MM:SS" in UTC, as libfaketime's absolute "@" form wants it (with TZ=UTC).
std::string faketime_spec(TimePoint at) {
  std::string text = format_rfc3339(at);  // 2026-11-28T03:00:00Z
  text[10] = ' ';
  if (!text.empty() && text.back() == 'Z') text.pop_back();
  return "@" + text;
}

std::vector<std::pair<std::string, std::string>> faketime_env(const DriverEnvironment& env,
                                                              TimePoint at) {
  std::string asan = "verify_asan_link_order=0";
  if (const char* existing = std::getenv("ASAN_OPTIONS"); existing != nullptr && *existing) {
    asan = std::string(existing) + ":" + asan;
  }
  return {{"LD_PRELOAD", env.faketime.string()},
          {"FAKETIME", faketime_spec(at)},
          {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
          {"TZ", "UTC"},
          {"ASAN_OPTIONS", asan}};
}

std::vector<std::pair<std::string, std::string>> placeholders(const ResolvedPoint& point,
                                                              const Item& item) {
  return {{"artifact", item.artifact.string()}, {"sig", item.signature.string()},
          {"target", point.spec->target},       {"class", point.spec->artifact_class},
          {"ticket", item.ticket.value_or("")}, {"case", std::string(case_info(item.id).name)}};
}

}  // namespace

fs::path find_libfaketime() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib", ec)) {
    const fs::path candidate = entry.path() / "faketime" / "libfaketimeMT.so.1";
    if (fs::exists(candidate, ec)) return candidate;
  }
  const fs::path flat = "/usr/lib/faketime/libfaketimeMT.so.1";
  return fs::exists(flat, ec) ? flat : fs::path();
}

std::string quote_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("/._-=:,@+%").find(c) != std::string_view::npos;
    });
    if (!out.empty()) out += ' ';
    if (plain) {
      out += arg;
    } else {
      out += '\'';
      for (const char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

Introduction introduce(const ResolvedPoint& point, const Item& item, const DriverEnvironment& env,
                       const fs::path& case_dir) {
  const PointSpec& spec = *point.spec;
  Introduction result;
  ChildSpec child;
  child.stdout_file = case_dir / "point.out";
  child.stderr_file = case_dir / "point.err";
  child.timeout = std::chrono::seconds(spec.timeout_seconds);
  child.cwd = env.cwd;
  const bool shifted_clock = item.at.has_value() && spec.kind != PointKind::kVerify;
  if (shifted_clock) {
    if (env.faketime.empty()) {
      result.error =
          "introducing an item outside the maintenance window needs libfaketime (Debian package "
          "faketime), which is not installed";
      result.outcome = "not introduced";
      return result;
    }
    child.env_extra = faketime_env(env, *item.at);
  }

  switch (spec.kind) {
    case PointKind::kVerify: {
      // No --sig: an unsigned item has no ITEM.sig, which signet verify reports as UNSIGNED.
      child.argv = {env.signet.string(),   "verify",  item.artifact.string(), "--policy",
                    point.policy.string(), "--class", spec.artifact_class,    "--target",
                    spec.target,           "--json"};
      if (item.ticket) child.argv.insert(child.argv.end(), {"--ticket", *item.ticket});
      if (item.at) child.argv.insert(child.argv.end(), {"--at", format_rfc3339(*item.at)});
      break;
    }
    case PointKind::kDownload: {
      child.argv = {env.signet.string(),
                    "gate",
                    "download",
                    "--target",
                    spec.target,
                    "--class",
                    spec.artifact_class,
                    "--policy",
                    point.policy.string(),
                    "--sig",
                    item.signature.string(),
                    "--lock-timeout",
                    std::to_string(spec.timeout_seconds)};
      if (!spec.operation.empty())
        child.argv.insert(child.argv.end(), {"--operation", spec.operation});
      if (!spec.scope.empty()) child.argv.insert(child.argv.end(), {"--scope", spec.scope});
      if (item.ticket) child.argv.insert(child.argv.end(), {"--ticket", *item.ticket});
      child.argv.push_back(item.artifact.string());
      child.argv.push_back("--");
      for (auto& arg : substitute(point.command, placeholders(point, item))) {
        child.argv.push_back(std::move(arg));
      }
      break;
    }
    case PointKind::kCommand:
      child.argv = substitute(point.command, placeholders(point, item));
      break;
    case PointKind::kExec:
      // Run it: an executable directly, a script through its interpreter.
      child.argv = spec.interpreter;
      child.argv.push_back(item.artifact.string());
      break;
    case PointKind::kGuard:
      // The engineering tool opens the project file.
      child.argv = substitute(point.command, placeholders(point, item));
      break;
  }
  result.command = (shifted_clock ? "FAKETIME='" + faketime_spec(*item.at) + "' " : std::string()) +
                   quote_command(child.argv);

  auto ran = run_child(child);
  const std::string eperm = std::strerror(EPERM);  // "Operation not permitted"
  if (!ran) {
    if (spec.kind == PointKind::kExec && ran.error().message.find(eperm) != std::string::npos) {
      result.blocked = true;  // execve() refused by the gate
      result.outcome = "blocked: execve failed with EPERM (" + eperm + ")";
      result.output = ran.error().message;
      return result;
    }
    result.error = ran.error().message;
    result.outcome = "could not be run";
    return result;
  }
  result.exit_status = ran->exit_status;
  result.timed_out = ran->timed_out;
  result.elapsed_ms = static_cast<long>(ran->elapsed.count());
  result.output = first_lines(child.stderr_file, kOutputLines);
  const std::string out = first_lines(child.stdout_file, kOutputLines);
  if (!out.empty()) result.output += (result.output.empty() ? "" : "--- stdout\n") + out;
  const int status = ran->exit_status;
  if (ran->timed_out) {
    result.error = "no answer within " + std::to_string(spec.timeout_seconds) + " s (killed)";
    result.outcome = "timed out";
    return result;
  }

  switch (spec.kind) {
    case PointKind::kVerify:
      if (status == 0) {
        result.outcome = "allowed: signet verify exited 0";
      } else if (status == 1) {
        result.blocked = true;
        result.outcome = "blocked: signet verify exited 1 (denied)";
      } else {
        result.error = "signet verify exited " + std::to_string(status) + " (no decision)";
        result.outcome = "error";
      }
      break;
    case PointKind::kDownload: {
      // Whether the stand-in controller was run is what counts, not the exit status alone (the
      // tool's own status is passed through and may be 1 too).
      const std::string err = read_all(child.stderr_file);
      if (err.find("the download command was not run") != std::string::npos) {
        result.blocked = true;
        result.outcome = "blocked: exit " + std::to_string(status) +
                         ", the controller's download tool was not run";
      } else if (err.find("\n  running: ") != std::string::npos ||
                 err.rfind("  running: ", 0) == 0) {
        result.outcome =
            "allowed: the controller's download tool ran (exit " + std::to_string(status) + ")";
      } else {
        result.error = "the gate exited " + std::to_string(status) + " without a decision";
        result.outcome = "error";
      }
      break;
    }
    case PointKind::kCommand: {
      const bool allowed = std::find(spec.allowed_exit.begin(), spec.allowed_exit.end(), status) !=
                           spec.allowed_exit.end();
      const bool blocked = spec.blocked_exit.empty()
                               ? !allowed
                               : std::find(spec.blocked_exit.begin(), spec.blocked_exit.end(),
                                           status) != spec.blocked_exit.end();
      if (allowed) {
        result.outcome = "allowed: exit " + std::to_string(status);
      } else if (blocked) {
        result.blocked = true;
        result.outcome = "blocked: exit " + std::to_string(status);
      } else {
        result.error = "exit status " + std::to_string(status) +
                       " is neither an allowed nor a blocked status of this command";
        result.outcome = "error";
      }
      break;
    }
    case PointKind::kExec:
    case PointKind::kGuard: {
      // Allowed: it ran (exit 0). Blocked: the open or exec was refused with EPERM, which the
      // interpreter or tool reports. Anything else says nothing about the gate.
      const std::string all = read_all(child.stderr_file) + read_all(child.stdout_file);
      if (status == 0) {
        result.outcome = "allowed: it ran (exit 0)";
      } else if (all.find(eperm) != std::string::npos) {
        result.blocked = true;
        result.outcome = "blocked: exit " + std::to_string(status) + ", the open failed with EPERM";
      } else {
        result.error =
            "exit " + std::to_string(status) + " without EPERM: the gate's answer is unknown";
        result.outcome = "error";
      }
      break;
    }
  }
  return result;
}

}  // namespace signet::validate
