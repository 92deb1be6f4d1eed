#include "validate/event_search.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

namespace signet::validate {
namespace {

constexpr std::uintmax_t kMaxRead = 64u << 20;

std::vector<std::string> strings_at(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (value.is_string()) out.push_back(value.get<std::string>());
  if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_string()) out.push_back(item.get<std::string>());
      if (item.is_object() && item.contains("code") && item["code"].is_string()) {
        out.push_back(item["code"].get<std::string>());
      }
    }
  }
  return out;
}

const nlohmann::json* at_path(const nlohmann::json& root, std::initializer_list<const char*> keys) {
  const nlohmann::json* node = &root;
  for (const char* key : keys) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

// An ECS JSON event, alone or as the MSG of an RFC 5424 message.
std::optional<EventMatch> from_json(std::string_view record) {
  for (std::size_t pos = record.find('{'); pos != std::string_view::npos;
       pos = record.find('{', pos + 1)) {
    auto json = nlohmann::json::parse(record.substr(pos), nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) continue;
    EventMatch match;
    if (const auto* kind = at_path(json, {"event", "kind"}); kind && kind->is_string()) {
      match.alert = kind->get<std::string>() == "alert";
    }
    if (const auto* decision = at_path(json, {"signet", "decision"});
        decision && decision->is_string()) {
      match.decision = decision->get<std::string>();
    }
    if (const auto* reasons = at_path(json, {"signet", "reasons"}))
      match.reasons = strings_at(*reasons);
    if (const auto* ids = at_path(json, {"threat", "technique", "id"}))
      match.techniques = strings_at(*ids);
    return match;
  }
  return std::nullopt;
}

// "CEF:0|vendor|product|version|id|name|severity|extensions"
std::optional<EventMatch> from_cef(std::string_view record) {
  const auto start = record.find("CEF:");
  if (start == std::string_view::npos) return std::nullopt;
  std::string_view rest = record.substr(start);
  for (int field = 0; field < 6; ++field) {
    const auto bar = rest.find('|');
    if (bar == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(bar + 1);
  }
  int severity = 0;
  for (const char c : rest) {
    if (c < '0' || c > '9') break;
    severity = severity * 10 + (c - '0');
  }
  EventMatch match;
  match.alert = severity >= 6;
  return match;
}

// "<PRI>..." : syslog severity (PRI mod 8) warning or more severe.
EventMatch from_syslog(std::string_view record) {
  EventMatch match;
  if (record.size() > 2 && record.front() == '<') {
    int pri = 0;
    for (std::size_t i = 1; i < record.size() && i < 5 && record[i] != '>'; ++i) {
      if (record[i] < '0' || record[i] > '9') return match;
      pri = pri * 10 + (record[i] - '0');
    }
    match.alert = pri % 8 <= 4;
  }
  return match;
}

}  // namespace

std::optional<EventMatch> match_record(std::string_view record, std::string_view sha256) {
  if (sha256.empty() || record.find(sha256) == std::string_view::npos) return std::nullopt;
  if (auto json = from_json(record)) return json;
  if (auto cef = from_cef(record)) return cef;
  return from_syslog(record);
}

SinkFile::SinkFile(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  offset_ = ec ? 0 : size;
}

std::vector<std::string> SinkFile::new_lines() const {
  std::vector<std::string> lines;
  std::ifstream in(path_, std::ios::binary);
  if (!in) return lines;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  // A file that shrank was rotated or replaced: everything in it is new.
  const std::uintmax_t from = (!ec && size >= offset_) ? offset_ : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string line;
  std::uintmax_t read = 0;
  while (read < kMaxRead && std::getline(in, line)) {
    read += line.size() + 1;
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace signet::validate
