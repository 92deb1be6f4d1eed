// Maintenance windows, semantic versions, and the policy keys of change control as TOML.
#include <gtest/gtest.h>

#include <memory>

#include "core/file_io.hpp"
#include "policy/policy.hpp"
#include "policy/semver.hpp"
#include "policy/window.hpp"

namespace signet::policy {
namespace {

TimePoint utc(std::string_view text) { return *parse_rfc3339(text); }

std::shared_ptr<const TimeZone> zone(const std::string& name) {
  if (name == "UTC") return std::make_shared<const TimeZone>(TimeZone::utc());
  auto bytes = read_file_bytes("/usr/share/zoneinfo/" + name);
  EXPECT_TRUE(bytes.has_value());
  auto parsed = TimeZone::from_tzif(name, bytes.value_or(Bytes{}));
  EXPECT_TRUE(parsed.has_value());
  return std::make_shared<const TimeZone>(parsed.value_or(TimeZone::utc()));
}

Window make(WindowSpec spec) {
  auto w = make_window(spec, spec.tz.empty() ? nullptr : zone(spec.tz));
  EXPECT_TRUE(w.has_value()) << (w ? "" : w.error().message);
  return w.value_or(Window{});
}

TEST(WindowTest, SameDayWindow) {
  const Window w =
      make({.name = "w", .days = {"tue", "thu"}, .from = "06:00", .to = "07:30", .tz = "UTC"});
  EXPECT_EQ(w.text, "tue,thu 06:00-07:30 UTC");
  EXPECT_FALSE(window_open(w, utc("2026-01-13T05:59:59Z")));  // Tuesday
  EXPECT_TRUE(window_open(w, utc("2026-01-13T06:00:00Z")));
  EXPECT_TRUE(window_open(w, utc("2026-01-15T07:29:59Z")));  // Thursday
  EXPECT_FALSE(window_open(w, utc("2026-01-15T07:30:00Z")));
  EXPECT_FALSE(window_open(w, utc("2026-01-14T06:30:00Z")));  // Wednesday
}

TEST(WindowTest, WholeDayAndMidnight) {
  const Window day =
      make({.name = "w", .days = {"sun"}, .from = "00:00", .to = "24:00", .tz = "UTC"});
  EXPECT_TRUE(window_open(day, utc("2026-01-11T00:00:00Z")));
  EXPECT_TRUE(window_open(day, utc("2026-01-11T23:59:59Z")));
  EXPECT_FALSE(window_open(day, utc("2026-01-12T00:00:00Z")));
  // Saturday night through Sunday morning, and Sunday night into Monday.
  const Window nights =
      make({.name = "w", .days = {"sat", "sun"}, .from = "23:00", .to = "01:00", .tz = "UTC"});
  EXPECT_TRUE(window_open(nights, utc("2026-01-11T00:30:00Z")));   // Sun 00:30 (from Saturday)
  EXPECT_TRUE(window_open(nights, utc("2026-01-12T00:30:00Z")));   // Mon 00:30 (from Sunday)
  EXPECT_FALSE(window_open(nights, utc("2026-01-13T00:30:00Z")));  // Tue 00:30
  EXPECT_FALSE(window_open(nights, utc("2026-01-10T00:30:00Z")));  // Sat 00:30 (Friday not listed)
}

TEST(WindowTest, TimeZonesWithHalfHoursAndSouthernDaylightSaving) {
  const Window kolkata =
      make({.name = "w", .days = {"mon"}, .from = "09:00", .to = "10:00", .tz = "Asia/Kolkata"});
  EXPECT_TRUE(window_open(kolkata, utc("2026-01-12T03:30:00Z")));  // 09:00 IST
  EXPECT_FALSE(window_open(kolkata, utc("2026-01-12T03:29:00Z")));
  const Window sydney = make(
      {.name = "w", .days = {"sat"}, .from = "22:00", .to = "02:00", .tz = "Australia/Sydney"});
  // January: AEDT (+11). Sunday 01:30 local = Saturday 14:30Z.
  EXPECT_TRUE(window_open(sydney, utc("2026-01-10T14:30:00Z")));
  EXPECT_FALSE(window_open(sydney, utc("2026-01-10T15:30:00Z")));  // Sun 02:30 AEDT
  EXPECT_EQ(local_time_text(sydney, utc("2026-01-10T15:30:00Z")), "Sun 02:30 AEDT");
}

TEST(WindowTest, OneOff) {
  const Window w = make(
      {.name = "chg", .start = "2026-11-28T02:00:00+01:00", .end = "2026-11-28T06:00:00+01:00"});
  EXPECT_TRUE(w.one_off());
  EXPECT_EQ(w.text, "2026-11-28T01:00:00Z..2026-11-28T05:00:00Z");
  EXPECT_FALSE(window_open(w, utc("2026-11-28T00:59:59Z")));
  EXPECT_TRUE(window_open(w, utc("2026-11-28T01:00:00Z")));
  EXPECT_TRUE(window_open(w, utc("2026-11-28T04:59:59Z")));
  EXPECT_FALSE(window_open(w, utc("2026-11-28T05:00:00Z")));
}

TEST(WindowTest, FarTimesAreOutside) {
  const Window w = make({.name = "w",
                         .days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
                         .from = "00:00",
                         .to = "24:00",
                         .tz = "UTC"});
  EXPECT_FALSE(
      window_open(w, TimePoint{std::chrono::seconds{std::numeric_limits<std::int64_t>::max()}}));
  EXPECT_FALSE(
      window_open(w, TimePoint{std::chrono::seconds{std::numeric_limits<std::int64_t>::min()}}));
}

TEST(WindowTest, SpecErrors) {
  const auto error = [](WindowSpec spec) {
    spec.name = "w";
    auto valid = validate_window_spec(spec);
    return valid ? std::string() : valid.error().message;
  };
  EXPECT_NE(error({.days = {"sat"}, .from = "22:00", .to = "02:00"}).find("'tz'"),
            std::string::npos);
  EXPECT_NE(error({.days = {"saturday"}, .from = "22:00", .to = "02:00", .tz = "UTC"})
                .find("unknown day"),
            std::string::npos);
  EXPECT_NE(
      error({.days = {"sat", "sat"}, .from = "22:00", .to = "02:00", .tz = "UTC"}).find("twice"),
      std::string::npos);
  EXPECT_NE(error({.days = {"sat"}, .from = "22:00", .to = "22:00", .tz = "UTC"}).find("equal"),
            std::string::npos);
  EXPECT_NE(error({.days = {"sat"}, .from = "24:00", .to = "02:00", .tz = "UTC"}).find("'from'"),
            std::string::npos);
  EXPECT_NE(error({.days = {"sat"}, .from = "2:00", .to = "04:00", .tz = "UTC"}).find("'from'"),
            std::string::npos);
  EXPECT_NE(error({.days = {"sat"}, .from = "02:00", .to = "04:60", .tz = "UTC"}).find("'to'"),
            std::string::npos);
  EXPECT_NE(
      error({.days = {"sat"}, .from = "02:00", .to = "04:00", .tz = "../etc/passwd"}).find("'tz'"),
      std::string::npos);
  EXPECT_NE(error({.days = {"sat"},
                   .from = "02:00",
                   .to = "04:00",
                   .tz = "UTC",
                   .start = "2026-01-01T00:00:00Z",
                   .end = "2026-01-02T00:00:00Z"})
                .find("not both"),
            std::string::npos);
  EXPECT_NE(error({.start = "2026-01-01T00:00:00Z"}).find("both"), std::string::npos);
  EXPECT_NE(
      error({.start = "2026-01-02T00:00:00Z", .end = "2026-01-01T00:00:00Z"}).find("not after"),
      std::string::npos);
  EXPECT_NE(error({.start = "2026-01-01T00:00:00", .end = "2026-01-02T00:00:00Z"}).find("'start'"),
            std::string::npos);
  EXPECT_NE(error({}).find("needs"), std::string::npos);
}

TEST(SemVerTest, Precedence) {
  // The order of semver.org's examples, plus numeric (not textual) comparison.
  const std::vector<std::string_view> ordered = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                                 "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                                 "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                                                 "1.2.0",       "1.10.0",        "2.0.0",
                                                 "10.0.0"};
  for (std::size_t i = 0; i + 1 < ordered.size(); ++i) {
    const auto a = SemVer::parse(ordered[i]);
    const auto b = SemVer::parse(ordered[i + 1]);
    ASSERT_TRUE(a && b) << ordered[i] << " " << ordered[i + 1];
    EXPECT_LT(*a, *b) << ordered[i] << " < " << ordered[i + 1];
    EXPECT_GT(*b, *a);
  }
  EXPECT_EQ(*SemVer::parse("1.0.0+build.1"), *SemVer::parse("1.0.0+build.2"));
  EXPECT_EQ(SemVer::parse("18446744073709551615.0.0"), std::nullopt);  // 20 digits
  EXPECT_TRUE(SemVer::parse("9999999999999999999.0.0").has_value());
}

TEST(SemVerTest, Invalid) {
  for (const std::string_view bad :
       {"", "1", "1.2", "v1.2.3", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "1.2.3-", "1.2.3-01",
        "1.2.3-a..b", "1.2.3+", "1.2.3+a+b", "1.2.3-a_b", " 1.2.3", "1.2.3 ", "a.b.c", "-1.2.3",
        "1.-2.3"}) {
    EXPECT_FALSE(SemVer::parse(bad).has_value()) << bad;
  }
  EXPECT_FALSE(SemVer::parse(std::string(257, '1')).has_value());
  EXPECT_TRUE(SemVer::parse("1.2.3-0.a-b.0").has_value());
}

// ---- the TOML keys
// --------------------------------------------------------------------------------

constexpr std::string_view kHead = R"(
[trust_store.plant]
anchors = ["root.pem"]

[publisher.ot]
store = "plant"
subject = "CN=*"
)";

// Top-level keys must come before the first table.
Result<PolicySpec> parse(std::string_view tail, std::string_view top = "") {
  return parse_policy(std::string(top) + std::string(kHead) + std::string(tail));
}

TEST(ChangeControlKeysTest, Parse) {
  auto spec = parse(R"(
[window.weekly-maint]
days = ["sat"]
from = "22:00"
to   = "02:00"
tz   = "Europe/Berlin"

[window.chg-0415]
start = 2026-11-28T02:00:00+01:00
end   = "2026-11-28T06:00:00+01:00"

[window.native-times]
days = ["mon", "fri"]
from = 06:00:00
to   = 24:00
tz   = "UTC"

[[rule]]
id = "plc"
class = "plc-program"
publishers = ["ot"]
min_signers = 2
require_ticket = true
windows = ["weekly-maint", "chg-0415"]
outside_window = "alert"
rollback = "counter"

[[rule]]
id = "fw"
class = "firmware"
publishers = ["ot"]
rollback = "version"
)");
  ASSERT_FALSE(spec.has_value());  // "to = 24:00" is not TOML: the line is reported
  EXPECT_NE(spec.error().message.find("line"), std::string::npos) << spec.error().message;

  spec = parse(R"(
[window.weekly-maint]
days = ["sat"]
from = "22:00"
to   = "02:00"
tz   = "Europe/Berlin"

[window.chg-0415]
start = 2026-11-28T02:00:00+01:00
end   = "2026-11-28T06:00:00+01:00"

[window.native-times]
days = ["mon", "fri"]
from = 06:00:00
to   = "24:00"
tz   = "UTC"

[[rule]]
id = "plc"
class = "plc-program"
publishers = ["ot"]
min_signers = 2
require_ticket = true
windows = ["weekly-maint", "chg-0415"]
outside_window = "alert"
rollback = "counter"

[[rule]]
id = "fw"
class = "firmware"
publishers = ["ot"]
rollback = "version"
)",
               "state_db = \"state/signet.db\"\n");
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  EXPECT_EQ(spec->state_db, "state/signet.db");
  ASSERT_EQ(spec->windows.size(), 3u);
  EXPECT_EQ(spec->windows[0].name, "weekly-maint");  // file order
  EXPECT_EQ(spec->windows[0].tz, "Europe/Berlin");
  EXPECT_EQ(spec->windows[1].start, "2026-11-28T02:00:00+01:00");
  EXPECT_EQ(spec->windows[2].from, "06:00");
  const auto& plc = spec->rules[0];
  EXPECT_EQ(plc.min_signers, 2);
  EXPECT_TRUE(plc.require_ticket);
  EXPECT_EQ(plc.windows, (std::vector<std::string>{"weekly-maint", "chg-0415"}));
  EXPECT_EQ(plc.outside_window, OutsideWindow::kAlert);
  EXPECT_EQ(plc.rollback, Rollback::kCounter);
  EXPECT_EQ(spec->rules[1].rollback, Rollback::kVersion);
  EXPECT_EQ(spec->rules[1].min_signers, 1);
  EXPECT_FALSE(spec->rules[1].outside_window.has_value());
}

TEST(ChangeControlKeysTest, Errors) {
  const auto error = [](std::string_view tail) {
    auto spec = parse(tail);
    return spec ? std::string("(accepted)") : spec.error().message;
  };
  const std::string rule = "[[rule]]\nid = \"r\"\nclass = \"*\"\npublishers = [\"ot\"]\n";
  EXPECT_NE(error(rule + "min_signers = 0\n").find("'min_signers' must be from 1 to 16"),
            std::string::npos);
  EXPECT_NE(error(rule + "min_signers = 17\n").find("min_signers"), std::string::npos);
  EXPECT_NE(error(rule + "min_signers = \"2\"\n").find("integer"), std::string::npos);
  EXPECT_NE(error(rule + "windows = [\"nope\"]\n").find("undefined window 'nope'"),
            std::string::npos);
  EXPECT_NE(error(rule + "windows = []\n").find("must not be empty"), std::string::npos);
  EXPECT_NE(error(rule + "outside_window = \"alert\"\n").find("needs 'windows'"),
            std::string::npos);
  EXPECT_NE(error(rule + "outside_window = \"warn\"\n").find("\"deny\", \"alert\""),
            std::string::npos);
  EXPECT_NE(error(rule + "rollback = \"date\"\n").find("\"counter\", \"version\""),
            std::string::npos);
  EXPECT_NE(error(rule + "require_ticket = \"yes\"\n").find("boolean"), std::string::npos);
  EXPECT_NE(
      error("[window.w]\ndays = [\"sat\"]\nfrom = \"22:00\"\nto = \"02:00\"\n" + rule).find("'tz'"),
      std::string::npos);
  EXPECT_NE(error("[window.w]\ndays = [\"samstag\"]\n" + rule).find("unknown day 'samstag'"),
            std::string::npos);
  EXPECT_NE(error("[window.w]\nstart = 2026-11-28T02:00:00\nend = 2026-11-28T03:00:00Z\n" + rule)
                .find("needs a UTC offset"),
            std::string::npos);
  EXPECT_NE(error("[window.w]\nfrom = 22:00:30\n" + rule).find("whole minutes"), std::string::npos);
  EXPECT_NE(error("[window.w]\ntz = \"../../etc/shadow\"\n" + rule).find("time zone name"),
            std::string::npos);
  EXPECT_NE(error("[window.w]\ncolour = \"red\"\n" + rule).find("unknown key 'colour'"),
            std::string::npos);
  auto empty_db = parse(rule, "state_db = \"\"\n");
  ASSERT_FALSE(empty_db.has_value());
  EXPECT_NE(empty_db.error().message.find("must not be empty"), std::string::npos);
}

TEST(ChangeControlKeysTest, LoadResolvesZonesAndStateDb) {
  auto spec = parse(R"(
[window.w]
days = ["sat"]
from = "22:00"
to = "02:00"
tz = "Europe/Berlin"
[window.utc]
days = ["sun"]
from = "01:00"
to = "02:00"
tz = "UTC"
[[rule]]
id = "r"
class = "*"
publishers = ["ot"]
windows = ["w", "utc"]
)",
                    "state_db = \"state/signet.db\"\n");
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  spec->trust_stores.clear();  // no anchor files needed for this test
  spec->publishers = {
      {.name = "ot", .minisign_key = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"}};
  auto policy = Policy::from_spec(*spec, "/etc/signet");
  ASSERT_TRUE(policy.has_value()) << policy.error().message;
  EXPECT_EQ(policy->state_db(), std::filesystem::path("/etc/signet/state/signet.db"));
  ASSERT_NE(policy->find_window("w"), nullptr);
  EXPECT_EQ(policy->find_window("w")->zone->name(), "Europe/Berlin");
  EXPECT_EQ(policy->find_window("utc")->zone->name(), "UTC");
  EXPECT_EQ(policy->rules()[0].windows, (std::vector<std::string>{"w", "utc"}));
  // An unknown zone, or a zone directory without it, is a policy error naming the window.
  spec->windows[0].tz = "Mars/Olympus_Mons";
  auto unknown = Policy::from_spec(*spec, "/etc/signet");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("window 'w': tz 'Mars/Olympus_Mons'"), std::string::npos)
      << unknown.error().message;
  spec->windows[0].tz = "Europe/Berlin";
  auto elsewhere = Policy::from_spec(*spec, "/etc/signet", "/nonexistent-zoneinfo");
  EXPECT_FALSE(elsewhere.has_value());
}

}  // namespace
}  // namespace signet::policy
