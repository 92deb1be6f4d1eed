// Fuzzes formats::parse_statement (the in-toto Statement inside every native signature). Beyond
// "never crash", checks a property: whatever parses serializes to canonical JSON that parses back
// to the same Statement, and canonical JSON is a fixed point of serialize(parse(.)).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/statement.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto statement = signet::formats::parse_statement(text);
  if (!statement) return 0;
  const std::string canonical = signet::formats::serialize_statement(*statement);
  const auto again = signet::formats::parse_statement(canonical);
  if (!again || *again != *statement) std::abort();  // round trip lost or changed something
  if (signet::formats::serialize_statement(*again) != canonical) std::abort();
  return 0;
}
