// report.html: one self-contained page (inline CSS, no script, no external asset, so it can be
// mailed, archived and opened on an air-gapped station): summary, the coloured matrix of points x
// cases, per-technique coverage, the gap register, the compliance mapping, and the evidence behind
// every cell (linked from the matrix).
#include "validate/report.hpp"

namespace signet::validate {

std::string escape_markup(std::string_view text, Markup markup) {
  std::string out;
  out.reserve(text.size() + 16);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += markup == Markup::kXml ? "&apos;" : "&#39;";
        break;
      default:
        // XML 1.0 allows no control characters other than tab, LF and CR.
        if (markup == Markup::kXml && static_cast<unsigned char>(c) < 0x20 && c != '\t' &&
            c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

namespace {

std::string cell_id(const PointResult& point, CaseId id) {
  return "cell-" + point.name + "-" + std::string(case_info(id).name);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1c1c1c;}
h1{margin-bottom:4px;} h2{margin-top:32px;border-bottom:1px solid #ccc;padding-bottom:4px;}
.meta{color:#555;font-size:90%;}
.badge{display:inline-block;padding:4px 10px;border-radius:4px;margin-right:8px;font-weight:600;}
.overall-pass{background:#2e7d32;color:#fff;} .overall-fail{background:#c62828;color:#fff;}
table{border-collapse:collapse;margin:8px 0;font-size:90%;}
th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left;}
th{background:#f0f0f0;}
#matrix th.case{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;height:120px;}
#matrix td.cell{text-align:center;min-width:34px;font-weight:700;}
#matrix td.cell a{color:inherit;text-decoration:none;display:block;}
#matrix td.cell small{display:block;font-weight:400;font-size:70%;letter-spacing:1px;}
.pass{background:#c8e6c9;color:#1b5e20;} .fail{background:#ffcdd2;color:#b71c1c;}
.partial{background:#ffe0b2;color:#e65100;} .na{background:#eee;color:#999;}
.evidenced{color:#1b5e20;font-weight:600;} .failing{color:#b71c1c;font-weight:600;}
.none{color:#e65100;font-weight:600;}
details{margin:4px 0;border:1px solid #ddd;border-radius:4px;padding:4px 8px;}
details:target{outline:3px solid #1565c0;}
summary{cursor:pointer;}
pre{background:#f7f7f7;padding:6px;white-space:pre-wrap;word-break:break-all;max-height:300px;overflow:auto;}
code{font-size:90%;}
)";

std::string verdict_symbol(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "&#10003;";  // check mark
    case Verdict::kFail:
      return "&#10007;";  // ballot x
    case Verdict::kPartial:
      return "&#9681;";  // half circle
  }
  return "?";
}

std::string flags(const CellResult& cell) {
  std::string out;
  out += cell.id == CaseId::kControl ? (cell.blocked ? "B" : "A") : (cell.blocked ? "B" : "-");
  out += cell.logged ? "L" : "-";
  out += cell.escalated ? "E" : "-";
  return out;
}

void summary_section(std::string& out, const Report& report) {
  const auto& s = report.summary;
  out += "<h1>" +
         escape_markup(report.title.empty() ? "Code signing coverage validation" : report.title) +
         "</h1>\n";
  out += "<p class=\"meta\">signet " + escape_markup(report.signet_version) + " &middot; host " +
         escape_markup(report.host) + " &middot; " + escape_markup(report.started_at) + " to " +
         escape_markup(report.finished_at) + " &middot; plan <code>" +
         escape_markup(report.plan_path) + "</code>";
  if (report.soc_listen) {
    out += " &middot; SOC receiver " + escape_markup(*report.soc_listen) + " (" +
           std::to_string(report.soc_messages) + " messages)";
  }
  out += "</p>\n<p id=\"summary\"><span class=\"badge " +
         std::string(report.all_passed() ? "overall-pass\">PASSED" : "overall-fail\">NOT PASSED") +
         "</span><span class=\"badge pass\">" + std::to_string(s.pass) +
         " pass</span><span class=\"badge fail\">" + std::to_string(s.fail) +
         " fail</span><span class=\"badge partial\">" + std::to_string(s.partial) +
         " partial</span><span class=\"badge na\">" + std::to_string(s.left_out) +
         " left out</span> " + std::to_string(s.points) + " points, " + std::to_string(s.cells) +
         " cells, " + std::to_string(s.gaps) + " gaps</p>\n";
}

void matrix_section(std::string& out, const Report& report) {
  out += "<h2>Coverage matrix</h2>\n<table id=\"matrix\">\n<thead><tr><th>Point</th><th>Kind</th>";
  for (const auto& info : case_catalogue()) {
    out += "<th class=\"case\" title=\"" +
           escape_markup(std::string(info.title) + ": " + std::string(info.what)) + "\">" +
           escape_markup(info.name) + "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& point : report.points) {
    out += "<tr><th title=\"" + escape_markup(point.artifact_class + " " + point.target) + "\">" +
           escape_markup(point.name) + "</th><td>" + std::string(point_kind_name(point.kind)) +
           "</td>";
    for (const auto& info : case_catalogue()) {
      const CellResult* cell = nullptr;
      for (const auto& c : point.cases) {
        if (c.id == info.id) cell = &c;
      }
      if (cell == nullptr) {
        std::string why = "not tested at this point";
        for (const auto& left : point.left_out) {
          if (left.id == info.id) why = "not applicable: " + left.why;
        }
        out += "<td class=\"cell na\" data-verdict=\"n/a\" title=\"" + escape_markup(why) +
               "\">&ndash;</td>";
        continue;
      }
      const std::string verdict(verdict_name(cell->verdict));
      out += "<td class=\"cell " + verdict + "\" data-verdict=\"" + verdict + "\" data-case=\"" +
             std::string(info.name) + "\" title=\"" +
             escape_markup(std::string(info.title) + ": " + verdict) + "\"><a href=\"#" +
             escape_markup(cell_id(point, info.id)) + "\">" + verdict_symbol(cell->verdict) +
             "<small>" + flags(*cell) + "</small></a></td>";
    }
    out += "</tr>\n";
  }
  out +=
      "</tbody></table>\n<p class=\"meta\">Each cell: &#10003; pass, &#10007; fail, &#9681; "
      "partial, &ndash; not applicable (left out, never counted as passed). Letters: "
      "<b>B</b> blocked (<b>A</b> allowed, for the control), <b>L</b> logged (an event with the "
      "item's digest in the point's sink), <b>E</b> escalated (an alert-level event reached the "
      "SOC receiver). Click a cell for its evidence.</p>\n";
}

void technique_section(std::string& out, const Report& report) {
  out +=
      "<h2>ATT&amp;CK for ICS coverage</h2>\n<table id=\"techniques\"><thead><tr><th>Technique"
      "</th><th>Name</th><th>Cells</th><th>Passed</th><th>Points</th></tr></thead><tbody>\n";
  for (const auto& t : report.techniques) {
    const std::string cls = t.cells == 0 ? "na" : t.pass == t.cells ? "pass" : "fail";
    out += "<tr class=\"" + cls + "\"><td>" + escape_markup(t.id) + "</td><td>" +
           escape_markup(t.name) + "</td><td>" + std::to_string(t.cells) + "</td><td>" +
           std::to_string(t.pass) + "</td><td>" +
           escape_markup(t.cells == 0 ? std::string("not tested") : join(t.points, ", ")) +
           "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

void gap_section(std::string& out, const Report& report) {
  out += "<h2>Gap register</h2>\n";
  if (report.gaps.empty()) {
    out += "<p>The plan lists no assets or workflows that cannot enforce signatures.</p>\n";
    return;
  }
  out +=
      "<table id=\"gaps\"><thead><tr><th>#</th><th>Asset</th><th>Workflow</th><th>Why it cannot "
      "enforce</th><th>Lacks</th><th>Change approval</th><th>Monitoring</th><th>Access control"
      "</th></tr></thead><tbody>\n";
  for (std::size_t i = 0; i < report.gaps.size(); ++i) {
    const auto& g = report.gaps[i];
    std::vector<std::string> lacks;
    for (const auto lack : g.lacks) lacks.emplace_back(gap_lack_name(lack));
    out += "<tr id=\"gap-" + std::to_string(i + 1) + "\"><td>" + std::to_string(i + 1) +
           "</td><td>" + escape_markup(g.asset) + "</td><td>" + escape_markup(g.workflow) +
           "</td><td>" + escape_markup(g.reason) + "</td><td>" + escape_markup(join(lacks, ", ")) +
           "</td><td>" + escape_markup(g.change_approval) + "</td><td>" +
           escape_markup(g.monitoring) + "</td><td>" + escape_markup(g.access_control) +
           "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

std::string cell_links(const std::vector<std::string>& cells) {
  std::string out;
  for (const auto& cell : cells) {
    const auto slash = cell.find('/');
    const std::string id = "cell-" + cell.substr(0, slash) + "-" + cell.substr(slash + 1);
    out += (out.empty() ? "" : ", ") + std::string("<a href=\"#") + escape_markup(id) + "\">" +
           escape_markup(cell) + "</a>";
  }
  return out;
}

void compliance_section(std::string& out, const Report& report) {
  out +=
      "<h2>Compliance mapping</h2>\n<table id=\"compliance\"><thead><tr><th>Requirement</th>"
      "<th>Status</th><th>A cell counts when</th><th>Evidence (passing cells)</th><th>Failing "
      "cells</th><th>Gaps and compensating controls</th></tr></thead><tbody>\n";
  for (const auto& r : report.requirements) {
    const std::string cls = r.status == "evidenced" ? "evidenced"
                            : r.status == "failing" ? "failing"
                                                    : "none";
    std::string gaps;
    for (const auto index : r.gaps) {
      gaps += (gaps.empty() ? "" : "; ") + std::string("<a href=\"#gap-") +
              std::to_string(index + 1) + "\">" + escape_markup(report.gaps[index].asset) + "</a>";
    }
    out += "<tr><td><b>" + escape_markup(r.id) + "</b><br>" + escape_markup(r.title) +
           "</td><td class=\"" + cls + "\">" + escape_markup(r.status) + "</td><td>" +
           escape_markup(r.criterion) + "</td><td>" + cell_links(r.passing) + "</td><td>" +
           cell_links(r.failing) + "</td><td>" + gaps + "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

void row(std::string& out, std::string_view name, const std::string& value, bool code = false) {
  if (value.empty()) return;
  out += "<tr><th>" + std::string(name) + "</th><td>" + (code ? "<code>" : "") +
         escape_markup(value) + (code ? "</code>" : "") + "</td></tr>";
}

void evidence_section(std::string& out, const Report& report) {
  out += "<h2>Evidence</h2>\n<div id=\"evidence\">\n";
  for (const auto& point : report.points) {
    out += "<h3>" + escape_markup(point.name) + " <small class=\"meta\">" +
           std::string(point_kind_name(point.kind)) + ", class " +
           escape_markup(point.artifact_class) +
           (point.target.empty() ? "" : ", target " + escape_markup(point.target)) +
           "</small></h3>\n";
    out += "<p class=\"meta\">policy <code>" + escape_markup(point.policy) +
           "</code>; events looked for in " +
           escape_markup(point.sinks.empty() ? std::string("(no sink)") : join(point.sinks, ", ")) +
           "</p>\n";
    if (point.error) out += "<p class=\"fail\">" + escape_markup(*point.error) + "</p>\n";
    for (const auto& note : point.notes)
      out += "<p class=\"meta\">" + escape_markup(note) + "</p>\n";
    for (const auto& cell : point.cases) {
      const auto& info = case_info(cell.id);
      const auto& e = cell.evidence;
      const std::string verdict(verdict_name(cell.verdict));
      out += "<details id=\"" + escape_markup(cell_id(point, cell.id)) +
             "\"><summary><span class=\"badge " + verdict + "\">" + verdict + "</span>" +
             escape_markup(info.title) + " &mdash; " +
             (cell.id == CaseId::kControl ? (cell.blocked ? "blocked" : "allowed")
                                          : (cell.blocked ? "blocked" : "allowed")) +
             ", " + (cell.logged ? "logged" : "not logged") + ", " +
             (cell.escalated ? "escalated" : "not escalated") + "</summary>\n<table>";
      row(out, "Case", std::string(info.what));
      row(out, "Item", e.made);
      row(out, "Artifact", e.artifact, true);
      row(out, "SHA-256", e.sha256, true);
      row(out, "Signature", e.signature, true);
      row(out, "Introduced with", e.command, true);
      if (e.introduced_at) row(out, "Point's clock", *e.introduced_at);
      row(out, "Outcome", e.outcome);
      row(out, "Decision (event)", e.decision.value_or(""));
      row(out, "Reasons (event)", join(e.reasons, ", "));
      row(out, "Expected reasons", join(e.expected_reasons, " or "));
      if (e.reason_matched) {
        row(out, "Blocked for an expected reason", *e.reason_matched ? "yes" : "no");
      }
      row(out, "Techniques exercised", join(cell.techniques, ", "));
      row(out, "Techniques the event names", join(e.reported_techniques, ", "));
      row(out, "Logged in", join(e.log_sources, "; "));
      row(out, "Escalated (SOC receiver)", join(e.alert_sources, "; "));
      if (e.error) row(out, "Error", *e.error);
      out += "</table>\n";
      if (!e.output.empty()) out += "<pre>" + escape_markup(e.output) + "</pre>\n";
      out += "</details>\n";
    }
    for (const auto& left : point.left_out) {
      out += "<p class=\"meta\">" + escape_markup(case_info(left.id).title) +
             ": not applicable &mdash; " + escape_markup(left.why) + "</p>\n";
    }
  }
  out += "</div>\n";
}

}  // namespace

std::string render_html(const Report& report) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
                    escape_markup(report.title.empty() ? "signet validate" : report.title) +
                    " &mdash; signet validate</title>\n<style>" + std::string(kStyle) +
                    "</style></head><body>\n";
  summary_section(out, report);
  matrix_section(out, report);
  technique_section(out, report);
  gap_section(out, report);
  compliance_section(out, report);
  evidence_section(out, report);
  out += "</body></html>\n";
  return out;
}

}  // namespace signet::validate
