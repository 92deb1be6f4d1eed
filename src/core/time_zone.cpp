// TZif (RFC 8536) and POSIX TZ rules. Every count in a TZif header is checked against the bytes
// that are really there before anything is allocated; every number in a TZ string is bounded.
#include "core/time_zone.hpp"

#include <algorithm>
#include <array>

namespace signet {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

std::unexpected<Error> malformed(const std::string& what) {
  return fail(Errc::kMalformed, what);
}

// ---- POSIX TZ strings ---------------------------------------------------------------------

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
      const int last = static_cast<int>(static_cast<unsigned>((year / month / std::chrono::last).day()));
      while (offset >= last) offset -= 7;  // week 5 = the last such weekday of the month
      day = first + days{offset};
      break;
    }
  }
  return std::chrono::duration_cast<std::chrono::seconds>(day.time_since_epoch()).count();
}

// ---- TZif ------------------------------------------------------------------------------------

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  [[nodiscard]] std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  bool skip(std::uint64_t n) noexcept {
    if (n > remaining()) return false;
    pos_ += static_cast<std::size_t>(n);
    return true;
  }
  bool u8(std::uint8_t& out) noexcept {
    if (remaining() < 1) return false;
    out = bytes_[pos_++];
    return true;
  }
  bool be32(std::uint32_t& out) noexcept {
    if (remaining() < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) out = (out << 8) | bytes_[pos_++];
    return true;
  }
  bool be64(std::uint64_t& out) noexcept {
    if (remaining() < 8) return false;
    out = 0;
    for (int i = 0; i < 8; ++i) out = (out << 8) | bytes_[pos_++];
    return true;
  }
  [[nodiscard]] std::span<const std::uint8_t> rest() const noexcept { return bytes_.subspan(pos_); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

  [[nodiscard]] std::uint64_t block_size(std::uint64_t time_size) const noexcept {
    return std::uint64_t{timecnt} * time_size + timecnt + std::uint64_t{typecnt} * 6 + charcnt +
           std::uint64_t{leapcnt} * (time_size + 4) + isstdcnt + isutcnt;
  }
};

Result<TzifHeader> read_header(ByteReader& in) {
  std::array<std::uint8_t, 5> magic{};
  for (auto& b : magic) {
    if (!in.u8(b)) return malformed("TZif: truncated header");
  }
  if (magic[0] != 'T' || magic[1] != 'Z' || magic[2] != 'i' || magic[3] != 'f') {
    return malformed("not a TZif file (no 'TZif' magic)");
  }
  TzifHeader h;
  h.version = static_cast<char>(magic[4]);
  if (h.version != 0 && (h.version < '2' || h.version > '4')) {
    return malformed("TZif: unknown version byte " + std::to_string(magic[4]));
  }
  if (!in.skip(15) || !in.be32(h.isutcnt) || !in.be32(h.isstdcnt) || !in.be32(h.leapcnt) ||
      !in.be32(h.timecnt) || !in.be32(h.typecnt) || !in.be32(h.charcnt)) {
    return malformed("TZif: truncated header");
  }
  return h;
}

Result<void> check_counts(const TzifHeader& h) {
  if (h.typecnt == 0) return malformed("TZif: no local time types");
  if (h.typecnt > TimeZone::kMaxTypes) return malformed("TZif: too many local time types");
  if (h.timecnt > TimeZone::kMaxTransitions) return malformed("TZif: too many transitions");
  if (h.charcnt == 0 || h.charcnt > 4096) return malformed("TZif: bad designation length");
  if (h.isutcnt != 0 && h.isutcnt != h.typecnt) return malformed("TZif: bad isutcnt");
  if (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) return malformed("TZif: bad isstdcnt");
  if (h.leapcnt != 0) {
    return malformed("TZif: leap-second records (a \"right/\" zone) are not supported");
  }
  return {};
}

struct TzifData {
  std::vector<std::int64_t> transitions;
  std::vector<std::uint8_t> types_of_transitions;
  std::vector<LocalTimeType> types;
};

Result<TzifData> read_block(ByteReader& in, const TzifHeader& h, bool wide) {
  if (auto counts = check_counts(h); !counts) return std::unexpected(counts.error());
  if (h.block_size(wide ? 8 : 4) > in.remaining()) return malformed("TZif: truncated data block");
  TzifData data;
  data.transitions.reserve(h.timecnt);
  for (std::uint32_t i = 0; i < h.timecnt; ++i) {
    std::int64_t t = 0;
    if (wide) {
      std::uint64_t raw = 0;
      (void)in.be64(raw);
      t = static_cast<std::int64_t>(raw);
    } else {
      std::uint32_t raw = 0;
      (void)in.be32(raw);
      t = static_cast<std::int32_t>(raw);
    }
    if (!data.transitions.empty() && t <= data.transitions.back()) {
      return malformed("TZif: transition times are not ascending");
    }
    data.transitions.push_back(t);
  }
  data.types_of_transitions.resize(h.timecnt);
  for (auto& type : data.types_of_transitions) {
    (void)in.u8(type);
    if (type >= h.typecnt) return malformed("TZif: transition names an undefined time type");
  }
  struct RawType {
    std::int32_t offset;
    std::uint8_t dst;
    std::uint8_t index;
  };
  std::vector<RawType> raw(h.typecnt);
  for (auto& type : raw) {
    std::uint32_t offset = 0;
    (void)in.be32(offset);
    (void)in.u8(type.dst);
    (void)in.u8(type.index);
    type.offset = static_cast<std::int32_t>(offset);
    // RFC 8536: -89999 .. 93599 (just under -25 h and 26 h).
    if (type.offset < -89'999 || type.offset > 93'599) return malformed("TZif: UTC offset out of range");
    if (type.dst > 1) return malformed("TZif: bad isdst flag");
    if (type.index >= h.charcnt) return malformed("TZif: designation index out of range");
  }
  const auto chars = in.rest().first(h.charcnt);
  (void)in.skip(h.charcnt);
  for (const auto& type : raw) {
    std::string abbreviation;
    std::size_t i = type.index;
    for (; i < chars.size() && chars[i] != 0; ++i) {
      if (chars[i] < 0x20 || chars[i] > 0x7e) return malformed("TZif: non-ASCII designation");
      abbreviation.push_back(static_cast<char>(chars[i]));
    }
    if (i == chars.size()) return malformed("TZif: designation is not NUL-terminated");
    data.types.push_back({type.offset, type.dst == 1, std::move(abbreviation)});
  }
  // Standard/wall and UT/local indicators: only meaningful for POSIX-style rules; checked, unused.
  for (std::uint64_t i = 0; i < std::uint64_t{h.isstdcnt} + h.isutcnt; ++i) {
    std::uint8_t flag = 0;
    (void)in.u8(flag);
    if (flag > 1) return malformed("TZif: bad indicator");
  }
  return data;
}

}  // namespace

// ---- PosixTzRule --------------------------------------------------------------------------------

Result<PosixTzRule> PosixTzRule::parse(std::string_view text) {
  if (text.empty() || text.size() > TimeZone::kMaxFooter) {
    return malformed("TZ rule is empty or too long");
  }
  const auto bad = [&](const char* what) {
    return malformed("TZ rule '" + std::string(text) + "': " + what);
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

// ---- TimeZone -------------------------------------------------------------------------------------

Result<TimeZone> TimeZone::from_tzif(std::string name, std::span<const std::uint8_t> bytes) {
  ByteReader in(bytes);
  auto v1 = read_header(in);
  if (!v1) return std::unexpected(v1.error());
  TzifData data;
  std::optional<PosixTzRule> footer;
  if (v1->version == 0) {
    auto block = read_block(in, *v1, /*wide=*/false);
    if (!block) return std::unexpected(block.error());
    data = std::move(*block);
  } else {
    // The version-1 block is for old readers: skipped (after a size check), never interpreted.
    if (v1->block_size(4) > in.remaining() || !in.skip(v1->block_size(4))) {
      return malformed("TZif: truncated version 1 data block");
    }
    auto v2 = read_header(in);
    if (!v2) return std::unexpected(v2.error());
    if (v2->version != v1->version) return malformed("TZif: the two headers disagree on the version");
    auto block = read_block(in, *v2, /*wide=*/true);
    if (!block) return std::unexpected(block.error());
    data = std::move(*block);
    // Footer: "\n" TZ-string "\n"; an empty TZ string means no rule.
    std::uint8_t newline = 0;
    if (!in.u8(newline) || newline != '\n') return malformed("TZif: missing footer");
    std::string text;
    std::uint8_t c = 0;
    while (in.u8(c) && c != '\n') {
      if (text.size() >= kMaxFooter) return malformed("TZif: footer too long");
      text.push_back(static_cast<char>(c));
    }
    if (c != '\n') return malformed("TZif: unterminated footer");
    if (!text.empty()) {
      auto rule = PosixTzRule::parse(text);
      if (!rule) return std::unexpected(rule.error());
      footer = std::move(*rule);
    }
  }
  if (in.remaining() != 0) return malformed("TZif: trailing bytes after the data");
  TimeZone zone;
  zone.name_ = std::move(name);
  zone.transitions_ = std::move(data.transitions);
  zone.transition_types_ = std::move(data.types_of_transitions);
  zone.types_ = std::move(data.types);
  zone.footer_ = std::move(footer);
  return zone;
}

TimeZone TimeZone::utc() {
  TimeZone zone;
  zone.name_ = "UTC";
  zone.types_.push_back({0, false, "UTC"});
  return zone;
}

LocalTimeType TimeZone::at(TimePoint utc) const {
  const std::int64_t t = utc.time_since_epoch().count();
  if (transitions_.empty()) return footer_ ? footer_->at(utc) : types_.front();
  if (t < transitions_.front()) return types_.front();
  if (t >= transitions_.back() && footer_) return footer_->at(utc);
  const auto after = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  const auto index = static_cast<std::size_t>(after - transitions_.begin()) - 1;
  return types_[transition_types_[index]];
}

bool is_valid_zone_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 128) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || part.front() == '.') return false;
    for (const char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '+';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace signet
