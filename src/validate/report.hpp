// The result of a validation run and its three renderings: report.json (the contract scripts read),
// junit.xml (one testcase per point x case, for CI) and a self-contained report.html (matrix,
// per-technique coverage, evidence per cell, gap register, compliance mapping).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "validate/case_catalogue.hpp"
#include "validate/plan.hpp"

namespace signet::validate {

enum class Verdict { kPass, kFail, kPartial };
[[nodiscard]] std::string_view verdict_name(Verdict verdict) noexcept;

// Everything behind one cell of the matrix.
struct CellEvidence {
  std::string made;       // how the item was made
  std::string artifact;   // path introduced
  std::string signature;  // signature path ("" when none)
  std::string sha256;
  std::string command;  // what was run, shell-quoted for reading
  std::optional<int> exit_status;
  bool timed_out = false;
  std::string outcome;                       // "blocked: exit 1, the download command was not run"
  std::string output;                        // first lines of the point's stdout/stderr
  std::optional<std::string> introduced_at;  // outside-window: the moment the point saw
  std::vector<std::string> log_sources;      // where an event with the digest was found
  std::vector<std::string> alert_sources;    // the SOC receiver's alert-level messages about it
  std::optional<std::string> decision;       // as the point's event reports it
  std::vector<std::string> reasons;          // reason codes the point's event names
  std::vector<std::string> expected_reasons;
  std::optional<bool> reason_matched;  // blocked for an expected reason (signet events only)
  std::vector<std::string> reported_techniques;  // what the point's event names
  std::optional<std::string> error;              // the item could not be made or introduced
  long elapsed_ms = 0;
};

struct CellResult {
  CaseId id = CaseId::kControl;
  Verdict verdict = Verdict::kFail;
  bool blocked = false;  // for the control: false means allowed
  bool logged = false;
  bool escalated = false;
  std::vector<std::string> techniques;  // ATT&CK for ICS ids the case exercises at this point
  CellEvidence evidence;
};

struct LeftOut {
  CaseId id = CaseId::kControl;
  std::string why;
};

struct PointResult {
  std::string name;
  PointKind kind = PointKind::kVerify;
  std::string artifact_class;
  std::string target;
  std::string policy;
  std::vector<std::string> sinks;  // where its events were looked for
  std::vector<CellResult> cases;
  std::vector<LeftOut> left_out;
  std::optional<std::string> error;  // the point could not be driven at all
  std::vector<std::string> notes;    // e.g. the gate daemon validate ran for the point
};

struct Summary {
  std::size_t points = 0;
  std::size_t cells = 0;
  std::size_t pass = 0;
  std::size_t fail = 0;
  std::size_t partial = 0;
  std::size_t left_out = 0;
  std::size_t gaps = 0;
};

struct TechniqueCoverage {
  std::string id;
  std::string name;
  std::size_t cells = 0;
  std::size_t pass = 0;
  std::vector<std::string> points;
};

struct RequirementEvidence {
  std::string id;  // "IEC 62443-3-3 SR 3.4"
  std::string title;
  std::string criterion;             // what a cell must show to count
  std::string status;                // "evidenced" | "failing" | "no tested evidence"
  std::vector<std::string> passing;  // "point/case"
  std::vector<std::string> failing;
  std::vector<std::size_t> gaps;  // indexes into Report::gaps
};

struct Report {
  std::string title;
  std::string plan_path;
  std::string started_at;
  std::string finished_at;
  std::string host;
  std::string signet_version;
  std::optional<std::string> soc_listen;
  std::size_t soc_messages = 0;
  std::vector<PointResult> points;
  std::vector<GapSpec> gaps;
  Summary summary;
  std::vector<TechniqueCoverage> techniques;
  std::vector<RequirementEvidence> requirements;

  [[nodiscard]] bool all_passed() const noexcept {
    return summary.cells > 0 && summary.pass == summary.cells;
  }
};

// Counts, per-technique coverage and the compliance mapping, from points and gaps.
void finish_report(Report& report);

// Text for an HTML or XML document: & < > " ' as references; for XML, control characters XML 1.0
// forbids (all but tab, LF, CR) become '?'.
enum class Markup { kHtml, kXml };
[[nodiscard]] std::string escape_markup(std::string_view text, Markup markup = Markup::kHtml);

[[nodiscard]] std::string render_json(const Report& report);
[[nodiscard]] std::string render_junit(const Report& report);
[[nodiscard]] std::string render_html(const Report& report);

}  // namespace signet::validate
