// report.json (docs/validate.md, "report.json"): the contract scripts and CI read.
#include <nlohmann/json.hpp>

#include "validate/report.hpp"

namespace signet::validate {
namespace {

using nlohmann::json;

json optional_string(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json evidence_json(const CellEvidence& e) {
  json out = {{"made", e.made},
              {"artifact", e.artifact},
              {"signature", e.signature.empty() ? json(nullptr) : json(e.signature)},
              {"sha256", e.sha256},
              {"command", e.command},
              {"exit_status", e.exit_status ? json(*e.exit_status) : json(nullptr)},
              {"timed_out", e.timed_out},
              {"outcome", e.outcome},
              {"output", e.output},
              {"introduced_at", optional_string(e.introduced_at)},
              {"log_sources", e.log_sources},
              {"alert_sources", e.alert_sources},
              {"decision", optional_string(e.decision)},
              {"reasons", e.reasons},
              {"expected_reasons", e.expected_reasons},
              {"reason_matched", e.reason_matched ? json(*e.reason_matched) : json(nullptr)},
              {"reported_techniques", e.reported_techniques},
              {"error", optional_string(e.error)},
              {"elapsed_ms", e.elapsed_ms}};
  return out;
}

}  // namespace

std::string render_json(const Report& report) {
  json points = json::array();
  for (const auto& point : report.points) {
    json cases = json::array();
    for (const auto& cell : point.cases) {
      const auto& info = case_info(cell.id);
      cases.push_back({{"case", info.name},
                       {"title", info.title},
                       {"verdict", verdict_name(cell.verdict)},
                       {"blocked", cell.blocked},
                       {"logged", cell.logged},
                       {"escalated", cell.escalated},
                       {"techniques", cell.techniques},
                       {"evidence", evidence_json(cell.evidence)}});
    }
    json left_out = json::array();
    for (const auto& entry : point.left_out) {
      left_out.push_back({{"case", case_info(entry.id).name}, {"why", entry.why}});
    }
    points.push_back({{"name", point.name},
                      {"kind", point_kind_name(point.kind)},
                      {"class", point.artifact_class},
                      {"target", point.target},
                      {"policy", point.policy},
                      {"sinks", point.sinks},
                      {"error", optional_string(point.error)},
                      {"notes", point.notes},
                      {"cases", std::move(cases)},
                      {"left_out", std::move(left_out)}});
  }
  json techniques = json::array();
  for (const auto& t : report.techniques) {
    techniques.push_back({{"id", t.id},
                          {"name", t.name},
                          {"cells", t.cells},
                          {"pass", t.pass},
                          {"points", t.points}});
  }
  json gaps = json::array();
  for (const auto& gap : report.gaps) {
    json lacks = json::array();
    for (const auto lack : gap.lacks) lacks.push_back(gap_lack_name(lack));
    json compensating = json::object();
    if (!gap.change_approval.empty()) compensating["change_approval"] = gap.change_approval;
    if (!gap.monitoring.empty()) compensating["monitoring"] = gap.monitoring;
    if (!gap.access_control.empty()) compensating["access_control"] = gap.access_control;
    gaps.push_back({{"asset", gap.asset},
                    {"workflow", gap.workflow},
                    {"reason", gap.reason},
                    {"lacks", std::move(lacks)},
                    {"compensating", std::move(compensating)}});
  }
  json compliance = json::array();
  for (const auto& r : report.requirements) {
    json gap_refs = json::array();
    for (const auto index : r.gaps) gap_refs.push_back(report.gaps[index].asset);
    compliance.push_back({{"id", r.id},
                          {"title", r.title},
                          {"criterion", r.criterion},
                          {"status", r.status},
                          {"evidence", {{"passing", r.passing}, {"failing", r.failing}}},
                          {"gaps", std::move(gap_refs)}});
  }
  const auto& s = report.summary;
  json out = {
      {"schema", "signet-validate-report/1"},
      {"title", report.title},
      {"plan", report.plan_path},
      {"started_at", report.started_at},
      {"finished_at", report.finished_at},
      {"host", report.host},
      {"signet_version", report.signet_version},
      {"soc", report.soc_listen
                  ? json{{"listen", *report.soc_listen}, {"messages", report.soc_messages}}
                  : json(nullptr)},
      {"summary",
       {{"points", s.points},
        {"cells", s.cells},
        {"pass", s.pass},
        {"fail", s.fail},
        {"partial", s.partial},
        {"left_out", s.left_out},
        {"gaps", s.gaps},
        {"passed", report.all_passed()}}},
      {"points", std::move(points)},
      {"techniques", std::move(techniques)},
      {"gaps", std::move(gaps)},
      {"compliance", std::move(compliance)},
  };
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace signet::validate
