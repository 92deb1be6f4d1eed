#include "telemetry/ustar.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

namespace signet::telemetry {
namespace {

constexpr std::size_t kBlock = 512;

void put_octal(std::uint8_t* field, std::size_t width, std::uint64_t value) {
  // width-1 octal digits, NUL-terminated
  for (std::size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<std::uint8_t>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = 0;
}

void put_text(std::uint8_t* field, std::string_view text) {
  std::memcpy(field, text.data(), text.size());
}

std::uint64_t checksum(const std::uint8_t* header) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    sum += (i >= 148 && i < 156) ? static_cast<std::uint64_t>(' ') : header[i];
  }
  return sum;
}

std::optional<std::uint64_t> get_octal(const std::uint8_t* field, std::size_t width) {
  std::uint64_t value = 0;
  std::size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  bool digits = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value > (std::uint64_t{1} << 60)) return std::nullopt;
    value = value * 8 + (field[i] - '0');
    digits = true;
  }
  for (; i < width; ++i) {
    if (field[i] != 0 && field[i] != ' ') return std::nullopt;
  }
  if (!digits) return std::nullopt;
  return value;
}

bool safe_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.size() > 255) return false;
  std::size_t pos = 0;
  while (pos <= name.size()) {
    const auto slash = name.find('/', pos);
    const auto part =
        name.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f;
  });
}

std::string field_text(const std::uint8_t* field, std::size_t width) {
  const auto* end = static_cast<const std::uint8_t*>(std::memchr(field, 0, width));
  return std::string(reinterpret_cast<const char*>(field),
                     end == nullptr ? width : static_cast<std::size_t>(end - field));
}

}  // namespace

Result<Bytes> write_ustar(std::span<const TarMember> members, std::int64_t mtime) {
  Bytes out;
  for (const auto& m : members) {
    if (!safe_name(m.name) || m.name.size() > 100) {
      return fail(Errc::kInternal, "tar member name not usable: " + m.name);
    }
    std::uint8_t header[kBlock] = {};
    put_text(header, m.name);
    put_octal(header + 100, 8, 0644);
    put_octal(header + 108, 8, 0);
    put_octal(header + 116, 8, 0);
    put_octal(header + 124, 12, m.data.size());
    put_octal(header + 136, 12, static_cast<std::uint64_t>(mtime < 0 ? 0 : mtime));
    header[156] = '0';
    put_text(header + 257, std::string_view("ustar\0"
                                            "00",
                                            8));
    put_text(header + 265, "root");
    put_text(header + 297, "root");
    put_octal(header + 148, 7, checksum(header));
    header[155] = ' ';
    out.insert(out.end(), header, header + kBlock);
    out.insert(out.end(), m.data.begin(), m.data.end());
    out.resize(out.size() + (kBlock - m.data.size() % kBlock) % kBlock, 0);
  }
  out.resize(out.size() + 2 * kBlock, 0);
  return out;
}

bool looks_like_ustar(std::span<const std::uint8_t> bytes) noexcept {
  return bytes.size() >= kBlock && std::memcmp(bytes.data() + 257, "ustar", 5) == 0;
}

Result<std::vector<TarEntry>> read_ustar(std::span<const std::uint8_t> archive) {
  std::vector<TarEntry> entries;
  std::set<std::string> names;
  std::size_t pos = 0;
  const auto bad = [&](const std::string& why) {
    return fail(Errc::kMalformed, "tar: " + why + " (at byte " + std::to_string(pos) + ")");
  };
  for (;;) {
    if (archive.size() - pos < kBlock) return bad("archive ends without its end blocks");
    const std::uint8_t* header = archive.data() + pos;
    if (std::all_of(header, header + kBlock, [](std::uint8_t b) { return b == 0; })) {
      if (archive.size() - pos < 2 * kBlock ||
          !std::all_of(header + kBlock, header + 2 * kBlock,
                       [](std::uint8_t b) { return b == 0; })) {
        return bad("a single zero block is not an archive end");
      }
      for (std::size_t i = pos + 2 * kBlock; i < archive.size(); ++i) {
        if (archive[i] != 0) return bad("data after the archive end");
      }
      return entries;
    }
    if (std::memcmp(header + 257, "ustar", 5) != 0) return bad("not a ustar header");
    const auto stored = get_octal(header + 148, 8);
    if (!stored || *stored != checksum(header)) return bad("header checksum mismatch");
    const auto size = get_octal(header + 124, 12);
    if (!size) return bad("bad size field");
    std::string name = field_text(header, 100);
    const std::string prefix = field_text(header + 345, 155);
    if (!prefix.empty()) name = prefix + "/" + name;
    const char type = static_cast<char>(header[156]);
    pos += kBlock;
    if (*size > archive.size() - pos) return bad("member '" + name + "' runs past the archive");
    const std::size_t padded = static_cast<std::size_t>((*size + kBlock - 1) / kBlock * kBlock);
    if (padded > archive.size() - pos) return bad("member '" + name + "' runs past the archive");
    if (type == '5') {
      pos += padded;
      continue;
    }
    if (type != '0' && type != '\0') return bad("member '" + name + "' is not a regular file");
    if (!safe_name(name)) return bad("unsafe member name '" + name + "'");
    if (!names.insert(name).second) return bad("member '" + name + "' appears twice");
    entries.push_back({name, archive.subspan(pos, static_cast<std::size_t>(*size))});
    pos += padded;
  }
}

}  // namespace signet::telemetry
