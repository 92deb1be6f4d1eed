// The JSON form of a controller change record (`signet changes --json`, docs/download-gate.md).
#pragma once

#include <nlohmann/json.hpp>

#include "gate/state_db.hpp"

namespace signet::gate {

[[nodiscard]] nlohmann::json change_record_to_json(const ChangeRecord& record);

}  // namespace signet::gate
