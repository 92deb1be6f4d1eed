// TZif files (RFC 8536). Every count in a header is checked against the bytes that are really
// there before anything is allocated. POSIX TZ footers: posix_tz_rule.cpp.
#include "core/time_zone.hpp"

#include <algorithm>
#include <array>

namespace signet {
namespace {

std::unexpected<Error> malformed(const std::string& what) { return fail(Errc::kMalformed, what); }

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
    if (type.offset < -89'999 || type.offset > 93'599)
      return malformed("TZif: UTC offset out of range");
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

// ---- TimeZone
// -------------------------------------------------------------------------------------

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
    if (v2->version != v1->version)
      return malformed("TZif: the two headers disagree on the version");
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
