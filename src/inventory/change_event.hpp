// Inventory records and differences as data for the outside: the JSON of `signet scan --list /
// --diff --json` and the telemetry events of each difference. Paths are rendered escaped
// (path_text.hpp), never as raw bytes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "inventory/diff.hpp"
#include "inventory/record.hpp"
#include "telemetry/event.hpp"

namespace signet::inventory {

// Where a difference comes from: two scans, or a scan and a signed baseline.
struct ChangeOrigin {
  std::optional<std::int64_t> scan_id;
  std::optional<std::int64_t> previous_scan_id;
  std::optional<std::string> baseline;
};

// The policy class the inventory assumes for a kind (kind_detail tells libraries apart).
[[nodiscard]] std::string class_of(const FileRecord& record);

[[nodiscard]] nlohmann::json record_json(const FileRecord& record);
// {"change", "path", "before", "after", "scan_id", ...}: one object per difference.
[[nodiscard]] nlohmann::json change_json(const Change& change, const ChangeOrigin& origin);

// `digest_only`: a baseline subject, of which only the digest is known.
[[nodiscard]] telemetry::InventoryStateFacts state_facts(const FileRecord& record,
                                                         bool digest_only);
[[nodiscard]] telemetry::Event change_event(const Change& change, const ChangeOrigin& origin,
                                            const std::string& host, TimePoint now);

// JSON text with anything that is not UTF-8 replaced (never throws).
[[nodiscard]] std::string json_text(const nlohmann::json& value, int indent = -1);

}  // namespace signet::inventory
