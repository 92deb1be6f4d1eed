// JSON renderings of decisions and statements: the `--json` contract of `signet verify` and the
// core of every event.
#pragma once

#include <nlohmann/json.hpp>

#include "formats/statement.hpp"
#include "policy/decision.hpp"

namespace signet::telemetry {

[[nodiscard]] nlohmann::json statement_to_json(const formats::Statement& statement);
[[nodiscard]] nlohmann::json reasons_to_json(const std::vector<Reason>& reasons);
// {decision, enforced, mode, reasons, rule, format, artifacts, signers, statement, evaluated_at}
[[nodiscard]] nlohmann::json decision_to_json(const policy::Decision& decision);
// Never throws on odd bytes in names: invalid UTF-8 is replaced.
[[nodiscard]] std::string dump_json(const nlohmann::json& value, int indent = -1);

}  // namespace signet::telemetry
