// Fuzzes the inventory's parsers of untrusted bytes: kind detection (the ELF identification and
// program headers, PE headers, archive magics, the RAUC trailer) from a head and a tail of the
// input, and the path escape (decode_path must accept exactly what escape_path produces, and
// escape_path must round-trip any bytes).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "inventory/file_kind.hpp"
#include "inventory/path_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace signet::inventory;
  const std::span<const std::uint8_t> input(data, size);
  const auto head = input.first(std::min(size, kHeadBytes));
  const auto tail = input.last(std::min(size, kTailBytes));
  const KindFacts facts = classify(head, tail, size, size > 0 && data[0] == 'k' ? "x.ko" : "x");
  [[maybe_unused]] static volatile std::size_t sink;
  sink = facts.detail.size() + facts.policy_class.size() + (may_embed_signature(head) ? 1 : 0);

  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string escaped = escape_path(bytes);
  const auto back = decode_path(escaped);
  if (!back || *back != bytes) std::abort();  // the escape must be reversible
  if (is_plain_path(bytes) != (escaped == bytes)) std::abort();
  if (const auto decoded = decode_path(bytes)) {  // what decodes, decodes the same once re-escaped
    if (decode_path(escape_path(*decoded)) != decoded) std::abort();
  }
  return 0;
}
