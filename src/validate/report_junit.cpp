// junit.xml: one <testsuite> per point, one <testcase> per point x case (cases left out of a point
// are not test cases; they are listed as properties). fail and partial are <failure>s whose type
// says which, so a CI that reads JUnit counts exactly what report.json counts.
#include <cstdio>

#include "validate/report.hpp"

namespace signet::validate {
namespace {

std::string xml(std::string_view text) { return escape_markup(text, Markup::kXml); }

std::string seconds(long ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string yes_no(bool value) { return value ? "yes" : "no"; }

std::string cell_text(const CellResult& cell) {
  const auto& e = cell.evidence;
  std::string text = "item: " + e.made + "\nartifact: " + e.artifact + " (sha256 " + e.sha256 +
                     ")\ncommand: " + e.command + "\noutcome: " + e.outcome +
                     "\nblocked: " + yes_no(cell.blocked) + ", logged: " + yes_no(cell.logged) +
                     ", escalated: " + yes_no(cell.escalated) + "\n";
  if (!e.reasons.empty()) {
    text += "reasons:";
    for (const auto& r : e.reasons) text += " " + r;
    text += "\n";
  }
  for (const auto& source : e.log_sources) text += "logged in: " + source + "\n";
  for (const auto& source : e.alert_sources) text += "alert at: " + source + "\n";
  if (e.error) text += "error: " + *e.error + "\n";
  if (!e.output.empty()) text += "output:\n" + e.output + "\n";
  return text;
}

std::string failure_message(const CellResult& cell) {
  const auto& e = cell.evidence;
  if (e.error) return *e.error;
  if (cell.id == CaseId::kControl) return "the valid control was blocked (false positive)";
  if (!cell.blocked) return "the point allowed it";
  std::string missing;
  if (!cell.logged) missing = "not logged";
  if (!cell.escalated) missing += std::string(missing.empty() ? "" : ", ") + "not escalated";
  return "blocked, but " + missing;
}

}  // namespace

std::string render_junit(const Report& report) {
  long total_ms = 0;
  for (const auto& point : report.points) {
    for (const auto& cell : point.cases) total_ms += cell.evidence.elapsed_ms;
  }
  const auto& s = report.summary;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"signet validate\" tests=\"" + std::to_string(s.cells) +
         "\" failures=\"" + std::to_string(s.fail + s.partial) + "\" errors=\"0\" time=\"" +
         seconds(total_ms) + "\">\n";
  for (const auto& point : report.points) {
    std::size_t failures = 0;
    long point_ms = 0;
    for (const auto& cell : point.cases) {
      if (cell.verdict != Verdict::kPass) ++failures;
      point_ms += cell.evidence.elapsed_ms;
    }
    out += "  <testsuite name=\"" + xml(point.name) + "\" tests=\"" +
           std::to_string(point.cases.size()) + "\" failures=\"" + std::to_string(failures) +
           "\" errors=\"0\" skipped=\"0\" time=\"" + seconds(point_ms) + "\" timestamp=\"" +
           xml(report.started_at) + "\" hostname=\"" + xml(report.host) + "\">\n";
    out += "    <properties>\n";
    out += "      <property name=\"kind\" value=\"" + std::string(point_kind_name(point.kind)) +
           "\"/>\n";
    out += "      <property name=\"class\" value=\"" + xml(point.artifact_class) + "\"/>\n";
    out += "      <property name=\"target\" value=\"" + xml(point.target) + "\"/>\n";
    for (const auto& left : point.left_out) {
      out += "      <property name=\"left-out:" + std::string(case_info(left.id).name) +
             "\" value=\"" + xml(left.why) + "\"/>\n";
    }
    out += "    </properties>\n";
    for (const auto& cell : point.cases) {
      const auto& info = case_info(cell.id);
      out += "    <testcase classname=\"signet.validate." + xml(point.name) + "\" name=\"" +
             std::string(info.name) + "\" time=\"" + seconds(cell.evidence.elapsed_ms) + "\">\n";
      if (cell.verdict != Verdict::kPass) {
        out += "      <failure type=\"" + std::string(verdict_name(cell.verdict)) +
               "\" message=\"" + xml(failure_message(cell)) + "\">" + xml(cell_text(cell)) +
               "</failure>\n";
      } else {
        out += "      <system-out>" + xml(cell_text(cell)) + "</system-out>\n";
      }
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace signet::validate
