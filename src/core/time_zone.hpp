// Time zones without std::chrono::tzdb (libstdc++ 12 has none): the TZif files of the system's
// tzdata (RFC 8536), read once when a policy is loaded, and the POSIX TZ rule in their footer for
// times after the last listed transition. Lookups are pure: a UTC instant in, the offset in force
// out. Both parsers are bounded and fuzzed (fuzz_time_zone); they use only the standard library.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace signet {

// One kind of local time: "CET" at UTC+1, "CEST" at UTC+2 (daylight saving).
struct LocalTimeType {
  std::int32_t utc_offset = 0;  // seconds east of UTC
  bool is_dst = false;
  std::string abbreviation;
  bool operator==(const LocalTimeType&) const = default;
};

// A POSIX TZ string with the RFC 8536 extensions (rule times from -167 to 167 hours):
// "CET-1CEST,M3.5.0,M10.5.0/3", "<+03>-3", "EST5EDT,M3.2.0,M11.1.0", "UTC0".
class PosixTzRule {
 public:
  [[nodiscard]] static Result<PosixTzRule> parse(std::string_view text);
  // The local time type in force at `utc`.
  [[nodiscard]] LocalTimeType at(TimePoint utc) const;
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

  // A day of the year a rule switches on.
  struct Date {
    enum class Kind { kJulianNoLeap, kZeroBased, kMonthWeekDay };  // Jn, n, Mm.w.d
    Kind kind = Kind::kMonthWeekDay;
    int day = 0;  // Jn: 1..365, n: 0..365, Mm.w.d: weekday 0 (Sunday)..6
    int month = 1;
    int week = 1;
  };

 private:
  PosixTzRule() = default;
  std::string text_;
  LocalTimeType std_;
  std::optional<LocalTimeType> dst_;
  Date start_, end_;
  std::int32_t start_time_ = 7200;  // seconds after local midnight (standard time)
  std::int32_t end_time_ = 7200;    // seconds after local midnight (daylight time)
};

class TimeZone {
 public:
  // Parses a TZif file (versions 1 to 4). Files with leap-second records ("right/" zones) are
  // refused: signet counts POSIX seconds. Malformed or inconsistent input is Errc::kMalformed.
  [[nodiscard]] static Result<TimeZone> from_tzif(std::string name,
                                                  std::span<const std::uint8_t> bytes);
  [[nodiscard]] static TimeZone utc();

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  // The local time type in force at the UTC instant `utc`.
  [[nodiscard]] LocalTimeType at(TimePoint utc) const;

  // Bounds of what from_tzif reads, so that a hostile file cannot make it allocate much.
  static constexpr std::size_t kMaxTransitions = 1u << 16;
  static constexpr std::size_t kMaxTypes = 256;
  static constexpr std::size_t kMaxFooter = 256;

 private:
  TimeZone() = default;
  std::string name_;
  std::vector<std::int64_t> transitions_;  // UTC seconds, strictly ascending
  std::vector<std::uint8_t> transition_types_;
  std::vector<LocalTimeType> types_;  // never empty
  std::optional<PosixTzRule> footer_;
};

// A time zone name as a policy may write it: "UTC", "Europe/Berlin", "America/Argentina/Salta",
// "Etc/GMT+1". Letters, digits, '_', '-', '+' and '/' between non-empty components that do not
// start with '.'; at most 128 characters. Keeps a name from escaping the zoneinfo directory.
[[nodiscard]] bool is_valid_zone_name(std::string_view name) noexcept;

}  // namespace signet
