#include "gate/exec_class.hpp"

#include <algorithm>
#include <cctype>

namespace signet::gate {
namespace {

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool all_digits_and_dots(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c == '.' || std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

}  // namespace

std::string_view gate_class_name(GateClass c) noexcept {
  switch (c) {
    case GateClass::kExecutable:
      return "executable";
    case GateClass::kLibrary:
      return "library";
    case GateClass::kScript:
      return "script";
    case GateClass::kKernelModule:
      return "kernel-module";
    case GateClass::kProjectFile:
      return "project-file";
  }
  return "executable";
}

std::optional<GateClass> gate_class_from_name(std::string_view name) noexcept {
  for (const auto c : {GateClass::kExecutable, GateClass::kLibrary, GateClass::kScript,
                       GateClass::kKernelModule, GateClass::kProjectFile}) {
    if (gate_class_name(c) == name) return c;
  }
  return std::nullopt;
}

std::string_view gate_operation(GateClass c, bool exec) noexcept {
  if (exec) return "exec";
  return c == GateClass::kKernelModule ? "load-module" : "open";
}

bool looks_like_shared_object(std::string_view name) noexcept {
  const auto at = name.find(".so");
  if (at == std::string_view::npos || at == 0) return false;
  const auto rest = name.substr(at + 3);
  if (rest.empty()) return true;
  return rest.front() == '.' && all_digits_and_dots(rest.substr(1));
}

bool looks_like_kernel_module(std::string_view name) noexcept {
  for (const std::string_view suffix : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) return true;
  }
  return false;
}

bool path_is_under(std::string_view path, std::string_view root) noexcept {
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  if (root == "/") return path.starts_with('/');
  if (!path.starts_with(root)) return false;
  return path.size() == root.size() || path[root.size()] == '/';
}

const GuardRule* guard_for(std::string_view path, const std::vector<GuardRule>& guards) noexcept {
  if (path.ends_with(".sig")) return nullptr;
  for (const auto& guard : guards) {
    if (path_is_under(path, guard.path)) return &guard;
  }
  return nullptr;
}

std::optional<GateClass> classify_open(std::string_view path, std::string_view opener_exe,
                                       const std::vector<std::string>& interpreters,
                                       const std::vector<GuardRule>& guards) {
  const std::string_view name = base_name(path);
  if (looks_like_kernel_module(name)) return GateClass::kKernelModule;
  if (looks_like_shared_object(name)) return GateClass::kLibrary;
  if (!opener_exe.empty()) {
    if (const auto* guard = guard_for(path, guards);
        guard != nullptr &&
        std::find(guard->tools.begin(), guard->tools.end(), opener_exe) != guard->tools.end()) {
      return GateClass::kProjectFile;
    }
    if (std::find(interpreters.begin(), interpreters.end(), opener_exe) != interpreters.end()) {
      return GateClass::kScript;
    }
  }
  return std::nullopt;
}

}  // namespace signet::gate
