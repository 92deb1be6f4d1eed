#include "core/time.hpp"

#include <charconv>
#include <cstdio>

namespace signet {
namespace {

bool read_int(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  const auto* first = text.data() + pos;
  return std::from_chars(first, first + len, out).ec == std::errc{};
}

}  // namespace

Result<TimePoint> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const bool shape = text.size() >= 20 && text[4] == '-' && text[7] == '-' &&
                     (text[10] == 'T' || text[10] == 't' || text[10] == ' ') && text[13] == ':' &&
                     text[16] == ':';
  if (!shape || !read_int(text, 0, 4, year) || !read_int(text, 5, 2, month) ||
      !read_int(text, 8, 2, day) || !read_int(text, 11, 2, hour) ||
      !read_int(text, 14, 2, minute) || !read_int(text, 17, 2, second)) {
    return fail(Errc::kUsage, "not an RFC 3339 time: '" + std::string(text) + "'");
  }
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t digits = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == digits) return fail(Errc::kUsage, "RFC 3339 time has an empty fraction");
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) {
    offset_minutes = 0;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
             text[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!read_int(text, pos + 1, 2, oh) || !read_int(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return fail(Errc::kUsage, "bad UTC offset in '" + std::string(text) + "'");
    }
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
  } else {
    return fail(Errc::kUsage, "RFC 3339 time needs 'Z' or an offset: '" + std::string(text) + "'");
  }
  const year_month_day ymd{std::chrono::year{year},
                           std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    return fail(Errc::kUsage, "date or time out of range: '" + std::string(text) + "'");
  }
  const auto local = sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second};
  return time_point_cast<seconds>(local - minutes{offset_minutes});
}

std::string format_rfc3339(TimePoint t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace signet
