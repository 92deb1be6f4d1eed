// File names are bytes on Linux, not text. The inventory stores them as raw bytes (SQLite BLOBs)
// and shows them as text through one reversible escape, used wherever a path leaves the database:
// JSON output, events, and the subject names of a baseline.
//
//   valid UTF-8 sequences     copied as they are (control characters too: JSON escapes them)
//   a backslash               "\\"
//   any other byte            "\xNN" (two lower-case hex digits)
//
// Because "\" itself is escaped, the mapping is injective: decode_path(escape_path(p)) == p for
// every byte string, and two different paths never render alike. Pure; the decoder is fuzzed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signet::inventory {

[[nodiscard]] std::string escape_path(std::string_view raw);

// Inverse of escape_path(); nullopt for text escape_path() cannot produce (a lone "\", an unknown
// escape, bad hex, bytes that are not UTF-8 outside an escape).
[[nodiscard]] std::optional<std::string> decode_path(std::string_view text);

// True when escape_path(raw) == raw (valid UTF-8 without backslashes).
[[nodiscard]] bool is_plain_path(std::string_view raw) noexcept;

}  // namespace signet::inventory
