// Maintenance windows: when a rule lets a change through. Recurring windows ("sat 22:00-02:00" in a
// named time zone, also across midnight and daylight saving changes) are judged in the zone's wall
// clock time; one-off windows are an RFC 3339 [start, end) range. Pure: the time zone rules were
// read when the policy was loaded (core/time_zone.hpp), the time comes from the caller.
// N.B. fuzzed with parse_policy: window.cpp uses only the standard library and core/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "core/time_zone.hpp"

namespace signet::policy {

// [window.NAME] as written: either days + from + to + tz, or start + end.
struct WindowSpec {
  std::string name;
  std::vector<std::string> days;  // "mon" .. "sun"
  std::string from;               // "HH:MM", local time
  std::string to;                 // "HH:MM" or "24:00"; earlier than `from`: ends the next day
  std::string tz;                 // "UTC", "Europe/Berlin", ...
  std::string start;              // RFC 3339 with offset
  std::string end;                // RFC 3339 with offset, after `start`
};

// "mon" -> 1 ... "sun" -> 0 (std::chrono::weekday::c_encoding); nullopt for anything else.
[[nodiscard]] std::optional<unsigned> parse_weekday(std::string_view name) noexcept;
// "HH:MM" -> minutes after midnight; "24:00" only with allow_end_of_day.
[[nodiscard]] std::optional<int> parse_time_of_day(std::string_view text,
                                                   bool allow_end_of_day) noexcept;
// The checks that need the whole table (kind, days, times, zone name, start < end). Errors name
// the window: "window 'weekly-maint': 'from' and 'to' are equal".
[[nodiscard]] Result<void> validate_window_spec(const WindowSpec& spec);

struct Window {
  std::string name;
  std::uint8_t days = 0;  // bit n: weekday n (0 = Sunday)
  int from_minute = 0;    // minutes after local midnight
  int to_minute = 0;      // exclusive; not after from_minute: the window ends the next day
  std::shared_ptr<const TimeZone> zone;  // recurring windows
  std::optional<TimePoint> start;        // one-off windows: [start, end)
  std::optional<TimePoint> end;
  std::string
      text;  // "sat 22:00-02:00 Europe/Berlin", "2026-11-28T01:00:00Z..2026-11-28T05:00:00Z"

  [[nodiscard]] bool one_off() const noexcept { return start.has_value(); }
};

// A Window from a validated spec; `zone` is required for a recurring window.
[[nodiscard]] Result<Window> make_window(const WindowSpec& spec,
                                         std::shared_ptr<const TimeZone> zone);
// Whether the window is open at `now`.
[[nodiscard]] bool window_open(const Window& window, TimePoint now);
// `now` in the window's wall clock: "Sun 02:30 CET" (one-off windows: RFC 3339 UTC).
[[nodiscard]] std::string local_time_text(const Window& window, TimePoint now);

}  // namespace signet::policy
