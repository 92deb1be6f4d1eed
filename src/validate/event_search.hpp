// Finding a test item's events: in the point's sink files (read from where they ended when the run
// started) and among the messages the SOC receiver got. An item is identified by its SHA-256,
// which is fresh per run. Records may be ECS JSON lines, RFC 5424 messages whose MSG is ECS JSON
// or a CEF line, or a vendor tool's own text (then only "the digest is there" is known).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signet::validate {

struct EventMatch {
  std::string source;                   // "events.jsonl line 12", "SOC receiver message 7 (tcp)"
  bool alert = false;                   // event.kind alert (CEF severity >= 6, syslog <= warning)
  std::optional<std::string> decision;  // signet.decision, when the record is a signet event
  std::vector<std::string> reasons;     // signet.reasons[].code
  std::vector<std::string> techniques;  // threat.technique.id
};

// The record as an event about `sha256`, or nullopt when it does not name that digest.
[[nodiscard]] std::optional<EventMatch> match_record(std::string_view record,
                                                     std::string_view sha256);

// A sink file watched from the size it had when the run began (earlier runs' lines are not
// evidence of this one).
class SinkFile {
 public:
  explicit SinkFile(std::filesystem::path path);
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // The lines written since construction (re-read on every call; bounded to 64 MiB).
  [[nodiscard]] std::vector<std::string> new_lines() const;
  [[nodiscard]] std::uintmax_t start_offset() const noexcept { return offset_; }

 private:
  std::filesystem::path path_;
  std::uintmax_t offset_ = 0;
};

}  // namespace signet::validate
