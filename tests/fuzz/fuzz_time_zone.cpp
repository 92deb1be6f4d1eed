// Fuzzes the time zone readers: the input as a TZif file (RFC 8536) and as a POSIX TZ rule, then
// asks each for the local time at a few instants (calendar edges included). Time zone files come
// from the system's tzdata, but a policy may name any file there, and a damaged or hostile file
// must be refused, never crash the gate.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "core/time_zone.hpp"

namespace {

constexpr std::int64_t kInstants[] = {std::numeric_limits<std::int64_t>::min(),
                                      -62'135'596'800,
                                      -1,
                                      0,
                                      1'767'225'600,
                                      2'147'483'647,
                                      4'102'444'800,
                                      253'402'300'799,
                                      std::numeric_limits<std::int64_t>::max()};

template <class Zone>
void probe(const Zone& zone) {
  for (const std::int64_t t : kInstants) {
    const auto type = zone.at(signet::TimePoint{std::chrono::seconds{t}});
    if (type.utc_offset < -200'000 || type.utc_offset > 200'000) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto zone = signet::TimeZone::from_tzif("fuzz", {data, size});
  if (zone) {
    probe(*zone);
  } else if (zone.error().message.empty()) {
    std::abort();  // every rejection says why
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto rule = signet::PosixTzRule::parse(text);
  if (rule) probe(*rule);
  (void)signet::is_valid_zone_name(text);
  return 0;
}
