// TZif files (RFC 8536) from Debian's tzdata and POSIX TZ rules; hostile input is refused.
#include "core/time_zone.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/file_io.hpp"

namespace signet {
namespace {

TimePoint utc(std::string_view text) { return *parse_rfc3339(text); }

TimeZone load(const std::string& name) {
  auto bytes = read_file_bytes(std::filesystem::path("/usr/share/zoneinfo") / name);
  EXPECT_TRUE(bytes.has_value()) << name << " (tzdata installed?)";
  auto zone = TimeZone::from_tzif(name, bytes.value_or(Bytes{}));
  EXPECT_TRUE(zone.has_value()) << name << ": " << (zone ? "" : zone.error().message);
  return zone.value_or(TimeZone::utc());
}

TEST(TimeZoneTest, Berlin) {
  const TimeZone berlin = load("Europe/Berlin");
  EXPECT_EQ(berlin.name(), "Europe/Berlin");
  EXPECT_EQ(berlin.at(utc("2026-01-11T00:30:00Z")), (LocalTimeType{3600, false, "CET"}));
  EXPECT_EQ(berlin.at(utc("2026-07-12T00:30:00Z")), (LocalTimeType{7200, true, "CEST"}));
  // The transitions of 2026 happen at 01:00Z on the last Sundays of March and October.
  EXPECT_EQ(berlin.at(utc("2026-03-29T00:59:59Z")).utc_offset, 3600);
  EXPECT_EQ(berlin.at(utc("2026-03-29T01:00:00Z")).utc_offset, 7200);
  EXPECT_EQ(berlin.at(utc("2026-10-25T00:59:59Z")).utc_offset, 7200);
  EXPECT_EQ(berlin.at(utc("2026-10-25T01:00:00Z")).utc_offset, 3600);
  // After the last listed transition the footer rule ("CET-1CEST,M3.5.0,M10.5.0/3") applies.
  EXPECT_EQ(berlin.at(utc("2100-03-28T00:59:59Z")).utc_offset, 3600);
  EXPECT_EQ(berlin.at(utc("2100-03-28T01:00:00Z")).utc_offset, 7200);
  EXPECT_EQ(berlin.at(utc("2100-10-31T00:59:59Z")).utc_offset, 7200);
  EXPECT_EQ(berlin.at(utc("2100-10-31T01:00:00Z")).utc_offset, 3600);
  // Before 1893 Berlin kept local mean time (+0:53:28).
  EXPECT_EQ(berlin.at(utc("1850-01-01T00:00:00Z")).utc_offset, 3208);
}

TEST(TimeZoneTest, SouthernHemisphereAndAmericas) {
  const TimeZone sydney = load("Australia/Sydney");
  EXPECT_EQ(sydney.at(utc("2060-01-15T00:00:00Z")).utc_offset, 11 * 3600);  // summer: DST
  EXPECT_TRUE(sydney.at(utc("2060-01-15T00:00:00Z")).is_dst);
  EXPECT_EQ(sydney.at(utc("2060-07-15T00:00:00Z")).utc_offset, 10 * 3600);
  const TimeZone new_york = load("America/New_York");
  EXPECT_EQ(new_york.at(utc("2060-07-04T12:00:00Z")).abbreviation, "EDT");
  EXPECT_EQ(new_york.at(utc("2060-12-25T12:00:00Z")).utc_offset, -5 * 3600);
  const TimeZone kolkata = load("Asia/Kolkata");
  EXPECT_EQ(kolkata.at(utc("2026-05-01T00:00:00Z")).utc_offset, 5 * 3600 + 1800);
  const TimeZone utc_file = load("Etc/UTC");
  EXPECT_EQ(utc_file.at(utc("2026-05-01T00:00:00Z")).utc_offset, 0);
  EXPECT_EQ(TimeZone::utc().at(utc("2026-05-01T00:00:00Z")).abbreviation, "UTC");
}

TEST(TimeZoneTest, PosixRules) {
  const auto at = [](std::string_view rule, std::string_view when) {
    auto parsed = PosixTzRule::parse(rule);
    EXPECT_TRUE(parsed.has_value()) << rule << ": " << (parsed ? "" : parsed.error().message);
    return parsed ? parsed->at(utc(when)) : LocalTimeType{};
  };
  EXPECT_EQ(at("UTC0", "2026-01-01T00:00:00Z").utc_offset, 0);
  EXPECT_EQ(at("<+03>-3", "2026-01-01T00:00:00Z"), (LocalTimeType{10800, false, "+03"}));
  EXPECT_EQ(at("<-0330>3:30", "2026-01-01T00:00:00Z").utc_offset, -12600);
  // US rules: second Sunday of March 2:00 local standard, first Sunday of November 2:00 daylight.
  EXPECT_EQ(at("EST5EDT,M3.2.0,M11.1.0", "2026-03-08T06:59:59Z").utc_offset, -5 * 3600);
  EXPECT_EQ(at("EST5EDT,M3.2.0,M11.1.0", "2026-03-08T07:00:00Z").utc_offset, -4 * 3600);
  EXPECT_EQ(at("EST5EDT,M3.2.0,M11.1.0", "2026-11-01T05:59:59Z").utc_offset, -4 * 3600);
  EXPECT_EQ(at("EST5EDT,M3.2.0,M11.1.0", "2026-11-01T06:00:00Z").utc_offset, -5 * 3600);
  // Julian days without (J) and with (n) February 29, in a leap year: J60 = March 1, 59 = Feb 29.
  EXPECT_EQ(at("XST-1XDT,J60/0,J300/0", "2028-02-29T22:59:59Z").utc_offset, 3600);
  EXPECT_EQ(at("XST-1XDT,J60/0,J300/0", "2028-02-29T23:00:00Z").utc_offset, 7200);
  EXPECT_EQ(at("XST-1XDT,59/0,300/0", "2028-02-28T23:00:00Z").utc_offset, 7200);
  // RFC 8536 extension: rule times beyond 24 h and negative ("all year DST" encoding).
  EXPECT_TRUE(at("EST5EDT,0/0,J365/25", "2026-06-01T00:00:00Z").is_dst);
  EXPECT_TRUE(at("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", "2026-06-01T00:00:00Z").is_dst);
  // Southern hemisphere: DST across the new year.
  EXPECT_TRUE(at("AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-01-01T00:00:00Z").is_dst);
  EXPECT_FALSE(at("AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-07-01T00:00:00Z").is_dst);
  // Far outside the calendar: standard time, no overflow.
  EXPECT_EQ(PosixTzRule::parse("CET-1CEST,M3.5.0,M10.5.0/3")
                ->at(TimePoint{std::chrono::seconds{std::numeric_limits<std::int64_t>::max()}})
                .utc_offset,
            3600);
}

TEST(TimeZoneTest, BadPosixRules) {
  for (const std::string_view bad :
       {"", "C", "CE-1", "CET", "CET-25", "CET-1CEST", "CET-1CEST,M3.5.0",
        "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,J0,J10", "CET-1CEST,366,10", "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1:60", "<AB>1",
        "<A B C>1", "CET-1CEST,M3.5.0,M10.5.0x", "CET-0001", "<+03-3"}) {
    EXPECT_FALSE(PosixTzRule::parse(bad).has_value()) << bad;
  }
}

TEST(TimeZoneTest, HostileTzifIsRefused) {
  auto bytes = read_file_bytes("/usr/share/zoneinfo/Europe/Berlin");
  ASSERT_TRUE(bytes.has_value());
  // Every truncation fails cleanly.
  for (std::size_t n = 0; n < bytes->size(); ++n) {
    EXPECT_FALSE(
        TimeZone::from_tzif("x", std::span<const std::uint8_t>(bytes->data(), n)).has_value())
        << n;
  }
  auto trailing = *bytes;
  trailing.push_back('x');
  EXPECT_FALSE(TimeZone::from_tzif("x", trailing).has_value());
  auto magic = *bytes;
  magic[0] = 'X';
  EXPECT_FALSE(TimeZone::from_tzif("x", magic).has_value());
  // A header claiming 2^32-1 transitions.
  auto huge = *bytes;
  for (std::size_t i = 32; i < 36; ++i) huge[i] = 0xff;
  EXPECT_FALSE(TimeZone::from_tzif("x", huge).has_value());
  // Flipping each byte of the header and of the start of the data never crashes.
  for (std::size_t i = 0; i < std::min<std::size_t>(bytes->size(), 400); ++i) {
    auto flipped = *bytes;
    flipped[i] ^= 0xa5;
    const auto zone = TimeZone::from_tzif("x", flipped);
    if (zone) (void)zone->at(TimePoint{std::chrono::seconds{1'800'000'000}});
  }
  // Leap-second ("right/") zones are refused, with a reason.
  if (std::filesystem::exists("/usr/share/zoneinfo/right/Europe/Berlin")) {
    auto right = read_file_bytes("/usr/share/zoneinfo/right/Europe/Berlin");
    ASSERT_TRUE(right.has_value());
    const auto zone = TimeZone::from_tzif("right/Europe/Berlin", *right);
    ASSERT_FALSE(zone.has_value());
    EXPECT_NE(zone.error().message.find("leap"), std::string::npos);
  }
}

TEST(TimeZoneTest, ZoneNames) {
  for (const std::string_view good : {"UTC", "Europe/Berlin", "America/Argentina/Salta",
                                      "Etc/GMT+1", "Etc/GMT-14", "America/Port-au-Prince"}) {
    EXPECT_TRUE(is_valid_zone_name(good)) << good;
  }
  for (const std::string_view bad : std::initializer_list<std::string_view>{
           "", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe//Berlin",
           "Europe/Berlin/", ".hidden", "Europe/Ber lin", "Europe/Berlin\n",
           std::string_view("a\0b", 3)}) {
    EXPECT_FALSE(is_valid_zone_name(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_zone_name(std::string(129, 'a')));
}

}  // namespace
}  // namespace signet
