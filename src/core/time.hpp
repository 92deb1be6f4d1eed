// Times are std::chrono::sys_seconds in UTC everywhere inside signet; text uses RFC 3339.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace signet {

using TimePoint = std::chrono::sys_seconds;

// Accepts "2026-11-27T10:00:00Z", fractional seconds, and numeric offsets ("+01:00").
[[nodiscard]] Result<TimePoint> parse_rfc3339(std::string_view text);
// "2026-11-27T10:00:00Z"
[[nodiscard]] std::string format_rfc3339(TimePoint t);

}  // namespace signet
