// What kind of file the inventory is looking at, from its first and last bytes and its name:
// ELF, PE, script, kernel module, RAUC bundle, archive, or other. Also which policy class the
// inventory assumes for formats without a signed Statement, and whether the file may carry an
// embedded signature (then the scanner keeps its bytes for the format unit).
//
// Pure and bounded: `head` is the first bytes of the file (the scanner reads 4 KiB or the whole
// file when smaller), `tail` the last ones (64 bytes); every offset read from them is checked.
// Fuzzed (tests/fuzz/fuzz_file_kind.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace signet::inventory {

enum class FileKind { kElf, kPe, kScript, kKernelModule, kRaucBundle, kArchive, kOther };

// "elf", "pe", "script", "kernel-module", "rauc-bundle", "archive", "other".
[[nodiscard]] std::string_view kind_name(FileKind kind) noexcept;
[[nodiscard]] std::optional<FileKind> kind_from_name(std::string_view name) noexcept;

inline constexpr std::size_t kHeadBytes = 4096;
inline constexpr std::size_t kTailBytes = 64;

// The ELF identification and the facts kind detection needs. Program headers are read only as
// far as they lie inside `head`.
struct ElfFacts {
  bool is_64 = false;
  bool little_endian = true;
  std::uint16_t type = 0;  // ET_REL 1, ET_EXEC 2, ET_DYN 3, ET_CORE 4
  std::uint16_t machine = 0;
  bool has_interpreter = false;  // a PT_INTERP program header was seen
};
[[nodiscard]] std::optional<ElfFacts> parse_elf_header(std::span<const std::uint8_t> head);

struct KindFacts {
  FileKind kind = FileKind::kOther;
  // Class handed to the policy for formats without a Statement: executable, library,
  // kernel-module, script, efi-application, firmware, installer; empty when none applies.
  std::string policy_class;
  // A signature may sit inside the file (PE image, module with the signature marker, RAUC bundle).
  bool may_embed_signature = false;
  std::string detail;  // "ELF64 shared object x86-64", "PE32+ EFI application", "gzip", ...
};

// From the first bytes only: could classify() say may_embed_signature for this file? (PE, ELF
// relocatable, squashfs.) The scanner decides on it whether to keep the bytes it reads.
[[nodiscard]] bool may_embed_signature(std::span<const std::uint8_t> head) noexcept;

// `size` is the whole file's size; `name` its last path component (for ".ko" and friends).
[[nodiscard]] KindFacts classify(std::span<const std::uint8_t> head,
                                 std::span<const std::uint8_t> tail, std::uint64_t size,
                                 std::string_view name);

}  // namespace signet::inventory
