// Fuzzes the evidence bundle tar reader (`signet verify BUNDLE.tar`) and the spool frame parser.
// Checks that every entry lies inside the archive and that what the writer makes reads back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "telemetry/spool.hpp"
#include "telemetry/ustar.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> archive(data, size);
  if (auto entries = signet::telemetry::read_ustar(archive)) {
    std::vector<signet::telemetry::TarMember> members;
    for (const auto& e : *entries) {
      if (e.data.data() < data || e.data.data() + e.data.size() > data + size) std::abort();
      if (e.name.size() <= 100) members.push_back({e.name, {e.data.begin(), e.data.end()}});
    }
    auto again = signet::telemetry::write_ustar(members, 0);
    if (!again || !signet::telemetry::read_ustar(*again)) std::abort();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto frames = signet::telemetry::parse_spool_frames(text)) {
    if (frames->consumed > size) std::abort();
  }
  return 0;
}
