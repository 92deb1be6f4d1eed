#include "policy/window.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <utility>

namespace signet::policy {
namespace {

constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};
constexpr std::array<std::string_view, 7> kDayLabels = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
// 0001-01-01 .. 9999-12-31, well inside what std::chrono's calendar handles.
constexpr std::int64_t kMinSeconds = -62'135'596'800 + 2 * 86'400;
constexpr std::int64_t kMaxSeconds = 253'402'300'799 - 2 * 86'400;

std::unexpected<Error> invalid(const WindowSpec& spec, const std::string& what) {
  return fail(Errc::kPolicyInvalid, "window '" + spec.name + "': " + what);
}

std::string hhmm(int minutes) {
  char buf[24];  // room for any int pair, though minutes of a day give "HH:MM"
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

struct Local {
  unsigned weekday;  // 0 = Sunday
  int minute;        // after local midnight
  LocalTimeType type;
};

std::optional<Local> local_time(const Window& window, TimePoint now) {
  const std::int64_t t = now.time_since_epoch().count();
  if (t < kMinSeconds || t > kMaxSeconds || !window.zone) return std::nullopt;
  LocalTimeType type = window.zone->at(now);
  const TimePoint local{std::chrono::seconds{t + type.utc_offset}};
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const auto since_midnight = std::chrono::duration_cast<std::chrono::minutes>(local - day);
  return Local{std::chrono::weekday{day}.c_encoding(), static_cast<int>(since_midnight.count()),
               std::move(type)};
}

}  // namespace

std::optional<unsigned> parse_weekday(std::string_view name) noexcept {
  for (unsigned i = 0; i < kDayNames.size(); ++i) {
    if (kDayNames[i] == name) return i;
  }
  return std::nullopt;
}

std::optional<int> parse_time_of_day(std::string_view text, bool allow_end_of_day) noexcept {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (const std::size_t i : {0u, 1u, 3u, 4u}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours == 24 && minutes == 0 && allow_end_of_day) return 24 * 60;
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

Result<void> validate_window_spec(const WindowSpec& spec) {
  const bool recurring =
      !spec.days.empty() || !spec.from.empty() || !spec.to.empty() || !spec.tz.empty();
  const bool one_off = !spec.start.empty() || !spec.end.empty();
  if (recurring && one_off) {
    return invalid(spec,
                   "is either recurring (days, from, to, tz) or one-off (start, end), "
                   "not both");
  }
  if (one_off) {
    if (spec.start.empty() || spec.end.empty())
      return invalid(spec, "needs both 'start' and 'end'");
    auto start = parse_rfc3339(spec.start);
    if (!start) return invalid(spec, "'start': " + start.error().message);
    auto end = parse_rfc3339(spec.end);
    if (!end) return invalid(spec, "'end': " + end.error().message);
    if (*end <= *start) return invalid(spec, "'end' is not after 'start'");
    return {};
  }
  if (spec.days.empty() || spec.from.empty() || spec.to.empty() || spec.tz.empty()) {
    return invalid(spec, "needs 'days', 'from', 'to' and 'tz' (or 'start' and 'end')");
  }
  std::uint8_t seen = 0;
  for (const auto& day : spec.days) {
    const auto index = parse_weekday(day);
    if (!index) {
      return invalid(spec,
                     "'days': unknown day '" + day + "' (use mon, tue, wed, thu, fri, sat, sun)");
    }
    if ((seen & (1u << *index)) != 0) return invalid(spec, "'days' names '" + day + "' twice");
    seen = static_cast<std::uint8_t>(seen | (1u << *index));
  }
  const auto from = parse_time_of_day(spec.from, false);
  if (!from)
    return invalid(spec, "'from' must be \"HH:MM\" (00:00 to 23:59), not \"" + spec.from + "\"");
  const auto to = parse_time_of_day(spec.to, true);
  if (!to) return invalid(spec, "'to' must be \"HH:MM\" (00:00 to 24:00), not \"" + spec.to + "\"");
  if (*from == *to) {
    return invalid(spec,
                   "'from' and 'to' are equal (a whole day is from = \"00:00\", to = \"24:00\")");
  }
  if (!is_valid_zone_name(spec.tz)) {
    return invalid(spec, "'tz' is not a time zone name such as \"UTC\" or \"Europe/Berlin\"");
  }
  return {};
}

Result<Window> make_window(const WindowSpec& spec, std::shared_ptr<const TimeZone> zone) {
  if (auto valid = validate_window_spec(spec); !valid) return std::unexpected(valid.error());
  Window window;
  window.name = spec.name;
  if (!spec.start.empty()) {
    window.start = *parse_rfc3339(spec.start);
    window.end = *parse_rfc3339(spec.end);
    window.text = format_rfc3339(*window.start) + ".." + format_rfc3339(*window.end);
    return window;
  }
  if (!zone) return invalid(spec, "time zone '" + spec.tz + "' is not loaded");
  for (const auto& day : spec.days) {
    window.days = static_cast<std::uint8_t>(window.days | (1u << *parse_weekday(day)));
  }
  window.from_minute = *parse_time_of_day(spec.from, false);
  window.to_minute = *parse_time_of_day(spec.to, true);
  window.zone = std::move(zone);
  std::string days;
  for (const auto& day : spec.days) days += (days.empty() ? "" : ",") + day;
  window.text = days + " " + spec.from + "-" + spec.to + " " + spec.tz;
  return window;
}

bool window_open(const Window& window, TimePoint now) {
  if (window.one_off()) return window.end && *window.start <= now && now < *window.end;
  const auto local = local_time(window, now);
  if (!local) return false;  // fail closed: a time the calendar cannot place is outside
  const auto on = [&](unsigned weekday) { return (window.days & (1u << weekday)) != 0; };
  if (window.from_minute < window.to_minute) {
    return on(local->weekday) && local->minute >= window.from_minute &&
           local->minute < window.to_minute;
  }
  // Crosses midnight: opened on a listed day at `from`, closes on the next day at `to`.
  return (on(local->weekday) && local->minute >= window.from_minute) ||
         (on((local->weekday + 6) % 7) && local->minute < window.to_minute);
}

std::string local_time_text(const Window& window, TimePoint now) {
  if (window.one_off()) return format_rfc3339(now);
  const auto local = local_time(window, now);
  if (!local) return format_rfc3339(now);
  return std::string(kDayLabels[local->weekday]) + " " + hhmm(local->minute) + " " +
         local->type.abbreviation;
}

}  // namespace signet::policy
