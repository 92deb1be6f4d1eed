// POSIX TZ rules (the footer of a TZif file, RFC 8536 section 3.3, with its extensions):
// every number is bounded, and instants outside years 1..9999 get standard time.
#include <chrono>
#include <string>

#include "core/time_zone.hpp"

namespace signet {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

std::unexpected<Error> tz_rule_malformed(const std::string& what) {
  return fail(Errc::kMalformed, what);
}

class TzCursor {
 public:
  explicit TzCursor(std::string_view text) : text_(text) {}
  [[nodiscard]] bool done() const noexcept { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const noexcept { return done() ? '\0' : text_[pos_]; }
  bool eat(char c) noexcept {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // "CET" (3+ letters) or "<+0330>" (3+ of letters, digits, '+', '-').
  bool name(std::string& out) {
    out.clear();
    if (eat('<')) {
      while (!done() && peek() != '>') {
        const char c = peek();
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-') return false;
        out.push_back(c);
        ++pos_;
      }
      return eat('>') && out.size() >= 3;
    }
    while (is_alpha(peek())) out.push_back(text_[pos_++]);
    return out.size() >= 3;
  }

  // [+|-]hh[:mm[:ss]] with hh <= max_hours; seconds, signed.
  bool duration(int max_hours, std::int32_t& out) {
    int sign = 1;
    if (eat('-')) {
      sign = -1;
    } else {
      eat('+');
    }
    int hours = 0;
    if (!number(0, max_hours, hours)) return false;
    int minutes = 0;
    int seconds = 0;
    if (eat(':')) {
      if (!two_digits(minutes) || minutes > 59) return false;
      if (eat(':') && (!two_digits(seconds) || seconds > 59)) return false;
    }
    out = sign * (hours * 3600 + minutes * 60 + seconds);
    return true;
  }

  // A decimal number of at most 3 digits within [lo, hi].
  bool number(int lo, int hi, int& out) {
    int value = 0;
    int digits = 0;
    while (is_digit(peek()) && digits < 4) {
      value = value * 10 + (text_[pos_++] - '0');
      ++digits;
    }
    if (digits == 0 || digits > 3 || value < lo || value > hi) return false;
    out = value;
    return true;
  }

  bool date(PosixTzRule::Date& out) {
    using Kind = PosixTzRule::Date::Kind;
    if (eat('J')) {
      out.kind = Kind::kJulianNoLeap;
      return number(1, 365, out.day);
    }
    if (eat('M')) {
      out.kind = Kind::kMonthWeekDay;
      return number(1, 12, out.month) && eat('.') && number(1, 5, out.week) && eat('.') &&
             number(0, 6, out.day);
    }
    out.kind = Kind::kZeroBased;
    return number(0, 365, out.day);
  }

 private:
  static bool is_alpha(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
  bool two_digits(int& out) {
    if (pos_ + 2 > text_.size() || !is_digit(text_[pos_]) || !is_digit(text_[pos_ + 1])) {
      return false;
    }
    out = (text_[pos_] - '0') * 10 + (text_[pos_ + 1] - '0');
    pos_ += 2;
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// 0001-01-01 .. 9999-12-31: the years std::chrono's calendar handles without overflow here.
constexpr std::int64_t kMinCivilSeconds = -62'135'596'800;
constexpr std::int64_t kMaxCivilSeconds = 253'402'300'799;

bool is_leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Seconds since the epoch of local midnight of the rule's day in year `y`.
std::int64_t rule_day_seconds(const PosixTzRule::Date& date, int y) {
  using Kind = PosixTzRule::Date::Kind;
  const std::chrono::year year{y};
  sys_days day{};
  switch (date.kind) {
    case Kind::kJulianNoLeap: {
      // J1..J365, February 29 never counted: J60 is March 1 in every year.
      const int index = date.day - 1 + (is_leap(y) && date.day >= 60 ? 1 : 0);
      day = sys_days{year / std::chrono::January / 1} + days{index};
      break;
    }
    case Kind::kZeroBased:
      day = sys_days{year / std::chrono::January / 1} + days{date.day};
      break;
    case Kind::kMonthWeekDay: {
      const auto month = std::chrono::month{static_cast<unsigned>(date.month)};
      const sys_days first{year / month / 1};
      const int first_weekday = static_cast<int>(std::chrono::weekday{first}.c_encoding());
      int offset = (date.day - first_weekday + 7) % 7 + (date.week - 1) * 7;
      const int last =
          static_cast<int>(static_cast<unsigned>((year / month / std::chrono::last).day()));
      while (offset >= last) offset -= 7;  // week 5 = the last such weekday of the month
      day = first + days{offset};
      break;
    }
  }
  return std::chrono::duration_cast<std::chrono::seconds>(day.time_since_epoch()).count();
}

}  // namespace

// ---- PosixTzRule --------------------------------------------------------------------------------

Result<PosixTzRule> PosixTzRule::parse(std::string_view text) {
  if (text.empty() || text.size() > TimeZone::kMaxFooter) {
    return tz_rule_malformed("TZ rule is empty or too long");
  }
  const auto bad = [&](const char* what) {
    return tz_rule_malformed("TZ rule '" + std::string(text) + "': " + what);
  };
  PosixTzRule rule;
  rule.text_ = std::string(text);
  TzCursor in(text);
  std::int32_t std_offset = 0;
  if (!in.name(rule.std_.abbreviation)) return bad("bad standard time name");
  if (!in.duration(24, std_offset)) return bad("bad standard time offset");
  rule.std_.utc_offset = -std_offset;  // POSIX counts west of UTC
  if (in.done()) return rule;

  LocalTimeType dst{.utc_offset = rule.std_.utc_offset + 3600, .is_dst = true, .abbreviation = {}};
  if (!in.name(dst.abbreviation)) return bad("bad daylight time name");
  if (in.peek() != ',' && !in.done()) {
    std::int32_t dst_offset = 0;
    if (!in.duration(24, dst_offset)) return bad("bad daylight time offset");
    dst.utc_offset = -dst_offset;
  }
  // POSIX leaves a missing rule to the implementation; a TZif footer always has one.
  if (!in.eat(',')) return bad("daylight time without a rule");
  if (!in.date(rule.start_)) return bad("bad start date");
  if (in.eat('/') && !in.duration(167, rule.start_time_)) return bad("bad start time");
  if (!in.eat(',')) return bad("missing end date");
  if (!in.date(rule.end_)) return bad("bad end date");
  if (in.eat('/') && !in.duration(167, rule.end_time_)) return bad("bad end time");
  if (!in.done()) return bad("trailing characters");
  rule.dst_ = std::move(dst);
  return rule;
}

LocalTimeType PosixTzRule::at(TimePoint utc) const {
  const std::int64_t t = utc.time_since_epoch().count();
  if (!dst_ || t < kMinCivilSeconds + 2 * 86'400 || t > kMaxCivilSeconds - 2 * 86'400) return std_;
  const auto local_day =
      std::chrono::floor<days>(TimePoint{std::chrono::seconds{t + std_.utc_offset}});
  const int y = static_cast<int>(year_month_day{local_day}.year());
  // Transition instants in UTC: the start time is given in standard time, the end in daylight time.
  const std::int64_t start = rule_day_seconds(start_, y) + start_time_ - std_.utc_offset;
  const std::int64_t end = rule_day_seconds(end_, y) + end_time_ - dst_->utc_offset;
  const bool in_dst = start < end ? (t >= start && t < end) : (t < end || t >= start);
  return in_dst ? *dst_ : std_;
}

}  // namespace signet
