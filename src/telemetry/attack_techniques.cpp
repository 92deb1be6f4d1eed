#include "telemetry/attack_techniques.hpp"

#include <algorithm>
#include <cctype>

namespace signet::telemetry {
namespace {

// Names of ids that exist up to v18 are MITRE's; the v19 additions (T0843.00x, T0873.001 and the
// T1693 family that replaces T0857/T0839) are named after what they cover. `signet attack import`
// reports any name a bundle spells differently.
constexpr Technique kTechniques[] = {
    {"T0843", "Program Download"},
    {"T0843.001", "Program Download: Download All"},
    {"T0843.002", "Program Download: Online Edit"},
    {"T0843.003", "Program Download: Program Append"},
    {"T0889", "Modify Program"},
    {"T0821", "Modify Controller Tasking"},
    {"T0873", "Project File Infection"},
    {"T0873.001", "Project File Infection: Siemens Project Files"},
    {"T1693", "Modify Firmware"},
    {"T1693.001", "Modify Firmware: System Firmware"},
    {"T1693.002", "Modify Firmware: Module Firmware"},
    {"T0849", "Masquerading"},
    {"T0851", "Rootkit"},
    {"T0862", "Supply Chain Compromise"},
    {"T0863", "User Execution"},
};

void add(std::vector<std::string>& out, std::string_view id) {
  if (std::find(out.begin(), out.end(), id) == out.end()) out.emplace_back(id);
}

// The class a point implies when the artifact itself does not say (no signed Statement).
std::string_view class_of_point(std::string_view point, std::string_view operation) {
  if (point == "download-gate") return "plc-program";
  if (point == "firmware-gate") return "firmware";
  if (point == "project-watch") return "project-file";
  if (point == "exec-gate") return operation == "load-module" ? "kernel-module" : "executable";
  return "";
}

}  // namespace

std::span<const Technique> m0945_techniques() noexcept { return kTechniques; }

const Technique* find_technique(std::string_view id) noexcept {
  for (const auto& technique : kTechniques) {
    if (technique.id == id) return &technique;
  }
  return nullptr;
}

bool is_siemens_project_file(std::string_view file_name) noexcept {
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string ext;
  for (const char c : file_name.substr(dot + 1)) {
    ext.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (ext == "s7p" || ext == "s7l") return true;
  // .ap15, .ap16_1, .zap17: TIA Portal projects and their archives, one suffix per version.
  std::string_view rest = ext;
  if (rest.starts_with("zap")) {
    rest.remove_prefix(3);
  } else if (rest.starts_with("ap")) {
    rest.remove_prefix(2);
  } else {
    return false;
  }
  return !rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())) != 0 &&
         std::all_of(rest.begin(), rest.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '_';
         });
}

std::vector<std::string> techniques_for(const TechniqueFacts& facts) {
  std::vector<std::string> out;
  const std::string_view cls = facts.artifact_class.empty()
                                   ? class_of_point(facts.point, facts.operation)
                                   : facts.artifact_class;
  if (cls == "executable" || cls == "installer") {
    add(out, "T0849");
    add(out, "T0863");
  } else if (cls == "script") {
    add(out, "T0863");
  } else if (cls == "library" || cls == "kernel-module") {
    add(out, "T0851");
  } else if (cls == "plc-program") {
    if (facts.operation == "download-all") add(out, "T0843.001");
    if (facts.operation == "online-edit") add(out, "T0843.002");
    if (facts.operation == "program-append") add(out, "T0843.003");
    add(out, "T0843");
    add(out, "T0889");
    add(out, "T0821");
  } else if (cls == "project-file") {
    if (is_siemens_project_file(facts.file_name)) add(out, "T0873.001");
    add(out, "T0873");
  } else if (cls == "firmware") {
    if (facts.firmware_scope == "system") add(out, "T1693.001");
    if (facts.firmware_scope == "module") add(out, "T1693.002");
    add(out, "T1693");
  }
  if (facts.differs_from_baseline) add(out, "T0862");
  return out;
}

}  // namespace signet::telemetry
