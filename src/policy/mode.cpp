// Names of the policy enums as they appear in policy files, decisions and events.
#include "policy/policy.hpp"

namespace signet::policy {

std::string_view mode_name(Mode mode) noexcept {
  switch (mode) {
    case Mode::kEnforce:
      return "enforce";
    case Mode::kAudit:
      return "audit";
  }
  return "enforce";
}

std::string_view verify_time_name(VerifyTime v) noexcept {
  switch (v) {
    case VerifyTime::kTimestamp:
      return "timestamp";
    case VerifyTime::kNow:
      return "now";
    case VerifyTime::kIgnoreExpiry:
      return "ignore-expiry";
  }
  return "timestamp";
}

std::string_view outside_window_name(OutsideWindow v) noexcept {
  return v == OutsideWindow::kAlert ? "alert" : "deny";
}

std::string_view rollback_name(Rollback v) noexcept {
  return v == Rollback::kVersion ? "version" : "counter";
}

}  // namespace signet::policy
