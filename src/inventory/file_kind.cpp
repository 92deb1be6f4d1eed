#include "inventory/file_kind.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "formats/kmod_signature.hpp"
#include "formats/pe_image.hpp"
#include "inventory/path_text.hpp"

namespace signet::inventory {
namespace {

constexpr std::array<std::pair<FileKind, std::string_view>, 7> kFileKindNames{{
    {FileKind::kElf, "elf"},
    {FileKind::kPe, "pe"},
    {FileKind::kScript, "script"},
    {FileKind::kKernelModule, "kernel-module"},
    {FileKind::kRaucBundle, "rauc-bundle"},
    {FileKind::kArchive, "archive"},
    {FileKind::kOther, "other"},
}};

constexpr std::uint16_t kEtRel = 1;
constexpr std::uint16_t kEtExec = 2;
constexpr std::uint16_t kEtDyn = 3;
constexpr std::uint32_t kPtInterp = 3;

bool starts_with(std::span<const std::uint8_t> bytes, std::string_view magic,
                 std::size_t offset = 0) {
  return bytes.size() >= offset + magic.size() &&
         std::equal(magic.begin(), magic.end(), bytes.begin() + static_cast<long>(offset),
                    [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

bool ends_with(std::string_view name, std::string_view suffix) {
  return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

// Little- or big-endian unsigned integer of `width` bytes at `offset`; nullopt when out of bounds.
std::optional<std::uint64_t> read_uint(std::span<const std::uint8_t> bytes, std::size_t offset,
                                       std::size_t width, bool little) {
  if (offset > bytes.size() || width > bytes.size() - offset) return std::nullopt;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const std::size_t at = little ? offset + width - 1 - i : offset + i;
    value = (value << 8) | bytes[at];
  }
  return value;
}

std::string machine_name(std::uint16_t machine) {
  switch (machine) {
    case 3:
      return "i386";
    case 40:
      return "arm";
    case 62:
      return "x86-64";
    case 183:
      return "aarch64";
    case 243:
      return "riscv";
    default:
      return "machine " + std::to_string(machine);
  }
}

// Archives and compressed streams by their magic numbers.
std::optional<std::string_view> archive_format(std::span<const std::uint8_t> head) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kMagic{{
      {"!<arch>\n", "ar"},  // also .deb and static libraries
      {"\x1f\x8b", "gzip"},
      {"\xfd"
       "7zXZ\x00",
       "xz"},
      {"\x28\xb5\x2f\xfd", "zstd"},
      {"BZh", "bzip2"},
      {"PK\x03\x04", "zip"},
      {"7z\xbc\xaf\x27\x1c", "7z"},
      {"\x04\x22\x4d\x18", "lz4"},
      {"070701", "cpio"},
      {"070707", "cpio"},
      {"\xed\xab\xee\xdb", "rpm"},
  }};
  for (const auto& [magic, name] : kMagic) {
    if (starts_with(head, magic)) return name;
  }
  if (starts_with(head, "ustar", 257)) return "tar";
  if (starts_with(head, "hsqs")) return "squashfs";
  return std::nullopt;
}

// RAUC's plain bundle layout: a squashfs image, the CMS, and the CMS size as a big-endian u64 at
// the very end (formats/rauc_bundle.cpp checks the same from the whole file).
bool looks_like_rauc(std::span<const std::uint8_t> head, std::span<const std::uint8_t> tail,
                     std::uint64_t size) {
  if (!starts_with(head, "hsqs") || tail.size() < 8 || size < 12) return false;
  const auto cms_size = read_uint(tail, tail.size() - 8, 8, false);
  return cms_size && *cms_size > 0 && *cms_size <= size - 12;
}

KindFacts elf_kind(const ElfFacts& elf, std::span<const std::uint8_t> tail, std::string_view name) {
  KindFacts facts;
  const std::string bits = elf.is_64 ? "ELF64" : "ELF32";
  const std::string machine = machine_name(elf.machine);
  if (elf.type == kEtRel && (formats::has_module_signature(tail) || ends_with(name, ".ko"))) {
    facts.kind = FileKind::kKernelModule;
    facts.policy_class = "kernel-module";
    facts.may_embed_signature = formats::has_module_signature(tail);
    facts.detail = bits + " kernel module " + machine +
                   (facts.may_embed_signature ? ", signature appended" : "");
    return facts;
  }
  facts.kind = FileKind::kElf;
  switch (elf.type) {
    case kEtRel:
      facts.policy_class = "library";
      facts.detail = bits + " relocatable " + machine;
      break;
    case kEtExec:
      facts.policy_class = "executable";
      facts.detail = bits + " executable " + machine;
      break;
    case kEtDyn:
      facts.policy_class = elf.has_interpreter ? "executable" : "library";
      facts.detail =
          bits + (elf.has_interpreter ? " PIE executable " : " shared object ") + machine;
      break;
    default:
      facts.detail = bits + " type " + std::to_string(elf.type) + " " + machine;
  }
  return facts;
}

KindFacts pe_kind(std::span<const std::uint8_t> head) {
  KindFacts facts;
  facts.kind = FileKind::kPe;
  facts.may_embed_signature = true;
  facts.policy_class = "executable";
  facts.detail = "PE";
  // e_lfanew, then COFF characteristics and the optional header's magic and subsystem, as far as
  // they lie in `head` (looks_like_pe() has checked the signatures).
  const auto pe = read_uint(head, 0x3c, 4, true);
  if (!pe) return facts;
  const auto characteristics = read_uint(head, *pe + 22, 2, true);
  const auto magic = read_uint(head, *pe + 24, 2, true);
  const auto subsystem = read_uint(head, *pe + 24 + 68, 2, true);
  if (magic) facts.detail = *magic == 0x20b ? "PE32+" : "PE32";
  if (subsystem && *subsystem >= 10 && *subsystem <= 13) {
    facts.policy_class = "efi-application";
    facts.detail += " EFI image";
  } else if (characteristics && (*characteristics & 0x2000u) != 0) {
    facts.policy_class = "library";
    facts.detail += " DLL";
  } else {
    facts.detail += " executable";
  }
  return facts;
}

}  // namespace

std::string_view kind_name(FileKind kind) noexcept {
  for (const auto& [value, name] : kFileKindNames) {
    if (value == kind) return name;
  }
  return "other";
}

std::optional<FileKind> kind_from_name(std::string_view name) noexcept {
  for (const auto& [value, text] : kFileKindNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::optional<ElfFacts> parse_elf_header(std::span<const std::uint8_t> head) {
  if (!starts_with(head,
                   "\x7f"
                   "ELF") ||
      head.size() < 20)
    return std::nullopt;
  ElfFacts elf;
  if (head[4] != 1 && head[4] != 2) return std::nullopt;  // EI_CLASS
  if (head[5] != 1 && head[5] != 2) return std::nullopt;  // EI_DATA
  elf.is_64 = head[4] == 2;
  elf.little_endian = head[5] == 1;
  const bool le = elf.little_endian;
  elf.type = static_cast<std::uint16_t>(*read_uint(head, 16, 2, le));
  elf.machine = static_cast<std::uint16_t>(*read_uint(head, 18, 2, le));
  // Program headers: e_phoff, e_phentsize, e_phnum.
  const auto phoff = read_uint(head, elf.is_64 ? 32 : 28, elf.is_64 ? 8 : 4, le);
  const auto phentsize = read_uint(head, elf.is_64 ? 54 : 42, 2, le);
  const auto phnum = read_uint(head, elf.is_64 ? 56 : 44, 2, le);
  if (!phoff || !phentsize || !phnum || *phentsize < 4) return elf;
  for (std::uint64_t i = 0; i < *phnum; ++i) {
    // Bounded by `head`: a header beyond it (or an offset that overflows) ends the search.
    if (*phoff > head.size() || i > (head.size() - *phoff) / *phentsize) break;
    const auto p_type = read_uint(head, static_cast<std::size_t>(*phoff + i * *phentsize), 4, le);
    if (!p_type) break;
    if (*p_type == kPtInterp) {
      elf.has_interpreter = true;
      break;
    }
  }
  return elf;
}

bool may_embed_signature(std::span<const std::uint8_t> head) noexcept {
  if (starts_with(head, "MZ") || starts_with(head, "hsqs")) return true;
  const auto elf = parse_elf_header(head);
  return elf && elf->type == kEtRel;
}

KindFacts classify(std::span<const std::uint8_t> head, std::span<const std::uint8_t> tail,
                   std::uint64_t size, std::string_view name) {
  if (auto elf = parse_elf_header(head)) return elf_kind(*elf, tail, name);
  if (formats::looks_like_pe(head)) return pe_kind(head);
  KindFacts facts;
  if (starts_with(head, "#!")) {
    facts.kind = FileKind::kScript;
    facts.policy_class = "script";
    const auto end =
        std::find_if(head.begin(), head.end(), [](std::uint8_t c) { return c == '\n' || c == 0; });
    const std::size_t length =
        std::min<std::size_t>(static_cast<std::size_t>(end - head.begin()), 80);
    facts.detail =
        escape_path(std::string_view(reinterpret_cast<const char*>(head.data()), length));
    return facts;
  }
  if (looks_like_rauc(head, tail, size)) {
    facts.kind = FileKind::kRaucBundle;
    facts.policy_class = "firmware";
    facts.may_embed_signature = true;
    facts.detail = "squashfs with appended CMS";
    return facts;
  }
  if (auto archive = archive_format(head)) {
    const bool module =
        ends_with(name, ".ko.xz") || ends_with(name, ".ko.zst") || ends_with(name, ".ko.gz");
    facts.kind = module ? FileKind::kKernelModule : FileKind::kArchive;
    facts.policy_class = module ? "kernel-module" : "installer";
    facts.detail = std::string(*archive) + (module ? " compressed kernel module" : "");
    return facts;
  }
  return facts;
}

}  // namespace signet::inventory
