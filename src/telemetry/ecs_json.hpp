// The ECS JSON rendering of an event: one JSON object per line, Elastic Common Schema field names
// plus the signet.* namespace (docs/events.md, schema in docs/event.schema.json).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "telemetry/event.hpp"

namespace signet::telemetry {

[[nodiscard]] nlohmann::json ecs_json(const Event& event);
// Compact, one line, no trailing newline; invalid UTF-8 in names is replaced, never thrown.
[[nodiscard]] std::string render_ecs_json(const Event& event);

}  // namespace signet::telemetry
