// The kinds of file the execution gate judges, and how an open is classified (docs/exec-gate.md
// "What is judged"). Pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signet::gate {

enum class GateClass : std::uint8_t { kExecutable, kLibrary, kScript, kKernelModule, kProjectFile };
inline constexpr std::size_t kCodeClassCount = 4;  // the classes a trust bundle can allow
inline constexpr std::array<GateClass, kCodeClassCount> kCodeClasses = {
    GateClass::kExecutable, GateClass::kLibrary, GateClass::kScript, GateClass::kKernelModule};

// The artifact class name ("executable", "library", "script", "kernel-module", "project-file").
[[nodiscard]] std::string_view gate_class_name(GateClass c) noexcept;
[[nodiscard]] std::optional<GateClass> gate_class_from_name(std::string_view name) noexcept;
// event.action of a decision about this class: exec | open | load-module.
[[nodiscard]] std::string_view gate_operation(GateClass c, bool exec) noexcept;

// "libfoo.so", "libfoo.so.1.2" (a name, not a path).
[[nodiscard]] bool looks_like_shared_object(std::string_view file_name) noexcept;
// "mod.ko", "mod.ko.xz", "mod.ko.zst", "mod.ko.gz".
[[nodiscard]] bool looks_like_kernel_module(std::string_view file_name) noexcept;

// True when `path` is `root` or lies below it ("/a/b" is under "/a", "/ab" is not).
[[nodiscard]] bool path_is_under(std::string_view path, std::string_view root) noexcept;

struct GuardRule {
  std::string path;                // real path of the guarded file or folder
  std::vector<std::string> tools;  // real paths of the engineering tools
};

// What an open (FAN_OPEN_PERM, not an execution) by `opener_exe` of the file at `path` is judged
// as; nullopt: allowed without hashing. Signature files (*.sig) of a guarded folder are never
// project files themselves.
[[nodiscard]] std::optional<GateClass> classify_open(std::string_view path,
                                                     std::string_view opener_exe,
                                                     const std::vector<std::string>& interpreters,
                                                     const std::vector<GuardRule>& guards);

// The guard a file lies under, if any (signature files excluded).
[[nodiscard]] const GuardRule* guard_for(std::string_view path,
                                         const std::vector<GuardRule>& guards) noexcept;

}  // namespace signet::gate
