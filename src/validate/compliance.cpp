// finish_report(): the summary counts, per-technique coverage, and the mapping of tested cells and
// the gap register to IEC 62443 and NIST SP 800-53 requirements (docs/validate.md, "Compliance").
// A requirement's evidence is the cells that test what it asks for; it is "evidenced" when every
// one of them shows it, "failing" when any does not, and "no tested evidence" when none exist
// (the gap register then says what compensates, if anything).
#include <algorithm>
#include <set>

#include "telemetry/attack_techniques.hpp"
#include "validate/report.hpp"

namespace signet::validate {
namespace {

enum class Shows { kBlocked, kEscalated, kLogged };

struct Requirement {
  const char* id;
  const char* title;
  Shows shows;
  std::vector<CaseId> cases;         // empty: every case
  std::vector<PointKind> kinds;      // empty: every kind
  std::vector<std::string> classes;  // empty: every class
  std::vector<GapLack> gap_lacks;    // gaps that lack this weaken the requirement
};

const std::vector<CaseId> kIntegrity = {CaseId::kTampered, CaseId::kMasquerading, CaseId::kSwapped,
                                        CaseId::kStripped, CaseId::kUnsigned};
const std::vector<CaseId> kAuthenticity = {
    CaseId::kControl, CaseId::kUntrustedSigner, CaseId::kWrongEku, CaseId::kExpired,
    CaseId::kRevoked, CaseId::kWeakAlgorithm,   CaseId::kOneSigner};
const std::vector<CaseId> kCrypto = {
    CaseId::kTampered,        CaseId::kStripped,      CaseId::kSwapped,
    CaseId::kUntrustedSigner, CaseId::kWrongEku,      CaseId::kExpired,
    CaseId::kRevoked,         CaseId::kWeakAlgorithm, CaseId::kMasquerading};
const std::vector<CaseId> kInstall = {
    CaseId::kControl,  CaseId::kUnsigned,        CaseId::kStripped,
    CaseId::kTampered, CaseId::kUntrustedSigner, CaseId::kWrongEku,
    CaseId::kExpired,  CaseId::kRevoked,         CaseId::kWeakAlgorithm};
const std::vector<PointKind> kInstallKinds = {PointKind::kDownload, PointKind::kCommand,
                                              PointKind::kExec};

std::vector<Requirement> requirements() {
  const std::vector<GapLack> enforce = {GapLack::kEnforcement};
  const std::vector<GapLack> log = {GapLack::kLogging};
  return {
      {"IEC 62443-3-3 SR 3.4",
       "Software and information integrity",
       Shows::kBlocked,
       kIntegrity,
       {},
       {},
       enforce},
      {"IEC 62443-3-3 SR 3.4 RE 1",
       "Automated notification about integrity violations",
       Shows::kEscalated,
       kIntegrity,
       {},
       {},
       log},
      {"IEC 62443-4-2 CR 3.4",
       "Software and information integrity",
       Shows::kBlocked,
       kIntegrity,
       {},
       {},
       enforce},
      {"IEC 62443-4-2 CR 3.4 RE 1",
       "Authenticity of software and information",
       Shows::kBlocked,
       kAuthenticity,
       {},
       {},
       enforce},
      {"IEC 62443-4-2 CR 3.4 RE 2",
       "Automated notification of integrity violations",
       Shows::kEscalated,
       kIntegrity,
       {},
       {},
       log},
      {"IEC 62443-4-2 EDR/HDR/NDR 3.10",
       "Support for updates (authenticity and integrity of updates)",
       Shows::kBlocked,
       {},
       {PointKind::kDownload, PointKind::kCommand},
       {},
       enforce},
      {"IEC 62443-4-2 EDR/HDR/NDR 3.14",
       "Integrity of the boot process",
       Shows::kBlocked,
       {},
       {},
       {"firmware", "kernel-module"},
       enforce},
      {"NIST SP 800-53 SI-7(1)", "Integrity checks", Shows::kBlocked, kIntegrity, {}, {}, enforce},
      {"NIST SP 800-53 SI-7(2)",
       "Automated notifications of integrity violations",
       Shows::kEscalated,
       {},
       {},
       {},
       log},
      {"NIST SP 800-53 SI-7(6)",
       "Cryptographic protection",
       Shows::kBlocked,
       kCrypto,
       {},
       {},
       enforce},
      {"NIST SP 800-53 SI-7(7)",
       "Integration of detection and response",
       Shows::kEscalated,
       {},
       {},
       {},
       log},
      {"NIST SP 800-53 SI-7(8)",
       "Auditing capability for significant events",
       Shows::kLogged,
       {},
       {},
       {},
       log},
      {"NIST SP 800-53 SI-7(12)",
       "Integrity verification (user-installed software)",
       Shows::kBlocked,
       {},
       {},
       {"executable", "installer", "script", "library"},
       enforce},
      {"NIST SP 800-53 SI-7(15)", "Code authentication", Shows::kBlocked, {}, {}, {}, enforce},
      {"NIST SP 800-53 CM-14",
       "Signed components",
       Shows::kBlocked,
       kInstall,
       kInstallKinds,
       {},
       enforce},
  };
}

const char* criterion_text(Shows shows) {
  switch (shows) {
    case Shows::kBlocked:
      return "the item was blocked (the control allowed)";
    case Shows::kEscalated:
      return "an alert-level event about the item reached the SOC receiver";
    case Shows::kLogged:
      return "an event with the item's digest is in the point's sink";
  }
  return "";
}

bool contains(const auto& list, const auto& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

bool shows(const CellResult& cell, Shows what) {
  switch (what) {
    case Shows::kBlocked:
      return cell.id == CaseId::kControl ? !cell.blocked && !cell.evidence.error : cell.blocked;
    case Shows::kEscalated:
      return cell.escalated;
    case Shows::kLogged:
      return cell.logged;
  }
  return false;
}

}  // namespace

std::string_view verdict_name(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kPartial:
      return "partial";
  }
  return "fail";
}

void finish_report(Report& report) {
  Summary summary;
  summary.points = report.points.size();
  summary.gaps = report.gaps.size();
  std::map<std::string, TechniqueCoverage> techniques;
  for (const auto& point : report.points) {
    summary.left_out += point.left_out.size();
    for (const auto& cell : point.cases) {
      ++summary.cells;
      switch (cell.verdict) {
        case Verdict::kPass:
          ++summary.pass;
          break;
        case Verdict::kFail:
          ++summary.fail;
          break;
        case Verdict::kPartial:
          ++summary.partial;
          break;
      }
      for (const auto& id : cell.techniques) {
        auto& coverage = techniques[id];
        coverage.id = id;
        if (const auto* known = telemetry::find_technique(id)) coverage.name = known->name;
        ++coverage.cells;
        if (cell.verdict == Verdict::kPass) ++coverage.pass;
        if (std::find(coverage.points.begin(), coverage.points.end(), point.name) ==
            coverage.points.end()) {
          coverage.points.push_back(point.name);
        }
      }
    }
  }
  report.summary = summary;
  // Every M0945 technique appears, tested or not, in the table's order.
  report.techniques.clear();
  for (const auto& technique : telemetry::m0945_techniques()) {
    const std::string id(technique.id);
    TechniqueCoverage coverage;
    if (const auto it = techniques.find(id); it != techniques.end()) coverage = it->second;
    coverage.id = id;
    coverage.name = std::string(technique.name);
    report.techniques.push_back(std::move(coverage));
    techniques.erase(id);
  }
  for (auto& [id, coverage] : techniques) report.techniques.push_back(coverage);

  report.requirements.clear();
  for (const auto& requirement : requirements()) {
    RequirementEvidence out;
    out.id = requirement.id;
    out.title = requirement.title;
    out.criterion = criterion_text(requirement.shows);
    for (const auto& point : report.points) {
      if (!contains(requirement.kinds, point.kind)) continue;
      if (!contains(requirement.classes, point.artifact_class)) continue;
      for (const auto& cell : point.cases) {
        if (!contains(requirement.cases, cell.id)) continue;
        // Notifications are about violations: the control raises none by design.
        if (requirement.shows == Shows::kEscalated && cell.id == CaseId::kControl) continue;
        const std::string name = point.name + "/" + std::string(case_info(cell.id).name);
        (shows(cell, requirement.shows) ? out.passing : out.failing).push_back(name);
      }
    }
    for (std::size_t i = 0; i < report.gaps.size(); ++i) {
      const auto& lacks = report.gaps[i].lacks;
      if (std::any_of(lacks.begin(), lacks.end(), [&](GapLack lack) {
            return std::find(requirement.gap_lacks.begin(), requirement.gap_lacks.end(), lack) !=
                   requirement.gap_lacks.end();
          })) {
        out.gaps.push_back(i);
      }
    }
    out.status = !out.failing.empty()  ? "failing"
                 : out.passing.empty() ? "no tested evidence"
                                       : "evidenced";
    report.requirements.push_back(std::move(out));
  }
}

}  // namespace signet::validate
